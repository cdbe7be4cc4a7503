"""Solve runs: queued by a coordinator, the weekly job or a late change, claimed by the
scheduler or any number of worker processes, never run inside a web request.

A worker claims the oldest queued run (PostgreSQL ``FOR UPDATE SKIP LOCKED``; on SQLite the
write session's ``BEGIN IMMEDIATE`` serialises claims), builds the problem in a short read
transaction, solves with no transaction open while a heartbeat thread shows it is alive,
and stores the draft in one transaction, only if the run is still its own. A run whose
heartbeat stops is put back in the queue (at most `MAX_ATTEMPTS` claims), so a killed
worker's run is retried by another and never stored twice. Any failure leaves the existing
rosters untouched and the run failed with a reason a coordinator can act on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

import solver
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.db import Database
from coop.errors import NotFound, ValidationFailed
from coop.rosters.drafts import store_roster
from coop.rosters.models import RUN_KINDS, Roster, RosterShift, SolveRun
from coop.rosters.problem import Index, Placed, build_problem, placed_in
from coop.rosters.rules import get_rules
from coop.rosters.service import current_rosters

log = logging.getLogger("coop.rosters.runs")
MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_S = 10.0
SOLVER_WORKERS = 2
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 1, 600
#: A repair keeps the published roster: moving one person (two changes) costs less than a
#: missing caregiver or qualification, but more than any fairness or contract gain.
REPAIR_STABILITY = 100_000
ACTIVE = ("queued", "running")

FAILURES = {
    "infeasible": _l("No roster can keep every rule this week: a fixed (pinned) assignment is probably on a "
                     "shift that person can no longer work. Unpin it and solve again."),
    "no_solution": _l("No roster was found in the time allowed. Solve again with more time."),
    "invalid": _l("The roster found broke a rule, so it was not kept. Solve again."),
    "abandoned": _l("The solve was interrupted too often (a worker stopped). Solve again."),
    "error": _l("The solve stopped on an unexpected error. The roster you had is unchanged; solve again, and "
                "contact support if it happens again."),
}
PROGRESS = {
    "queued": _l("Waiting for a free solver"),
    "building": _l("Reading bookings and availability"),
    "solving": _l("Looking for the best roster"),
    "storing": _l("Saving the roster"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}


def failure_message(run: SolveRun) -> str:
    """Why a run failed, in the reader's language."""
    return str(FAILURES.get(run.error, FAILURES["error"]))


def progress_message(run: SolveRun) -> str:
    """Where a run is, in the reader's language."""
    return str(PROGRESS.get(run.progress, PROGRESS["queued"]))


def worker_name() -> str:
    """A name unique to this process: a random part and the process id first (the column
    holds 80 characters, a long host name is what gets cut), then the host."""
    return f"{uuid.uuid4().hex[:8]}:{os.getpid()}:{socket.gethostname()}"[:80]


def enqueue(session: Session, *, coop_id: int, week_start: date, kind: str = "solve", requested_by_id: int | None,
            time_limit_s: int | None = None, after_change: bool = False) -> SolveRun:
    """Queue a solve of one week, or return the one already queued or running.

    A week already published is repaired rather than solved anew (and a repair asked for a
    week with nothing published is a solve). A repair, or ``after_change`` (bookings or
    availability changed), queues a follow-up behind a running run, since that run read the
    data from before the change.
    """
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}")
    if week_start.weekday() != 0:
        raise ValueError(f"week_start {week_start} is not a Monday")
    limit = time_limit_s or get_rules(session, coop_id=coop_id).solve_seconds
    if not MIN_TIME_LIMIT_S <= limit <= MAX_TIME_LIMIT_S:
        message = _l("Enter a number of seconds between %(lo)d and %(hi)d.", lo=MIN_TIME_LIMIT_S, hi=MAX_TIME_LIMIT_S)
        raise ValidationFailed(message, fields={"time_limit": message})
    # One enqueue at a time per cooperative, so two clicks never queue two runs (PostgreSQL:
    # FOR NO KEY UPDATE, which bookings' foreign-key checks do not wait for; SQLite: the
    # write session's BEGIN IMMEDIATE already serialises).
    coop = session.exec(select(Cooperative).where(Cooperative.id == coop_id).with_for_update(key_share=True)).first()
    if coop is None:
        raise NotFound(_l("This cooperative does not exist."))
    active = session.exec(select(SolveRun).where(SolveRun.coop_id == coop_id, SolveRun.week_start == week_start,
                                                 col(SolveRun.status).in_(ACTIVE))
                          .order_by(col(SolveRun.id))).all()
    queued = next((r for r in active if r.status == "queued"), None)
    if queued is not None or (active and not (after_change or kind == "repair")):
        return queued or active[0]
    published = current_rosters(session, coop_id=coop_id, week_start=week_start).published
    run = SolveRun(coop_id=coop_id, week_start=week_start, kind="repair" if published else "solve",
                   requested_by_id=requested_by_id, time_limit_s=limit, progress="queued",
                   base_roster_id=published.id if published else None)
    session.add(run)
    session.flush()
    return run


def request_repairs(session: Session, *, coop_id: int, stays: Iterable[tuple[datetime, datetime]],
                    actor_id: int | None) -> list[SolveRun]:
    """After a late booking or a cancellation: queue a repair of every published week with a
    shift overlapping one of the stays (a Sunday night stay touches two weeks)."""
    weeks: set[date] = set()
    for start_at, end_at in stays:
        weeks.update(session.exec(
            select(Roster.week_start).join(RosterShift, col(RosterShift.roster_id) == col(Roster.id))
            .where(Roster.coop_id == coop_id, Roster.status == "published", col(RosterShift.start_at) < end_at,
                   col(RosterShift.end_at) > start_at).distinct()).all())
    return [enqueue(session, coop_id=coop_id, week_start=week, kind="repair", requested_by_id=actor_id)
            for week in sorted(weeks)]


def latest_run(session: Session, *, coop_id: int, week_start: date) -> SolveRun | None:
    """The week's most recent run, to show its status and progress."""
    return session.exec(select(SolveRun).where(SolveRun.coop_id == coop_id, SolveRun.week_start == week_start)
                        .order_by(col(SolveRun.id).desc())).first()


def _start(run: SolveRun, worker: str) -> None:
    now = utcnow()
    run.status, run.worker, run.started_at, run.heartbeat_at = "running", worker, now, now
    run.attempts += 1
    run.progress, run.error = "building", ""


def heartbeat_every(stale_after: timedelta) -> float:
    """Seconds between heartbeats: several beats fit in ``stale_after``, so a live worker's run
    is never taken for a dead one's."""
    return min(HEARTBEAT_S, stale_after.total_seconds() / 4)


def _requeue_stale(session: Session, *, is_sqlite: bool, stale_after: timedelta) -> None:
    """Runs whose worker stopped beating: back in the queue, or failed after `MAX_ATTEMPTS`."""
    stmt = select(SolveRun).where(SolveRun.status == "running", col(SolveRun.heartbeat_at) < utcnow() - stale_after)
    for run in session.exec(stmt if is_sqlite else stmt.with_for_update(skip_locked=True)).all():
        log.warning("solve run %d: worker %s stopped beating", run.id, run.worker)
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.error, run.progress, run.finished_at = "failed", "abandoned", "failed", utcnow()
        else:
            run.status, run.worker, run.progress = "queued", "", "queued"
        session.add(run)
    session.flush()


def claim_next(database: Database, *, worker: str, stale_after: timedelta = STALE_AFTER) -> int | None:
    """Claim the oldest queued run (none of whose week is already running); its id or None.
    Runs silent for ``stale_after`` are requeued first."""
    with database.scope() as session:
        _requeue_stale(session, is_sqlite=database.is_sqlite, stale_after=stale_after)
        other = aliased(SolveRun)
        busy = exists().where(and_(other.coop_id == SolveRun.coop_id, other.week_start == SolveRun.week_start,
                                   other.status == "running"))
        stmt = (select(SolveRun).where(SolveRun.status == "queued", ~busy)
                .order_by(col(SolveRun.requested_at), col(SolveRun.id)).limit(1))
        if not database.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True, of=SolveRun)
        run = session.exec(stmt).first()
        if run is None:
            return None
        _start(run, worker)
        session.add(run)
        return run.id


def _own(session: Session, run_id: int, worker: str) -> SolveRun | None:
    """The run, locked, if this worker still holds it."""
    run = session.exec(select(SolveRun).where(SolveRun.id == run_id).with_for_update()
                       .execution_options(populate_existing=True)).first()
    return run if run is not None and run.status == "running" and run.worker == worker else None


def _set(database: Database, run_id: int, worker: str, **values: object) -> bool:
    """Update the run if this worker still holds it; False when it was taken away."""
    with database.scope() as session:
        result = session.exec(update(SolveRun).where(col(SolveRun.id) == run_id, col(SolveRun.status) == "running",
                                                     col(SolveRun.worker) == worker)
                              .values(heartbeat_at=utcnow(), **values))
        return bool(result.rowcount)


def _fail(database: Database, run_id: int, worker: str, code: str) -> None:
    _set(database, run_id, worker, status="failed", error=code, progress="failed", finished_at=utcnow())


@contextmanager
def _heartbeat(database: Database, run_id: int, worker: str, every_s: float) -> Iterator[threading.Event]:
    """Beat every ``every_s`` seconds while the body runs; the event is set (stopping the
    solver) when the run was taken away from this worker."""
    lost, done = threading.Event(), threading.Event()

    def beat() -> None:
        while not done.wait(every_s):
            try:
                if not _set(database, run_id, worker):
                    lost.set()
                    return
            except Exception:
                log.exception("solve run %d: heartbeat failed", run_id)

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        done.set()
        thread.join()


def execute(database: Database, run_id: int, *, worker: str | None = None, now: datetime | None = None,
            stale_after: timedelta = STALE_AFTER) -> SolveRun:
    """Run one solve to its end (claiming it first when still queued); returns its final state.

    A run held by another worker is left alone and returned as it is. A repair keeps the
    published assignments of shifts started before ``now``.
    """
    worker = worker or worker_name()
    with database.scope() as session:
        run = session.exec(select(SolveRun).where(SolveRun.id == run_id).with_for_update()).first()
        if run is None:
            raise NotFound(_l("This solve run does not exist."))
        if run.status == "queued":
            _start(run, worker)
            session.add(run)
    try:
        _solve(database, run_id, worker, now or utcnow(), heartbeat_every(stale_after))
    except Exception:
        log.exception("solve run %d failed", run_id)
        _fail(database, run_id, worker, "error")
    with database.scope(write=False) as session:
        final = session.get(SolveRun, run_id)
        assert final is not None
        return final


def _pins_of_past(problem: solver.Problem, index: Index, previous: Iterable[Placed],
                  now: datetime) -> list[solver.Assignment]:
    """Published assignments of shifts already started: a repair must not move them."""
    by_id = {cg.id: cg for cg in problem.caregivers}
    pins = []
    for placed in previous:
        a = index.assignment(placed.caregiver_id, placed.key)
        if (a is not None and placed.key[2] <= now and a.caregiver in by_id
                and problem.is_available(by_id[a.caregiver], a.day, a.shift)):
            pins.append(a)
    return pins


def _solve(database: Database, run_id: int, worker: str, now: datetime, beat_s: float) -> None:
    with database.scope(write=False) as session:
        run = session.get(SolveRun, run_id)
        coop = session.get(Cooperative, run.coop_id) if run else None
        if run is None or coop is None or run.status != "running" or run.worker != worker:
            return
        current = current_rosters(session, coop_id=run.coop_id, week_start=run.week_start)
        pins = [p for p in placed_in(session, current.draft) if p.is_pinned] if current.draft else []
        base = current.published or current.draft
        problem, index = build_problem(session, coop=coop, week_start=run.week_start, previous=base, pinned=pins,
                                       stability_weight=REPAIR_STABILITY if current.published else None)
        if current.published is not None:
            past = _pins_of_past(problem, index, placed_in(session, current.published), now)
            problem = dataclasses.replace(problem, pinned=tuple(sorted(set(problem.pinned) | set(past))))
        time_limit, kind = run.time_limit_s, "repair" if current.published else "solve"
    if not _set(database, run_id, worker, progress="solving", kind=kind,
                base_roster_id=base.id if base else None):
        return
    with _heartbeat(database, run_id, worker, beat_s) as lost:
        solution = solver.solve(problem, time_limit_s=time_limit, workers=SOLVER_WORKERS, stop=lost)
    if lost.is_set():
        return
    if solution.status is solver.Status.INFEASIBLE:
        _fail(database, run_id, worker, "infeasible")
        return
    if solution.objective is None:
        _fail(database, run_id, worker, "no_solution")
        return
    report = solver.validate(problem, solution)
    if not report.is_valid:
        log.error("solve run %d: solution breaks %d hard rules", run_id, len(report.violations))
        _fail(database, run_id, worker, "invalid")
        return
    _set(database, run_id, worker, progress="storing")
    with database.scope() as session:
        run = _own(session, run_id, worker)
        if run is None:
            return
        roster = store_roster(session, run=run, problem=problem, index=index, solution=solution,
                              based_on_id=base.id if base else None)
        run.status, run.roster_id, run.progress, run.finished_at = "done", roster.id, "done", utcnow()
        session.add(run)


def run_worker(database: Database, *, worker: str | None = None, once: bool = False, poll_s: float = 2.0,
               stop: threading.Event | None = None, stale_after: timedelta = STALE_AFTER) -> int:
    """Claim and execute runs until stopped (``once``: until the queue is empty); how many ran.

    A lost database connection is waited out: the run it interrupted is requeued once its
    heartbeat is older than ``stale_after``, by this worker or another.
    """
    worker = worker or worker_name()
    stop = stop or threading.Event()
    count = 0
    while not stop.is_set():
        try:
            run_id = claim_next(database, worker=worker, stale_after=stale_after)
            if run_id is not None:
                execute(database, run_id, worker=worker, stale_after=stale_after)
                count += 1
                continue
        except OperationalError:
            log.exception("worker %s: database unavailable; retrying", worker)
        if once:
            break
        stop.wait(poll_s)
    return count
