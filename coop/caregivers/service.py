"""Caregiver profiles and their availability (weekly windows plus dated exceptions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.auth.models import Person
from coop.caregivers.models import KINDS, AvailabilityException, AvailabilityWindow, CaregiverProfile
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
    stmt = (select(CaregiverProfile, Person).join(Person, Person.id == CaregiverProfile.person_id)
            .where(CaregiverProfile.coop_id == coop_id).order_by(CaregiverProfile.kind, Person.display_name))
    return session.exec(stmt).all()


def get_caregiver(session: Session, *, coop_id: int, caregiver_id: int) -> CaregiverProfile:
    profile = session.get(CaregiverProfile, caregiver_id)
    if profile is None or profile.coop_id != coop_id:
        raise NotFound(_l("This caregiver does not exist."))
    return profile


def caregiver_of(session: Session, *, coop_id: int, person_id: int) -> CaregiverProfile | None:
    return session.exec(select(CaregiverProfile).where(CaregiverProfile.coop_id == coop_id,
                                                       CaregiverProfile.person_id == person_id)).first()


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
                   actor_id: int) -> CaregiverProfile:
    """Create or update a caregiver profile in this cooperative."""
    _check(session, coop_id=coop_id, caregiver_id=caregiver_id, data=data)
    profile = (get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id) if caregiver_id
               else CaregiverProfile(coop_id=coop_id, person_id=data.person_id, kind=data.kind))
    for name, value in vars(data).items():
        setattr(profile, name, value)
    if data.kind != "staff":
        profile.contract_minutes_per_week = 0
    session.add(profile)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create" if caregiver_id is None else "update",
           object_type="caregiver", object_id=profile.id)
    return profile


def windows(session: Session, *, caregiver_id: int) -> Sequence[AvailabilityWindow]:
    return session.exec(select(AvailabilityWindow).where(AvailabilityWindow.caregiver_id == caregiver_id)
                        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)).all()


def exceptions(session: Session, *, caregiver_id: int) -> Sequence[AvailabilityException]:
    return session.exec(select(AvailabilityException).where(AvailabilityException.caregiver_id == caregiver_id)
                        .order_by(AvailabilityException.start_date)).all()


def add_window(session: Session, *, coop_id: int, caregiver_id: int, weekday: int, start_minute: int,
               end_minute: int) -> AvailabilityWindow:
    """A weekly window; an end at or before the start means the window runs past midnight."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    if not 0 <= weekday <= 6:
        raise ValidationFailed(_l("Check the form."), fields={"weekday": _l("Choose a value from the list.")})
    if end_minute <= start_minute:
        end_minute += 1440
    if not (0 <= start_minute < 1440 and start_minute < end_minute <= start_minute + 1440):
        raise ValidationFailed(_l("Check the form."), fields={"end": _l("Enter a time like 07:30.")})
    window = AvailabilityWindow(caregiver_id=profile.id, weekday=weekday, start_minute=start_minute,
                                end_minute=min(end_minute, 2880))
    session.add(window)
    session.flush()
    return window


def remove_window(session: Session, *, coop_id: int, caregiver_id: int, window_id: int) -> None:
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    window = session.get(AvailabilityWindow, window_id)
    if window is None or window.caregiver_id != profile.id:
        raise NotFound(_l("This window does not exist."))
    session.delete(window)
    session.flush()


def add_exception(session: Session, *, coop_id: int, caregiver_id: int, start_date: date, end_date: date,
                  is_available: bool, note: str) -> AvailabilityException:
    """A dated exception: away (holiday, illness) or available outside the usual windows."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    errors = {}
    if end_date < start_date:
        errors["end_date"] = _l("The end date must not be before the start date.")
    elif (end_date - start_date).days > 366:
        errors["end_date"] = _l("An exception lasts at most a year.")
    if len(note) > 200:
        errors["note"] = _l("Use at most %(n)d characters.", n=200)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    row = AvailabilityException(caregiver_id=profile.id, start_date=start_date, end_date=end_date,
                                is_available=is_available, note=note.strip())
    session.add(row)
    session.flush()
    return row


def remove_exception(session: Session, *, coop_id: int, caregiver_id: int, exception_id: int) -> None:
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    row = session.get(AvailabilityException, exception_id)
    if row is None or row.caregiver_id != profile.id:
        raise NotFound(_l("This exception does not exist."))
    session.delete(row)
    session.flush()
