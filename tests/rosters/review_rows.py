"""Roster rows for the review and edit tests: a draft (or published) roster of one week with
a few shifts at one site and caregivers assigned, stored as a solve would store them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from coop.auth.models import Person
from coop.caregivers.models import AvailabilityWindow, CaregiverProfile
from coop.cooperatives.models import Cooperative, Site
from coop.rosters.models import Roster, RosterAssignment, RosterShift
from tests.conftest import Factory

MONDAY = date(2026, 11, 30)
WEEK = "2026-W49"


@dataclass
class Draft:
    coop: Cooperative
    site: Site
    roster: Roster
    shifts: list[RosterShift]
    assignments: list[RosterAssignment]
    caregivers: list[CaregiverProfile]
    people: list[Person]


def local_at(day: date, hour: int, tz: str = "Europe/Brussels") -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def caregiver(make: Factory, coop: Cooperative, kind: str = "staff", *, role: str = "staff",
              household_id: int | None = None, is_available: bool = False) -> tuple[CaregiverProfile, Person]:
    """A caregiver; ``is_available``: every Monday, all day (else never, so any shift breaks a rule)."""
    person = make.person(coop, role)
    profile = CaregiverProfile(coop_id=coop.id, person_id=person.id, kind=kind, household_id=household_id,
                               has_first_aid=True, contract_minutes_per_week=20 * 60 if kind == "staff" else 0)
    make.session.add(profile)
    make.session.flush()
    if is_available:
        make.session.add(AvailabilityWindow(caregiver_id=profile.id, weekday=0, start_minute=0, end_minute=1440))
    make.session.commit()
    return profile, person


def draft(make: Factory, coop: Cooperative | None = None, *, status: str = "draft", monday: date = MONDAY,
          unmet: list | None = None, is_available: bool = True) -> Draft:
    """Monday early (needs 2: one assigned) and late (needs 1: one assigned) at one site,
    with two staff caregivers; `unmet` as the solver would have stored it. Unless
    ``is_available``, the caregivers are never available, so the roster breaks a hard rule."""
    session: Session = make.session
    coop = coop or make.coop()
    site = make.site(coop, name="Maison Haute")
    (first, first_person), (second, second_person) = (caregiver(make, coop, is_available=is_available)
                                                      for _ in range(2))
    roster = Roster(coop_id=coop.id, week_start=monday, status=status, solver_status="optimal", objective=10_040,
                    bound=10_040, penalties={"under_coverage": 10_000, "fairness": 40, "stability": 0},
                    stats=[{"caregiver_id": first.id, "minutes": 480, "shifts": 1, "nights": 0, "weekends": 0}])
    session.add(roster)
    session.flush()
    shifts = [RosterShift(roster_id=roster.id, site_id=site.id, code=code, start_at=local_at(monday, hour),
                          end_at=local_at(monday, hour) + timedelta(hours=8), required=required,
                          qualified={"first_aid": 1})
              for code, hour, required in (("early", 7, 2), ("late", 15, 1))]
    session.add_all(shifts)
    session.flush()
    roster.unmet = unmet if unmet is not None else [
        {"site_id": site.id, "code": "early", "start": shifts[0].start_at.isoformat(),
         "end": shifts[0].end_at.isoformat(), "missing": 1, "reason": "hours_cap"}]
    assignments = [RosterAssignment(roster_id=roster.id, shift_id=shifts[0].id, caregiver_id=first.id),
                   RosterAssignment(roster_id=roster.id, shift_id=shifts[1].id, caregiver_id=second.id)]
    session.add_all(assignments)
    session.commit()
    return Draft(coop=coop, site=site, roster=roster, shifts=shifts, assignments=assignments,
                 caregivers=[first, second], people=[first_person, second_person])
