"""Changes after publishing: a repair keeps the published roster and moves only whom it must."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlmodel import Session, col, select

from coop.bookings import service as bookings
from coop.bookings.models import Booking
from coop.outbox.models import OutboxMessage
from coop.rosters import edits, runs, service, swaps
from coop.rosters.models import Roster, RosterAssignment, RosterShift, ShiftSwap, SolveRun
from tests.rosters.solving import MONDAY, NOW, TUESDAY, Week, at, make_week

DAYS = tuple((weekday, 7 * 60, 23 * 60) for weekday in range(7))


@pytest.fixture
def week(app: Flask, db: Session, make) -> Iterator[Week]:
    with app.app_context():
        yield make_week(app, db, make)


def publish(week: Week, roster_id: int) -> None:
    with week.database.scope() as session:
        service.publish(session, coop_id=week.coop.id, roster_id=roster_id, actor_id=week.coordinator.id)


def published_week(week: Week) -> Roster:
    """Two children on Tuesday and Thursday daytime, three caregivers sharing four shifts."""
    for name in ("ana", "bram", "chloe"):
        week.caregiver(name, "professional", windows=DAYS)
    for day in (TUESDAY, TUESDAY + timedelta(days=2)):
        week.book(at(day, "08:00"), at(day, "17:00"))
    run = week.solve()
    assert run.status == "done", run.error
    publish(week, run.roster_id)
    week.db.rollback()
    return week.db.get(Roster, run.roster_id)


def test_repair_after_one_caregiver_becomes_unavailable_moves_only_that_caregivers_shift(week: Week):
    first = published_week(week)
    before = week.placements(first.id)
    gone = next(name for name, shifts in before.items() if "early@1" in shifts or "late@1" in shifts)
    tuesday_shift = next(s for s in before[gone] if s.endswith("@1"))
    week.away(gone, TUESDAY)

    run = week.solve(kind="repair")
    assert run.status == "done", run.error
    assert run.kind == "repair"
    week.db.rollback()
    repair = week.db.get(Roster, run.roster_id)
    assert repair.based_on_id == first.id and repair.status == "draft"
    assert service.violations(week.db, repair) == []
    after = week.placements(repair.id)
    changed = {name for name in set(before) | set(after) if before.get(name, set()) != after.get(name, set())}
    assert gone in changed and len(changed) == 2, (before, after)
    taker = (changed - {gone}).pop()
    assert after.get(gone, set()) == before[gone] - {tuesday_shift}
    assert after[taker] == before.get(taker, set()) | {tuesday_shift}

    moved = service.moves(week.db, draft=repair, published=first)
    assert [(m.caregiver_id, len(m.removed), len(m.added)) for m in moved] == sorted([
        (week.caregivers[gone].id, 1, 0), (week.caregivers[taker].id, 0, 1)])

    told_first = {n.id for n in week.db.exec(select(OutboxMessage)).all()}
    publish(week, repair.id)
    week.db.rollback()
    assert week.db.get(Roster, first.id).status == "superseded"
    assert week.db.get(Roster, repair.id).status == "published"
    notices = [n for n in week.db.exec(select(OutboxMessage)).all() if n.id not in told_first]
    assert sorted(n.person_id for n in notices) == sorted([week.people[gone].id, week.people[taker].id])


def test_a_late_booking_in_a_published_week_queues_one_repair(week: Week):
    published_week(week)
    late = NOW + timedelta(days=11)  # after the week's deadline, before it starts
    for _ in range(2):
        bookings.book(week.db, coop_id=week.coop.id, timezone="Europe/Brussels", child_id=week.child.id,
                      site_id=week.site.id, start_at=at(MONDAY, "08:00"), end_at=at(MONDAY, "12:00"),
                      actor_id=week.coordinator.id, household_ids=None, now=late)
        week.db.commit()
        queued = week.db.exec(select(SolveRun).where(SolveRun.coop_id == week.coop.id,
                                                     SolveRun.status == "queued")).all()
        assert [(r.kind, r.week_start) for r in queued] == [("repair", MONDAY)]
        last = week.db.exec(select(Booking.id).order_by(col(Booking.id).desc())).first()
        bookings.cancel(week.db, coop_id=week.coop.id, booking_id=last, actor_id=None, household_ids=None, now=late)
        week.db.commit()
    queued = week.db.exec(select(SolveRun).where(SolveRun.status == "queued")).all()
    assert len(queued) == 1
    done = runs.execute(week.database, queued[0].id, now=late)
    assert done.status == "done" and done.kind == "repair"


def test_a_failed_repair_leaves_the_published_roster_untouched(week: Week):
    first = published_week(week)
    again = week.solve()  # a second draft, identical, where the coordinator pins someone
    week.db.rollback()
    pinned = week.db.exec(select(RosterAssignment).where(RosterAssignment.roster_id == again.roster_id)).first()
    with week.database.scope() as session:
        edits.pin(session, coop_id=week.coop.id, assignment_id=pinned.id, actor_id=week.coordinator.id)
    name = next(n for n, p in week.caregivers.items() if p.id == pinned.caregiver_id)
    for day in range(7):
        week.away(name, MONDAY + timedelta(days=day))
    count = len(week.rosters())

    failed = week.solve(kind="repair")
    assert failed.status == "failed"
    assert failed.error == "infeasible"
    with force_locale("en"):
        assert "pinned" in runs.failure_message(failed)
    assert failed.roster_id is None and failed.finished_at is not None
    assert len(week.rosters()) == count
    week.db.rollback()
    assert week.db.get(Roster, first.id).status == "published"


def test_open_offers_follow_unchanged_shifts_into_the_repair_and_close_for_moved_ones(week: Week):
    first = published_week(week)
    before = week.placements(first.id)
    gone = next(name for name, shifts in before.items() if any(s.endswith("@1") for s in shifts))
    stays = next(name for name, shifts in before.items() if name != gone and any(s.endswith("@3") for s in shifts))
    rows = week.db.exec(select(RosterAssignment, RosterShift)
                        .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                        .where(RosterAssignment.roster_id == first.id)).all()

    def offer(name: str, day: date) -> int:
        assignment = next(a for a, s in rows if a.caregiver_id == week.caregivers[name].id
                          and s.start_at.date() == day)
        swap = swaps.offer_swap(week.db, coop_id=week.coop.id, assignment_id=assignment.id,
                                caregiver_id=assignment.caregiver_id, to_caregiver_id=None, reason="",
                                actor_id=week.people[name].id, now=NOW)
        week.db.commit()
        return swap.id

    moved_offer, kept_offer = offer(gone, TUESDAY), offer(stays, TUESDAY + timedelta(days=2))
    week.away(gone, TUESDAY)
    run = week.solve(kind="repair")
    publish(week, run.roster_id)
    week.db.rollback()

    assert week.db.get(ShiftSwap, moved_offer).status == "withdrawn"
    kept = week.db.get(ShiftSwap, kept_offer)
    assert kept.status == "open"
    carried = week.db.get(RosterAssignment, kept.assignment_id)
    assert carried.roster_id == run.roster_id and carried.caregiver_id == week.caregivers[stays].id
