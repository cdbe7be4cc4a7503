"""Households and memberships of a cooperative. Every lookup is scoped by ``coop_id``:
an id from another cooperative is "not found", never a leak."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.errors import NotFound, ValidationFailed
from coop.members.models import Household, Membership

MAX_PLEDGE_MINUTES = 200 * 60
MAX_PLEDGE_CENTS = 10_000 * 100


@dataclass(frozen=True)
class HouseholdInput:
    name: str
    address: str = ""
    phone: str = ""
    has_protected_address: bool = False
    is_single_parent: bool = False
    single_parent_since: date | None = None
    pledge_minutes: int = 0
    pledge_cents: int = 0


def list_households(session: Session, *, coop_id: int) -> Sequence[Household]:
    """The households of a cooperative, by name."""
    return session.exec(select(Household).where(Household.coop_id == coop_id).order_by(Household.name)).all()


def get_household(session: Session, *, coop_id: int, household_id: int) -> Household:
    """A household of this cooperative (no audit: for checks, not for showing)."""
    household = session.get(Household, household_id)
    if household is None or household.coop_id != coop_id:
        raise NotFound(_l("This household does not exist."))
    return household


def read_household(session: Session, *, coop_id: int, household_id: int, actor_id: int) -> Household:
    """A household with its personal data, for a view that shows it: the read is audited."""
    household = get_household(session, coop_id=coop_id, household_id=household_id)
    record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="household",
           object_id=household.id)
    return household


def household_parents(session: Session, *, household_id: int) -> Sequence[Person]:
    """The people who hold the parent role for this household (its adult members)."""
    return session.exec(select(Person).join(Membership, Membership.person_id == Person.id).where(
        Membership.household_id == household_id, Membership.role == "parent").order_by(Person.display_name)).all()


def may_see_household(session: Session, *, coop_id: int, household_id: int, person_id: int,
                      roles: set[str]) -> bool:
    """Coordinators see every household of their cooperative; a parent only their own."""
    if "coordinator" in roles:
        household = session.get(Household, household_id)
        return household is not None and household.coop_id == coop_id
    return household_id in household_ids_of(session, coop_id=coop_id, person_id=person_id)


def household_ids_of(session: Session, *, coop_id: int, person_id: int) -> set[int]:
    """The households a person belongs to as a parent in this cooperative."""
    rows = session.exec(select(Membership.household_id).where(
        Membership.coop_id == coop_id, Membership.person_id == person_id, Membership.role == "parent")).all()
    return {row for row in rows if row}


def _check_household(data: HouseholdInput) -> None:
    errors = {}
    if not data.name.strip() or len(data.name.strip()) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    if len(data.address) > 300:
        errors["address"] = _l("Use at most %(n)d characters.", n=300)
    if len(data.phone) > 40:
        errors["phone"] = _l("Use at most %(n)d characters.", n=40)
    if not 0 <= data.pledge_minutes <= MAX_PLEDGE_MINUTES:
        errors["pledge_hours"] = _l("Enter a number of hours between 0 and %(n)d.", n=MAX_PLEDGE_MINUTES // 60)
    if not 0 <= data.pledge_cents <= MAX_PLEDGE_CENTS:
        errors["pledge_euros"] = _l("Enter an amount between 0 and %(n)d euros.", n=MAX_PLEDGE_CENTS // 100)
    if data.is_single_parent and data.single_parent_since is None:
        errors["single_parent_since"] = _l("Give the date from which the household is single-parent.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)


def save_household(session: Session, *, coop_id: int, household_id: int | None, data: HouseholdInput,
                   actor_id: int) -> Household:
    """Create or update a household; a change of the single-parent status is audited."""
    _check_household(data)
    if household_id is None:
        household = Household(coop_id=coop_id, name=data.name)
        action = "create"
    else:
        household = get_household(session, coop_id=coop_id, household_id=household_id)
        action = "update"
    household.name = data.name.strip()
    household.address = data.address.strip()
    household.phone = data.phone.strip()
    household.has_protected_address = data.has_protected_address
    household.is_single_parent = data.is_single_parent
    household.single_parent_since = data.single_parent_since if data.is_single_parent else None
    household.pledge_minutes = data.pledge_minutes
    household.pledge_cents = data.pledge_cents
    session.add(household)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action=action, object_type="household",
           object_id=household.id)
    return household


@dataclass(frozen=True)
class MemberRow:
    person: Person
    roles: list[Membership]


def list_members(session: Session, *, coop_id: int) -> list[MemberRow]:
    """Every person with a role in the cooperative, with their roles."""
    rows = session.exec(select(Membership, Person).join(Person, Person.id == Membership.person_id)
                        .where(Membership.coop_id == coop_id).order_by(Person.display_name)).all()
    grouped: dict[int, MemberRow] = {}
    for membership, person in rows:
        grouped.setdefault(person.id, MemberRow(person=person, roles=[])).roles.append(membership)
    return list(grouped.values())


def get_member(session: Session, *, coop_id: int, person_id: int) -> MemberRow:
    """One person with their roles here; a person of another cooperative is not found."""
    for row in list_members(session, coop_id=coop_id):
        if row.person.id == person_id:
            return row
    raise NotFound(_l("This member does not exist."))


def remove_membership(session: Session, *, coop_id: int, membership_id: int, actor_id: int) -> None:
    """Take one role away; a coordinator cannot remove their own coordinator role (so a
    cooperative is never left without one by accident)."""
    membership = session.get(Membership, membership_id)
    if membership is None or membership.coop_id != coop_id:
        raise NotFound(_l("This membership does not exist."))
    if membership.person_id == actor_id and membership.role == "coordinator":
        raise ValidationFailed(_l("You cannot remove your own coordinator role."), code="own_coordinator_role")
    session.delete(membership)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="membership",
           object_id=membership_id)
