"""Property: any sequence of book / repeat / cancel leaves exactly the bookings a simple
reference model of occupancy (whole hours, counted by hand) would accept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from coop.bookings import service
from coop.bookings.models import Booking
from coop.errors import DomainError
from tests.bookings.conftest import NOW, TZ, at

CAPACITY, BEDS, WEEK = 2, 1, 168
BASE = at((NOW + timedelta(days=2)).date(), "00:00")  # a local midnight, far from any clock change

book_op = st.tuples(st.just("book"), st.integers(0, 2), st.integers(0, 47), st.integers(1, 16), st.integers(1, 3))
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 30))
operations = st.lists(st.one_of(book_op, cancel_op), max_size=12)


class Reference:
    """Stays as (child, first hour, end hour) counted hour by hour."""

    def __init__(self) -> None:
        self.stays: list[tuple[int, int, int]] = []

    @staticmethod
    def overnight(start: int, end: int) -> bool:
        return any(start < midnight < end for midnight in range(24, end + 1, 24))

    def fits(self, child: int, start: int, end: int, extra: list[tuple[int, int, int]]) -> bool:
        stays = self.stays + extra
        for hour in range(start, end):
            here = [s for s in stays if s[1] <= hour < s[2]]
            if any(s[0] == child for s in here) or len(here) + 1 > CAPACITY:
                return False
            if self.overnight(start, end) and sum(self.overnight(s[1], s[2]) for s in here) + 1 > BEDS:
                return False
        return True

    def book(self, child: int, start: int, length: int, weeks: int) -> bool:
        accepted: list[tuple[int, int, int]] = []
        for week in range(weeks):
            first = start + week * WEEK
            if not self.fits(child, first, first + length, accepted):
                return False
            accepted.append((child, first, first + length))
        self.stays += accepted
        return True


def hour(n: int) -> datetime:
    return BASE + timedelta(hours=n)


@pytest.fixture
def kids(db, make, world):
    """Three children of one household at a site for 2 children and 1 bed (made once per test)."""
    world.site.capacity, world.site.beds = CAPACITY, BEDS
    db.add(world.site)
    db.commit()
    return [world.child, make.child(world.household), make.child(world.household)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_book_repeat_cancel_match_the_reference_model(db, world, kids, ops):
    db.exec(delete(Booking))
    db.commit()
    reference, made = Reference(), []
    for op in ops:
        if op[0] == "book":
            _, child, start, length, weeks = op
            expected = reference.book(child, start, length, weeks)
            try:
                stays = service.book_series(db, coop_id=world.coop.id, timezone=TZ, child_id=kids[child].id,
                                            site_id=world.site.id, start_at=hour(start), end_at=hour(start + length),
                                            weeks=weeks, actor_id=None, household_ids=None, now=NOW)
                db.commit()
                made += [(b.id, (child, start + w * WEEK, start + w * WEEK + length)) for w, b in enumerate(stays)]
                assert expected, op
            except DomainError as exc:
                db.rollback()
                assert not expected, (op, exc.code)
        elif made:
            booking_id, stay = made.pop(op[1] % len(made))
            service.cancel(db, coop_id=world.coop.id, booking_id=booking_id, actor_id=None, household_ids=None,
                           now=NOW)
            db.commit()
            reference.stays.remove(stay)
    db.rollback()
    rows = service.list_bookings(db, coop_id=world.coop.id, household_ids=None, start_at=BASE,
                                 end_at=hour(4 * WEEK))
    by_id = {k.id: n for n, k in enumerate(kids)}
    assert sorted((by_id[b.child_id], int((b.start_at - BASE) / timedelta(hours=1)),
                   int((b.end_at - BASE) / timedelta(hours=1))) for b in rows) == sorted(reference.stays)
