"""Solve runs: the queue, the claims, what a run stores, and the weeks that cannot be staffed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlmodel import Session, col, select

from coop.clock import utcnow
from coop.errors import ValidationFailed
from coop.rosters import runs
from coop.rosters.jobs import enqueue_next_weeks, process_solve_queue
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from tests.rosters.solving import MONDAY, TUESDAY, Week, at, make_week


@pytest.fixture
def week(app: Flask, db: Session, make) -> Iterator[Week]:
    with app.app_context():
        yield make_week(app, db, make)


def enqueue(week: Week, monday=MONDAY, **kw) -> int:
    with week.database.scope() as session:
        return runs.enqueue(session, coop_id=week.coop.id, week_start=monday, requested_by_id=None, **kw).id


def test_a_week_with_no_bookings_gives_an_empty_valid_roster(week: Week):
    week.caregiver("ana", "professional", windows=((1, 0, 1440),))
    run = week.solve()
    assert run.status == "done" and run.progress == "done"
    week.db.rollback()
    roster = week.db.get(Roster, run.roster_id)
    assert roster.unmet == [] and roster.objective == 0
    assert week.db.exec(select(RosterAssignment).where(RosterAssignment.roster_id == roster.id)).all() == []
    shifts = week.db.exec(select(RosterShift).where(RosterShift.roster_id == roster.id)).all()
    assert len(shifts) == 21 and all(s.required == 0 for s in shifts)


def test_caregivers_with_no_availability_leave_unmet_demand_with_its_reason(week: Week):
    week.caregiver("ana", "professional")
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    run = week.solve()
    assert run.status == "done", run.error
    week.db.rollback()
    roster = week.db.get(Roster, run.roster_id)
    assert [(u["code"], u["missing"], u["reason"], u["start"], u["site_id"]) for u in roster.unmet] == [
        ("early", 1, "no_qualified_available", at(TUESDAY, "07:00").isoformat(), week.site.id)]
    assert roster.unmet[0]["missing_qualified"] == {"first_aid": 1}


def test_one_active_run_per_week_and_a_follow_up_after_a_change(week: Week):
    first = enqueue(week, time_limit_s=2)
    assert enqueue(week) == first
    other_week = enqueue(week, monday=MONDAY + timedelta(days=7))
    assert other_week != first
    assert runs.claim_next(week.database, worker="w1") == first
    assert enqueue(week) == first  # running: a second click shows the same run
    with week.database.scope() as session:
        follow_up = runs.request_repairs(session, coop_id=week.coop.id, stays=[], actor_id=None)
        assert follow_up == []
        behind = runs.enqueue(session, coop_id=week.coop.id, week_start=MONDAY, requested_by_id=None,
                              after_change=True).id
        assert runs.enqueue(session, coop_id=week.coop.id, week_start=MONDAY, kind="repair",
                            requested_by_id=None).id == behind
    assert behind not in (first, other_week)
    # The follow-up waits until the week's running run is over; the other week goes first.
    assert runs.claim_next(week.database, worker="w2") == other_week
    assert runs.claim_next(week.database, worker="w2") is None
    runs.execute(week.database, first, worker="w1")
    assert runs.claim_next(week.database, worker="w2") == behind


def test_enqueue_refuses_a_time_limit_out_of_range(week: Week):
    with pytest.raises(ValidationFailed):
        enqueue(week, time_limit_s=601)


def test_a_run_whose_worker_stopped_is_retried_then_failed(week: Week):
    run_id = enqueue(week)
    for attempt in range(1, runs.MAX_ATTEMPTS + 1):
        assert runs.claim_next(week.database, worker=f"w{attempt}") == run_id
        with week.database.scope() as session:
            run = session.get(SolveRun, run_id)
            assert (run.status, run.worker, run.attempts) == ("running", f"w{attempt}", attempt)
            run.heartbeat_at = utcnow() - runs.STALE_AFTER - timedelta(seconds=1)
    assert runs.claim_next(week.database, worker="last") is None
    week.db.rollback()
    run = week.db.get(SolveRun, run_id)
    assert (run.status, run.error) == ("failed", "abandoned")
    with force_locale("en"):
        assert "interrupted" in runs.failure_message(run)


def test_a_run_taken_over_by_another_worker_is_not_stored_twice(week: Week):
    week.caregiver("ana", "professional", windows=((1, 0, 1440),))
    run_id = enqueue(week, time_limit_s=1)
    assert runs.claim_next(week.database, worker="old") == run_id
    with week.database.scope() as session:
        session.get(SolveRun, run_id).heartbeat_at = utcnow() - runs.STALE_AFTER - timedelta(seconds=1)
    assert runs.claim_next(week.database, worker="new") == run_id
    stale = runs.execute(week.database, run_id, worker="old")
    assert (stale.status, stale.worker, stale.roster_id) == ("running", "new", None)
    done = runs.execute(week.database, run_id, worker="new")
    assert done.status == "done"
    week.db.rollback()
    assert len(week.db.exec(select(Roster).where(Roster.coop_id == week.coop.id)).all()) == 1


def test_the_worker_loop_empties_the_queue(week: Week):
    ids = [enqueue(week, monday=MONDAY + timedelta(days=7 * k), time_limit_s=1) for k in range(2)]
    assert runs.run_worker(week.database, worker="loop", once=True) == 2
    week.db.rollback()
    done = week.db.exec(select(SolveRun).where(col(SolveRun.id).in_(ids))).all()
    assert {r.status for r in done} == {"done"}


@pytest.mark.postgres_only
def test_two_workers_claiming_at_once_never_take_the_same_run(week: Week):
    weeks = 24
    ids = {enqueue(week, monday=MONDAY + timedelta(days=7 * k), time_limit_s=1) for k in range(weeks)}
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claim(name: str) -> None:
        start.wait()
        while (run_id := runs.claim_next(week.database, worker=name)) is not None:
            claimed[name].append(run_id)

    threads = [threading.Thread(target=claim, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    together = claimed["a"] + claimed["b"]
    assert sorted(together) == sorted(ids)  # every run claimed, none twice
    assert claimed["a"] and claimed["b"]
    week.db.rollback()
    rows = week.db.exec(select(SolveRun).where(col(SolveRun.id).in_(ids))).all()
    owner = {run_id: name for name, taken in claimed.items() for run_id in taken}
    assert all(r.status == "running" and r.attempts == 1 and r.worker == owner[r.id] for r in rows)


def test_the_weekly_job_queues_next_week_once_after_the_booking_deadline(week: Week):
    before_deadline = at(MONDAY - timedelta(days=5), "17:59")  # Wednesday before; deadline Thursday 18:00
    after_deadline = at(MONDAY - timedelta(days=3), "09:00")
    assert enqueue_next_weeks(week.database, now=before_deadline) == 0
    assert enqueue_next_weeks(week.database, now=after_deadline) == 1
    assert enqueue_next_weeks(week.database, now=after_deadline) == 0
    week.db.rollback()
    queued = week.db.exec(select(SolveRun)).all()
    assert [(r.coop_id, r.week_start, r.kind, r.status) for r in queued] == [(week.coop.id, MONDAY, "solve", "queued")]
    assert process_solve_queue(week.database) == 1
    assert enqueue_next_weeks(week.database, now=after_deadline) == 0


def test_a_cooperative_without_sites_gets_an_empty_roster(week: Week):
    lonely = week.make.coop()
    with week.database.scope() as session:
        run_id = runs.enqueue(session, coop_id=lonely.id, week_start=MONDAY, requested_by_id=None, time_limit_s=1).id
    run = runs.execute(week.database, run_id)
    assert run.status == "done", run.error
    week.db.rollback()
    assert week.db.exec(select(RosterShift).where(RosterShift.roster_id == run.roster_id)).all() == []
