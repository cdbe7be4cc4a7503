"""When a caregiver can work: weekly windows plus dated exceptions. Every change is audited
(ids only) because availability says where a person is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from coop.audit.service import record
from coop.caregivers.models import AvailabilityException, AvailabilityWindow
from coop.caregivers.service import get_caregiver
from coop.errors import NotFound, ValidationFailed

MINUTES_PER_DAY = 24 * 60
MAX_EXCEPTION_DAYS = 366
MAX_NOTE_LENGTH = 200


def windows(session: Session, *, caregiver_id: int) -> Sequence[AvailabilityWindow]:
    """The weekly windows of a profile, Monday first."""
    return session.exec(select(AvailabilityWindow).where(AvailabilityWindow.caregiver_id == caregiver_id)
                        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)).all()


def exceptions(session: Session, *, caregiver_id: int) -> Sequence[AvailabilityException]:
    """The dated exceptions of a profile, oldest first."""
    return session.exec(select(AvailabilityException).where(AvailabilityException.caregiver_id == caregiver_id)
                        .order_by(AvailabilityException.start_date)).all()


def add_window(session: Session, *, coop_id: int, caregiver_id: int, weekday: int, start_minute: int,
               end_minute: int, actor_id: int | None) -> AvailabilityWindow:
    """A weekly window starting on ``weekday``. An end at or before the start means the next
    morning: 23:00–07:00 is stored as 1380–1860 minutes, so the night stays one window."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    errors = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = _l("Choose a value from the list.")
    if not 0 <= start_minute < MINUTES_PER_DAY:
        errors["start"] = _l("Enter a time like 07:30.")
    if not 0 <= end_minute <= MINUTES_PER_DAY:
        errors["end"] = _l("Enter a time like 07:30.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    if end_minute <= start_minute:
        end_minute += MINUTES_PER_DAY
    window = AvailabilityWindow(caregiver_id=profile.id, weekday=weekday, start_minute=start_minute,
                                end_minute=end_minute)
    session.add(window)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create", object_type="availability_window",
           object_id=window.id)
    return window


def remove_window(session: Session, *, coop_id: int, caregiver_id: int, window_id: int,
                  actor_id: int | None) -> None:
    """Delete one weekly window of this caregiver."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    window = session.get(AvailabilityWindow, window_id)
    if window is None or window.caregiver_id != profile.id:
        raise NotFound(_l("This window does not exist."))
    session.delete(window)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="availability_window",
           object_id=window_id)


def add_exception(session: Session, *, coop_id: int, caregiver_id: int, start_date: date, end_date: date,
                  is_available: bool, note: str, actor_id: int | None) -> AvailabilityException:
    """A dated exception, both days included: away (holiday, illness) or available outside
    the usual windows."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    errors = {}
    if end_date < start_date:
        errors["end_date"] = _l("The end date must not be before the start date.")
    elif (end_date - start_date).days > MAX_EXCEPTION_DAYS:
        errors["end_date"] = _l("An exception lasts at most a year.")
    if len(note.strip()) > MAX_NOTE_LENGTH:
        errors["note"] = _l("Use at most %(n)d characters.", n=MAX_NOTE_LENGTH)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    row = AvailabilityException(caregiver_id=profile.id, start_date=start_date, end_date=end_date,
                                is_available=is_available, note=note.strip())
    session.add(row)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="create", object_type="availability_exception",
           object_id=row.id)
    return row


def remove_exception(session: Session, *, coop_id: int, caregiver_id: int, exception_id: int,
                     actor_id: int | None) -> None:
    """Delete one dated exception of this caregiver."""
    profile = get_caregiver(session, coop_id=coop_id, caregiver_id=caregiver_id)
    row = session.get(AvailabilityException, exception_id)
    if row is None or row.caregiver_id != profile.id:
        raise NotFound(_l("This exception does not exist."))
    session.delete(row)
    session.flush()
    record(session, coop_id=coop_id, actor_id=actor_id, action="delete", object_type="availability_exception",
           object_id=exception_id)
