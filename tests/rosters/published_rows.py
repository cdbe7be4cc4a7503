"""Published roster rows for the caregiver-side tests (my shifts, swaps, attendance, handover,
feed): rosters, shifts and assignments inserted as a solve and a publish would leave them, so
the tests never wait for the solver."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from coop.auth.models import Person
from coop.caregivers.models import AvailabilityWindow, CaregiverProfile
from coop.clock import local_today
from coop.cooperatives.models import Cooperative, Site
from coop.members.models import Household
from coop.rosters.models import Roster, RosterAssignment, RosterShift, monday_of
from tests.conftest import Factory

TZ = "Europe/Brussels"


def next_monday() -> date:
    """The Monday of next week: every shift of that week is in the future."""
    return monday_of(local_today(TZ)) + timedelta(days=7)


def local_at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def caregiver(make: Factory, coop: Cooperative, kind: str = "volunteer", *, household: Household | None = None,
              is_available: bool = True, **flags: bool) -> tuple[CaregiverProfile, Person]:
    """A person with the role that goes with ``kind`` and a caregiver profile; available all
    week, night included, unless told otherwise. A volunteer gets a household of their own."""
    if kind == "volunteer" and household is None:
        household = make.household(coop)
    role = {"volunteer": "parent", "staff": "staff", "professional": "professional"}[kind]
    person = make.person(coop, role, household=household)
    profile = CaregiverProfile(coop_id=coop.id, person_id=person.id, kind=kind,
                               household_id=household.id if household else None, has_first_aid=True,
                               contract_minutes_per_week=20 * 60 if kind == "staff" else 0, **flags)
    make.session.add(profile)
    make.session.flush()
    if is_available:
        make.session.add_all(AvailabilityWindow(caregiver_id=profile.id, weekday=day, start_minute=0, end_minute=2880)
                             for day in range(7))
    make.session.commit()
    return profile, person


def roster(session: Session, coop: Cooperative, monday: date, status: str = "published") -> Roster:
    row = Roster(coop_id=coop.id, week_start=monday, status=status, solver_status="optimal",
                 published_at=datetime.now(UTC) if status == "published" else None)
    session.add(row)
    session.commit()
    return row


def shift(session: Session, of: Roster, site: Site, start_at: datetime, *, hours: int = 8, code: str = "early",
          is_night: bool = False, required: int = 1) -> RosterShift:
    row = RosterShift(roster_id=of.id, site_id=site.id, code=code, start_at=start_at,
                      end_at=start_at + timedelta(hours=hours), is_night=is_night, required=required)
    session.add(row)
    session.commit()
    return row


def assign(session: Session, on: RosterShift, profile: CaregiverProfile) -> RosterAssignment:
    row = RosterAssignment(roster_id=on.roster_id, shift_id=on.id, caregiver_id=profile.id)
    session.add(row)
    session.commit()
    return row
