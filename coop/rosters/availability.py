"""When each caregiver can work a week's shifts: their weekly windows and dated exceptions,
and the shifts they already work in other cooperatives.

Flying professionals are shared between cooperatives: each cooperative's solve sees only its
own roster, so a shift published elsewhere (with the rest it needs around it) makes the
person unavailable here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.rosters.models import Roster, RosterAssignment, RosterShift

DAY = 1440
WEEK = 7 * DAY


@dataclass(frozen=True)
class Availability:
    """A caregiver's weekly windows, dated exceptions and shifts published elsewhere."""

    windows: tuple[tuple[int, int, int], ...] = ()
    away: tuple[tuple[date, date], ...] = ()
    extra: tuple[tuple[date, date], ...] = ()
    busy: tuple[tuple[datetime, datetime], ...] = ()
    rest: timedelta = timedelta(0)

    def covers(self, day: date, start_minute: int, end_minute: int) -> bool:
        """True when the caregiver can work this span of local minutes from ``day``'s midnight.

        The weekly windows cover the span wholly (a window of the day before that runs past
        midnight counts, and so do touching windows) and no "away" exception covers the day,
        or an "available" exception does.
        """
        if any(first <= day <= last for first, last in self.extra):
            return True
        if any(first <= day <= last for first, last in self.away):
            return False
        offset = day.weekday() * DAY
        return any(start <= offset + start_minute and offset + end_minute <= end for start, end in self.stretches)

    @cached_property
    def stretches(self) -> list[tuple[int, int]]:
        """The windows as minutes from Monday 00:00, touching ones joined (Monday 00:00-24:00
        and Tuesday 00:00-24:00 cover a night across), repeated a week earlier and later so
        a window running past Sunday midnight covers Monday morning."""
        spans = sorted((day * DAY + start + shift, day * DAY + end + shift) for day, start, end in self.windows
                       for shift in (-WEEK, 0, WEEK))
        joined: list[tuple[int, int]] = []
        for start, end in spans:
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(joined[-1][1], end))
            else:
                joined.append((start, end))
        return joined

    def is_busy(self, start_at: datetime, end_at: datetime) -> bool:
        """True when a shift published elsewhere overlaps, or leaves less than the rest."""
        return any(other_start < end_at + self.rest and start_at < other_end + self.rest
                   for other_start, other_end in self.busy)


def availability_of(session: Session, *, coop_id: int, profiles: Sequence[CaregiverProfile], rest_minutes: int,
                    span: tuple[datetime, datetime] | None) -> dict[int, Availability]:
    """Every profile's availability in three queries; ``span`` bounds the shifts looked at
    in other cooperatives' published rosters (None: none)."""
    ids = [p.id for p in profiles if p.id is not None]
    windows: dict[int, list[tuple[int, int, int]]] = {pid: [] for pid in ids}
    away: dict[int, list[tuple[date, date]]] = {pid: [] for pid in ids}
    extra: dict[int, list[tuple[date, date]]] = {pid: [] for pid in ids}
    busy: dict[int, list[tuple[datetime, datetime]]] = {pid: [] for pid in ids}
    rest = timedelta(minutes=rest_minutes)
    if ids:
        for w in session.exec(select(AvailabilityWindow).where(col(AvailabilityWindow.caregiver_id).in_(ids))).all():
            windows[w.caregiver_id].append((w.weekday, w.start_minute, w.end_minute))
        for e in session.exec(select(AvailabilityException)
                              .where(col(AvailabilityException.caregiver_id).in_(ids))).all():
            (extra if e.is_available else away)[e.caregiver_id].append((e.start_date, e.end_date))
    if ids and span is not None:
        here = {p.person_id: p.id for p in profiles if p.id is not None}
        other = aliased(CaregiverProfile)
        rows = session.exec(
            select(other.person_id, RosterShift.start_at, RosterShift.end_at)
            .join(RosterAssignment, col(RosterAssignment.caregiver_id) == other.id)
            .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
            .join(Roster, col(Roster.id) == col(RosterAssignment.roster_id))
            .where(Roster.status == "published", Roster.coop_id != coop_id, col(other.person_id).in_(list(here)),
                   or_(col(RosterAssignment.attendance).is_(None), RosterAssignment.attendance != "absent"),
                   col(RosterShift.start_at) < span[1] + rest, col(RosterShift.end_at) > span[0] - rest)).all()
        for person_id, start_at, end_at in rows:
            busy[here[person_id]].append((start_at, end_at))
    return {pid: Availability(tuple(windows[pid]), tuple(away[pid]), tuple(extra[pid]), tuple(busy[pid]), rest)
            for pid in ids}
