"""The roster's scheduled jobs: work the solve queue inside the scheduler process, and queue
next week's solve of every cooperative once its booking deadline has passed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import select

from coop.bookings.rules import deadline_for, get_rules
from coop.bookings.times import local, to_utc, week_start
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.db import Database
from coop.rosters.models import Roster, SolveRun
from coop.rosters.runs import STALE_AFTER, enqueue, run_worker, worker_name

log = logging.getLogger("coop.rosters.jobs")


def process_solve_queue(database: Database, *, stale_after: timedelta = STALE_AFTER) -> int:
    """Execute every queued run, one after the other; how many ran."""
    return run_worker(database, worker=f"scheduler:{worker_name()}"[:80], once=True, stale_after=stale_after)


def enqueue_next_weeks(database: Database, *, now: datetime | None = None) -> int:
    """Queue the solve of next week for each cooperative whose deadline for it has passed and
    that has neither a roster nor a run for it yet (so it runs once); how many were queued."""
    now = now or utcnow()
    queued = 0
    with database.scope() as session:
        for coop in session.exec(select(Cooperative).order_by(Cooperative.id)).all():
            assert coop.id is not None
            monday = week_start(local(now, coop.timezone).date()) + timedelta(days=7)
            deadline = deadline_for(get_rules(session, coop_id=coop.id), to_utc(monday, 0, coop.timezone),
                                    coop.timezone)
            if now < deadline:
                continue
            done = session.exec(select(Roster.id).where(Roster.coop_id == coop.id, Roster.week_start == monday)).first()
            asked = session.exec(select(SolveRun.id).where(SolveRun.coop_id == coop.id,
                                                           SolveRun.week_start == monday)).first()
            if done is None and asked is None:
                enqueue(session, coop_id=coop.id, week_start=monday, requested_by_id=None)
                queued += 1
    log.info("queued %d weekly solves", queued)
    return queued
