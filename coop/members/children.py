"""Children and their pick-up rules. Sensitive: every read and change is audited, and
barred persons are shown only to coordinators and the child's own household."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.errors import NotFound, ValidationFailed
from coop.members.models import Child, PickupPerson
from coop.members.service import get_household

MAX_AGE_YEARS = 13


@dataclass(frozen=True)
class ChildInput:
    first_name: str
    last_name: str
    birth_date: date
    needs_inclusive_care: bool = False
    allergies: str = ""
    notes: str = ""


def get_child(session: Session, *, coop_id: int, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None or child.coop_id != coop_id:
        raise NotFound(_l("This child does not exist."))
    return child


def _check_child(data: ChildInput, *, today: date) -> None:
    errors = {}
    if not data.first_name.strip() or len(data.first_name) > 80:
        errors["first_name"] = _l("Enter a first name of 1 to 80 characters.")
    if not data.last_name.strip() or len(data.last_name) > 80:
        errors["last_name"] = _l("Enter a last name of 1 to 80 characters.")
    if data.birth_date > today:
        errors["birth_date"] = _l("The birth date cannot be in the future.")
    elif data.birth_date.year < today.year - MAX_AGE_YEARS:
        errors["birth_date"] = _l("The cooperative cares for children up to 12 years old.")
    if len(data.allergies) > 500:
        errors["allergies"] = _l("Use at most %(n)d characters.", n=500)
    if len(data.notes) > 1000:
        errors["notes"] = _l("Use at most %(n)d characters.", n=1000)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)


def save_child(session: Session, *, coop_id: int, household_id: int, child_id: int | None, data: ChildInput,
               actor_id: int, today: date) -> Child:
    """Register a child in a household of this cooperative, or update one."""
    household = get_household(session, coop_id=coop_id, household_id=household_id)
    _check_child(data, today=today)
    if child_id is None:
        child = Child(coop_id=coop_id, household_id=household.id, first_name="", last_name="",
                      birth_date=data.birth_date)
    else:
        child = get_child(session, coop_id=coop_id, child_id=child_id)
        if child.household_id != household.id:
            raise NotFound(_l("This child does not exist."))
    child.first_name, child.last_name = data.first_name.strip(), data.last_name.strip()
    child.birth_date = data.birth_date
    child.needs_inclusive_care = data.needs_inclusive_care
    child.allergies, child.notes = data.allergies.strip(), data.notes.strip()
    session.add(child)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create" if child_id is None else "update",
           object_type="child", object_id=child.id)
    return child


def pickup_persons(session: Session, *, child_id: int) -> Sequence[PickupPerson]:
    return session.exec(select(PickupPerson).where(PickupPerson.child_id == child_id)
                        .order_by(PickupPerson.is_barred, PickupPerson.name)).all()


def add_pickup_person(session: Session, *, coop_id: int, child_id: int, name: str, relation: str, phone: str,
                      is_barred: bool, actor_id: int) -> PickupPerson:
    """Authorise (or bar) someone for collecting a child."""
    child = get_child(session, coop_id=coop_id, child_id=child_id)
    errors = {}
    if not name.strip() or len(name) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    if len(relation) > 80:
        errors["relation"] = _l("Use at most %(n)d characters.", n=80)
    if len(phone) > 40:
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


def remove_pickup_person(session: Session, *, coop_id: int, child_id: int, pickup_id: int, actor_id: int) -> None:
    child = get_child(session, coop_id=coop_id, child_id=child_id)
    person = session.get(PickupPerson, pickup_id)
    if person is None or person.child_id != child.id:
        raise NotFound(_l("This person does not exist."))
    session.delete(person)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="pickup_person",
           object_id=pickup_id)
