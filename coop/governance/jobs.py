"""The scheduled work of decisions: close the votes whose time is up, then apply the passed
changes whose date has come. Each proposal is handled in its own transaction and is done
at most once (its row is locked and its state re-read), so running the job twice, or in two
schedulers, closes and applies each proposal once."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlmodel import col, select

from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.governance.service import apply_decision, close_vote, due_to_apply, due_to_close

log = logging.getLogger("coop.jobs")


def _local_dates(app: Flask, now: datetime) -> dict[int, date]:
    """Each cooperative's date at ``now``: a change effective on the 1st applies from its midnight."""
    with app.extensions["coop.db"].scope(write=False) as session:
        coops = session.exec(select(Cooperative.id, Cooperative.timezone).order_by(col(Cooperative.id))).all()
    return {coop_id: now.astimezone(ZoneInfo(timezone)).date() for coop_id, timezone in coops}


def run_governance(app: Flask, *, now: datetime | None = None) -> tuple[int, int]:
    """Close due votes, then apply due changes; returns (closed, applied). Notices are
    written in each reader's language, hence the application context."""
    now = now or utcnow()
    database = app.extensions["coop.db"]
    closed = applied = 0
    with app.app_context():
        with database.scope(write=False) as session:
            to_close = list(due_to_close(session, now=now))
        for proposal_id in to_close:
            with database.scope() as session:
                closed += close_vote(session, proposal_id=proposal_id, now=now)
        today_of = _local_dates(app, now)
        with database.scope(write=False) as session:
            to_apply = list(due_to_apply(session, today_of=today_of))
        for proposal_id, coop_id in to_apply:
            with database.scope() as session:
                applied += apply_decision(session, proposal_id=proposal_id, today=today_of[coop_id], now=now)
    if closed or applied:
        log.info("closed %d votes, applied %d decisions", closed, applied)
    return closed, applied
