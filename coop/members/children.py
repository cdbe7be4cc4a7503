"""Children of a household. Sensitive: every read and change is audited (ids only); pick-up
rules live in :mod:`coop.members.pickups`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.errors import NotFound, ValidationFailed
from coop.members.models import Child
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
    """A child of this cooperative (no audit: for checks, not for showing)."""
    child = session.get(Child, child_id)
    if child is None or child.coop_id != coop_id:
        raise NotFound(_l("This child does not exist."))
    return child


def read_child(session: Session, *, coop_id: int, household_id: int, child_id: int, actor_id: int | None) -> Child:
    """A child of this household, for a page or answer that shows it: the read is audited."""
    child = get_child(session, coop_id=coop_id, child_id=child_id)
    if child.household_id != household_id:
        raise NotFound(_l("This child does not exist."))
    record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="child", object_id=child.id)
    return child


def read_children(session: Session, *, coop_id: int, household_id: int, actor_id: int | None) -> Sequence[Child]:
    """The children of a household, youngest last; each read is audited."""
    household = get_household(session, coop_id=coop_id, household_id=household_id)
    kids = session.exec(select(Child).where(Child.household_id == household.id).order_by(Child.birth_date)).all()
    for kid in kids:
        record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="child", object_id=kid.id)
    return kids


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
               actor_id: int | None, today: date) -> Child:
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
