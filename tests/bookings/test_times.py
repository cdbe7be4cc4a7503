"""Local time, clock changes, opening hours, the weekly deadline and the peak arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coop.bookings import service
from coop.bookings.capacity import peak, within_hours
from coop.bookings.errors import TimeDoesNotExist
from coop.bookings.models import BookingRules
from coop.bookings.occupancy import week_table
from coop.bookings.rules import deadline_for, is_late
from coop.bookings.times import from_iso, is_overnight, local, to_utc
from coop.ical import escape_text, fold_line
from tests.bookings.conftest import TZ, at, book

SPRING = date(2026, 3, 28)  # Saturday before the last Sunday of March
AUTUMN = date(2026, 10, 24)  # Saturday before the last Sunday of October


@pytest.mark.parametrize(("saturday", "hours"), [(SPRING, 13), (AUTUMN, 15), (date(2026, 11, 28), 14)])
def test_a_night_over_a_clock_change_has_the_right_length(db, world, saturday, hours):
    now = datetime.combine(saturday - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    booking = book(db, world, at(saturday, "18:00"), at(saturday + timedelta(days=1), "08:00"), now=now)
    assert booking.end_at - booking.start_at == timedelta(hours=hours)
    assert booking.is_overnight
    assert local(booking.end_at, TZ).hour == 8


def test_a_weekly_series_keeps_the_wall_clock_across_the_change(db, world):
    now = datetime(2026, 3, 10, tzinfo=UTC)
    stays = service.book_series(db, coop_id=world.coop.id, timezone=TZ, child_id=world.child.id,
                                site_id=world.site.id, start_at=at(date(2026, 3, 21), "18:00"),
                                end_at=at(date(2026, 3, 22), "08:00"), weeks=3, actor_id=None, household_ids=None,
                                now=now)
    assert [local(s.start_at, TZ).hour for s in stays] == [18, 18, 18]
    assert [(s.end_at - s.start_at) // timedelta(hours=1) for s in stays] == [14, 13, 14]


def test_a_skipped_time_is_refused_and_an_ambiguous_one_is_the_first():
    with pytest.raises(TimeDoesNotExist):
        to_utc(date(2026, 3, 29), 2 * 60 + 30, TZ)
    assert to_utc(date(2026, 10, 25), 2 * 60 + 30, TZ) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-12-01T18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
    ("2026-12-01T18:00:00+01:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
    ("2026-12-01T17:00:00Z", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
    ("2026-12-01 18h", None), ("tomorrow", None), ("2026-13-01T10:00", None), ("2026-12-01T10:00+25:00", None),
])
def test_instants_from_the_api(raw, expected):
    assert from_iso(raw, TZ, field="start") == expected


def test_overnight_means_a_midnight_inside_the_stay():
    assert is_overnight(at(date(2026, 12, 1), "23:00"), at(date(2026, 12, 2), "01:00"), TZ)
    assert not is_overnight(at(date(2026, 12, 1), "18:00"), at(date(2026, 12, 2), "00:00"), TZ)
    assert not is_overnight(at(date(2026, 12, 2), "00:00"), at(date(2026, 12, 2), "08:00"), TZ)


def test_opening_hours_across_midnight_need_both_days_open():
    tuesday = date(2026, 12, 1)
    late = {1: (8 * 60, 1440), 2: (0, 10 * 60)}
    assert within_hours(at(tuesday, "20:00"), at(tuesday + timedelta(days=1), "09:00"), TZ, late)
    assert not within_hours(at(tuesday, "20:00"), at(tuesday + timedelta(days=1), "11:00"), TZ, late)
    assert within_hours(at(tuesday, "20:00"), at(tuesday + timedelta(days=1), "00:00"), TZ, {1: (8 * 60, 1440)})


def test_peak_counts_simultaneous_stays_only():
    t = datetime(2026, 12, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    stays = [(t, t + 2 * h), (t + 2 * h, t + 4 * h), (t + h, t + 3 * h)]
    assert peak(stays, t, t + 4 * h) == 2
    assert peak(stays, t + 4 * h, t + 5 * h) == 0


def test_the_deadline_is_the_week_before_and_late_bookings_are_flagged(db, world):
    rules = BookingRules(coop_id=1, deadline_weekday=3, deadline_minute=18 * 60)
    tuesday = date(2026, 12, 8)
    assert deadline_for(rules, at(tuesday, "10:00"), TZ) == at(date(2026, 12, 3), "18:00")
    assert not is_late(rules, start_at=at(tuesday, "10:00"), now=at(date(2026, 12, 3), "17:59"), timezone=TZ)
    assert is_late(rules, start_at=at(tuesday, "10:00"), now=at(date(2026, 12, 3), "18:01"), timezone=TZ)
    late = book(db, world, at(date(2026, 11, 24), "08:00"), at(date(2026, 11, 24), "12:00"))
    assert late.is_late


def test_feed_lines_are_folded_without_splitting_characters():
    line = "SUMMARY:" + escape_text("Élodie, Zoë; crèche \\ Sint-Joost") * 4
    folded = fold_line(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert all(len(part.encode()) <= 75 for part in parts)


def test_the_week_grid_shows_local_hours_across_both_clock_changes(db, world):
    monday_before = datetime(2026, 10, 20, tzinfo=UTC)
    book(db, world, at(AUTUMN, "18:00"), at(AUTUMN + timedelta(days=1), "08:00"), now=monday_before)
    db.rollback()
    autumn = week_table(db, coop_id=world.coop.id, timezone=TZ, monday=date(2026, 10, 19), site=world.site)
    assert len(autumn) == 24 and all(cell is not None for row in autumn for cell in row)
    assert (autumn[2][6].children, autumn[2][6].beds, autumn[2][6].level) == (1, 1, 2)
    assert autumn[9][6].children == 0
    spring = week_table(db, coop_id=world.coop.id, timezone=TZ, monday=date(2026, 3, 23), site=world.site)
    assert spring[2][6] is None and spring[3][6] is not None
