"""Caregiver profiles: who can work, of which kind, with which qualifications. Availability
lives in :mod:`coop.caregivers.availability`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.caregivers.models import KINDS, CaregiverProfile
from coop.db import insert_unique
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members.models import Household, Membership

MAX_CONTRACT_MINUTES = 60 * 60


@dataclass(frozen=True)
class CaregiverInput:
    person_id: int
    kind: str
    household_id: int | None = None
    has_first_aid: bool = False
    has_infant_care: bool = False
    has_inclusive_care: bool = False
    is_night_certified: bool = False
    contract_minutes_per_week: int = 0


def list_caregivers(session: Session, *, coop_id: int) -> Sequence[tuple[CaregiverProfile, Person]]:
    """Every caregiver profile of the cooperative with its person, by kind then name."""
    stmt = (select(CaregiverProfile, Person).join(Person, Person.id == CaregiverProfile.person_id)
            .where(CaregiverProfile.coop_id == coop_id).order_by(CaregiverProfile.kind, Person.display_name))
    return session.exec(stmt).all()


def get_caregiver(session: Session, *, coop_id: int, caregiver_id: int) -> CaregiverProfile:
    """A profile of this cooperative (no audit: for checks, not for showing)."""
    profile = session.get(CaregiverProfile, caregiver_id)
    if profile is None or profile.coop_id != coop_id:
        raise NotFound(_l("This caregiver does not exist."))
    return profile


def read_caregiver(session: Session, *, coop_id: int, caregiver_id: int,
                   actor_id: int | None) -> tuple[CaregiverProfile, Person]:
    """A profile and its person, for a page or answer that shows it: the read is audited."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    record(session, coop_id=coop_id, actor_id=actor_id, action="read", object_type="caregiver",
           object_id=profile.id)
    return profile, session.get(Person, profile.person_id)


def caregiver_of(session: Session, *, coop_id: int, person_id: int) -> CaregiverProfile | None:
    """The person's own profile in this cooperative, if any."""
    return session.exec(select(CaregiverProfile).where(CaregiverProfile.coop_id == coop_id,
                                                       CaregiverProfile.person_id == person_id)).first()


def may_edit_availability(session: Session, *, coop_id: int, caregiver_id: int, person_id: int,
                          roles: set[str]) -> bool:
    """Coordinators edit anyone's availability; a caregiver only their own."""
    if "coordinator" in roles:
        return True
    own = caregiver_of(session, coop_id=coop_id, person_id=person_id)
    return own is not None and own.id == caregiver_id


def _check(session: Session, *, coop_id: int, caregiver_id: int | None, data: CaregiverInput) -> None:
    errors = {}
    if data.kind not in KINDS:
        errors["kind"] = _l("Choose a value from the list.")
    is_member = session.exec(select(Membership).where(Membership.coop_id == coop_id,
                                                      Membership.person_id == data.person_id)).first()
    if not is_member:
        errors["person_id"] = _l("Choose a member of the cooperative.")
    if data.household_id is not None:
        household = session.get(Household, data.household_id)
        if household is None or household.coop_id != coop_id:
            errors["household_id"] = _l("Choose a household from the list.")
    elif data.kind == "volunteer":
        errors["household_id"] = _l("A volunteer parent belongs to a household.")
    if not 0 <= data.contract_minutes_per_week <= MAX_CONTRACT_MINUTES:
        errors["contract_hours"] = _l("Enter a number of hours between 0 and %(n)d.", n=MAX_CONTRACT_MINUTES // 60)
    elif data.kind == "staff" and data.contract_minutes_per_week == 0:
        errors["contract_hours"] = _l("Paid staff need their contract hours per week.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    existing = caregiver_of(session, coop_id=coop_id, person_id=data.person_id)
    if existing is not None and existing.id != caregiver_id:
        raise Conflict(_l("This person already has a caregiver profile."), code="duplicate_caregiver",
                       fields={"person_id": _l("This person already has a caregiver profile.")})


def save_caregiver(session: Session, *, coop_id: int, caregiver_id: int | None, data: CaregiverInput,
                   actor_id: int | None) -> CaregiverProfile:
    """Create or update a caregiver profile in this cooperative."""
    # Another cooperative's profile is "not found" before any check can say more about it.
    existing = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id) if caregiver_id else None
    _check(session, coop_id=coop_id, caregiver_id=caregiver_id, data=data)
    profile = existing or CaregiverProfile(coop_id=coop_id, person_id=data.person_id, kind=data.kind)
    for name, value in vars(data).items():
        setattr(profile, name, value)
    if data.kind != "staff":
        profile.contract_minutes_per_week = 0
    insert_unique(session, profile, Conflict(_l("This person already has a caregiver profile."),
                                             code="duplicate_caregiver",
                                             fields={"person_id": _l("This person already has a caregiver profile.")}))
    record(session, coop_id=coop_id, actor_id=actor_id, action="create" if caregiver_id is None else "update",
           object_type="caregiver", object_id=profile.id)
    return profile
