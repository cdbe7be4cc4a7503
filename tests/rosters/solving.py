"""A small cooperative week to solve: one site with the default shifts, a few caregivers,
bookings made through the bookings service well before the deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.bookings import service as bookings
from coop.bookings.times import to_utc
from coop.caregivers.availability import add_exception, add_window
from coop.caregivers.models import CaregiverProfile
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.cooperatives.models import Cooperative, Site
from coop.db import Database
from coop.members.models import Child
from coop.rosters import runs
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun

TZ = "Europe/Brussels"
LOCAL = ZoneInfo(TZ)
MONDAY = date(2026, 12, 7)  # ISO week 2026-W50
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # before the week's booking deadline
TUESDAY = MONDAY + timedelta(days=1)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return to_utc(day, int(hours) * 60 + int(minutes), TZ)


@dataclass
class Week:
    app: Flask
    db: Session
    make: Any
    coop: Cooperative
    site: Site
    coordinator: Person
    child: Child
    people: dict[str, Person] = field(default_factory=dict)
    caregivers: dict[str, CaregiverProfile] = field(default_factory=dict)

    @property
    def database(self) -> Database:
        return self.app.extensions["coop.db"]

    def caregiver(self, name: str, kind: str = "volunteer", *, windows: tuple[tuple[int, int, int], ...] = (),
                  household: Any = None, **flags: Any) -> CaregiverProfile:
        """A caregiver with first aid (unless told otherwise) and weekly windows."""
        self.db.rollback()
        person = self.make.person(self.coop, "staff" if kind == "staff" else "parent", household=household)
        data = CaregiverInput(person_id=person.id, kind=kind, household_id=household.id if household else None,
                              **{"has_first_aid": True, **flags})
        profile = save_caregiver(self.db, coop_id=self.coop.id, caregiver_id=None, data=data, actor_id=None)
        for weekday, start, end in windows:
            add_window(self.db, coop_id=self.coop.id, caregiver_id=profile.id, weekday=weekday, start_minute=start,
                       end_minute=end, actor_id=None)
        self.db.commit()
        self.people[name], self.caregivers[name] = person, profile
        return profile

    def away(self, name: str, day: date) -> None:
        self.db.rollback()
        add_exception(self.db, coop_id=self.coop.id, caregiver_id=self.caregivers[name].id, start_date=day,
                      end_date=day, is_available=False, note="", actor_id=None)
        self.db.commit()

    def book(self, start_at: datetime, end_at: datetime, child: Child | None = None) -> None:
        self.db.rollback()
        bookings.book(self.db, coop_id=self.coop.id, timezone=TZ, child_id=(child or self.child).id,
                      site_id=self.site.id, start_at=start_at, end_at=end_at, actor_id=self.coordinator.id,
                      household_ids=None, now=NOW)
        self.db.commit()

    def solve(self, *, kind: str = "solve", time_limit_s: int = 2) -> SolveRun:
        """Queue and execute a run in-process, as `coop solve` does."""
        with self.database.scope() as session:
            run = runs.enqueue(session, coop_id=self.coop.id, week_start=MONDAY, kind=kind,
                               requested_by_id=self.coordinator.id, time_limit_s=time_limit_s)
            run_id = run.id
        return runs.execute(self.database, run_id, now=NOW)

    def placements(self, roster_id: int) -> dict[str, set[str]]:
        """Caregiver name -> codes and days of their shifts ("early@1")."""
        names = {p.id: n for n, p in self.caregivers.items()}
        self.db.rollback()
        rows = self.db.exec(select(RosterAssignment, RosterShift)
                            .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                            .where(RosterAssignment.roster_id == roster_id)).all()
        result: dict[str, set[str]] = {}
        for a, s in rows:
            day = (s.start_at.astimezone(LOCAL).date() - MONDAY).days
            result.setdefault(names[a.caregiver_id], set()).add(f"{s.code}@{day}")
        return result

    def rosters(self) -> list[Roster]:
        self.db.rollback()
        return list(self.db.exec(select(Roster).where(Roster.coop_id == self.coop.id).order_by(col(Roster.id))).all())


def make_week(app: Flask, db: Session, make: Any) -> Week:
    """A cooperative with one site (default early/late/night shifts every day), a coordinator
    and one school-age child."""
    coop = make.coop()
    site = make.site(coop, capacity=10, beds=4)
    household = make.household(coop)
    child = make.child(household, birth_date=date(2020, 3, 1))
    return Week(app=app, db=db, make=make, coop=coop, site=site, coordinator=make.person(coop, "coordinator"),
                child=child)
