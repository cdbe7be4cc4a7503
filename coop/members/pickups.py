"""Who may (or, when barred, may not) collect a child. Sensitive: reads and changes are
audited with ids only, and the rows are scoped through the child's household."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.errors import NotFound, ValidationFailed
from coop.members.children import get_child
from coop.members.models import Child, PickupPerson


def _child_of_household(session: Session, *, coop_id: int, household_id: int, child_id: int) -> Child:
    child = get_child(session, coop_id=coop_id, child_id=child_id)
    if child.household_id != household_id:
        raise NotFound(_l("This child does not exist."))
    return child


def pickup_persons(session: Session, *, child_id: int) -> Sequence[PickupPerson]:
    """A child's pick-up persons, the allowed ones first (no audit: the caller audits the page)."""
    return session.exec(select(PickupPerson).where(PickupPerson.child_id == child_id)
                        .order_by(PickupPerson.is_barred, PickupPerson.name)).all()


def read_pickup_persons(session: Session, *, coop_id: int, household_id: int, child_id: int,
                        actor_id: int | None) -> Sequence[PickupPerson]:
    """A child's pick-up persons for someone who asked to see them: each read is audited."""
    child = _child_of_household(session, coop_id=coop_id, household_id=household_id, child_id=child_id)
    rows = pickup_persons(session, child_id=child.id)
    for row in rows:
        record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="pickup_person",
               object_id=row.id)
    return rows


def add_pickup_person(session: Session, *, coop_id: int, household_id: int, child_id: int, name: str,
                      relation: str, phone: str, is_barred: bool, actor_id: int | None) -> PickupPerson:
    """Authorise (or bar) someone for collecting a child of this household."""
    child = _child_of_household(session, coop_id=coop_id, household_id=household_id, child_id=child_id)
    errors = {}
    if not name.strip() or len(name.strip()) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    if len(relation.strip()) > 80:
        errors["relation"] = _l("Use at most %(n)d characters.", n=80)
    if len(phone.strip()) > 40:
        errors["phone"] = _l("Use at most %(n)d characters.", n=40)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    person = PickupPerson(child_id=child.id, name=name.strip(), relation=relation.strip(), phone=phone.strip(),
                          is_barred=is_barred)
    session.add(person)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create", object_type="pickup_person",
           object_id=person.id)
    return person


def remove_pickup_person(session: Session, *, coop_id: int, household_id: int, child_id: int, pickup_id: int,
                         actor_id: int | None) -> None:
    """Take someone off a child's pick-up list (allowed or barred alike)."""
    child = _child_of_household(session, coop_id=coop_id, household_id=household_id, child_id=child_id)
    person = session.get(PickupPerson, pickup_id)
    if person is None or person.child_id != child.id:
        raise NotFound(_l("This person does not exist."))
    session.delete(person)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="pickup_person",
           object_id=pickup_id)
