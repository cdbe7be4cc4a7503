"""Occupancy arithmetic on plain intervals: how many children are present at once, and
whether a stay fits the opening hours. No database here, so the rules are easy to test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coop.bookings import errors
from coop.bookings.models import BookingRules
from coop.bookings.rules import check_times
from coop.bookings.times import is_overnight, local

Interval = tuple[datetime, datetime]


def peak(intervals: Iterable[Interval], start: datetime, end: datetime) -> int:
    """The most intervals present at the same instant within ``[start, end)``."""
    events: list[tuple[datetime, int]] = []
    for begin, finish in intervals:
        begin, finish = max(begin, start), min(finish, end)
        if begin < finish:
            events.append((begin, 1))
            events.append((finish, -1))
    # At equal instants, departures come first: [a, b) and [b, c) never meet.
    events.sort(key=lambda event: (event[0], event[1]))
    present = highest = 0
    for _, delta in events:
        present += delta
        highest = max(highest, present)
    return highest


def hourly_peaks(intervals: list[Interval], start: datetime, hours: int) -> list[int]:
    """The peak of each hour from ``start`` (UTC hours, so a DST day has 23 or 25 of them)."""
    return [peak(intervals, start + timedelta(hours=h), start + timedelta(hours=h + 1)) for h in range(hours)]


def within_hours(start_at: datetime, end_at: datetime, timezone: str, hours: Mapping[int, tuple[int, int]]) -> bool:
    """Whether every local minute of the stay falls in its weekday's window (``hours``:
    weekday → (opens, closes) minutes; a missing weekday is closed). A stay may run past
    midnight only when the first day closes at 24:00 and the next opens at 00:00."""
    start, end = local(start_at, timezone), local(end_at, timezone)
    day = start.date()
    while True:
        first = start.hour * 60 + start.minute if day == start.date() else 0
        last = end.hour * 60 + end.minute if day == end.date() else 1440
        if day == end.date() and last == 0:
            return True
        window = hours.get(day.weekday())
        if window is None or first < window[0] or last > window[1]:
            return False
        if day == end.date():
            return True
        day += timedelta(days=1)


@dataclass
class Occupancy:
    """The active stays around a time, loaded once: at the site, those needing a bed, and the
    child's own stays anywhere. Accepted occurrences of a series are appended as they pass."""

    site: list[Interval] = field(default_factory=list)
    beds: list[Interval] = field(default_factory=list)
    child: list[Interval] = field(default_factory=list)

    def add(self, stay: Interval, *, is_overnight: bool) -> None:
        self.site.append(stay)
        self.child.append(stay)
        if is_overnight:
            self.beds.append(stay)


@dataclass(frozen=True)
class SiteLimits:
    """A site's limits, read once under the lock."""

    capacity: int
    beds: int
    is_always_open: bool
    hours: Mapping[int, tuple[int, int]]


def check_stay(*, limits: SiteLimits, rules: BookingRules, occupancy: Occupancy, start_at: datetime,
               end_at: datetime, now: datetime, timezone: str) -> bool:
    """Raise the first reason the stay cannot be booked; return whether it is overnight."""
    check_times(rules, start_at=start_at, end_at=end_at, now=now)
    if not limits.is_always_open and not within_hours(start_at, end_at, timezone, limits.hours):
        raise errors.OutsideOpeningHours()
    if peak(occupancy.child, start_at, end_at) > 0:
        raise errors.ChildAlreadyBooked()
    if peak(occupancy.site, start_at, end_at) + 1 > limits.capacity:
        raise errors.CapacityFull()
    overnight = is_overnight(start_at, end_at, timezone)
    if overnight and peak(occupancy.beds, start_at, end_at) + 1 > limits.beds:
        raise errors.BedsFull()
    return overnight
