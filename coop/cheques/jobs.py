"""The monthly jobs of the ledgers, each idempotent and committing in batches, so that a run
killed half-way keeps what it did and a rerun (or a second scheduler) completes the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

from sqlmodel import col, select

from coop.cheques.allocation import allocate_households, expirable_lot_ids, expire_lots, pending_household_ids
from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.credits.pledges import post_pledges_due
from coop.db import Database

log = logging.getLogger("coop.jobs")
BATCH_SIZE = 200


def _coop_ids(database: Database) -> list[int]:
    with database.scope(write=False) as session:
        return list(session.exec(select(Cooperative.id).order_by(col(Cooperative.id))).all())


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def allocate_cheques(database: Database, *, period: date, batch_size: int = BATCH_SIZE) -> int:
    """Give every household of every cooperative its lot for the month ``period``; returns how many were made."""
    period = period.replace(day=1)
    made = 0
    for coop_id in _coop_ids(database):
        with database.scope(write=False) as session:
            pending = pending_household_ids(session, coop_id=coop_id, period=period)
        for batch in _batches(pending, batch_size):
            with database.scope() as session:
                made += len(allocate_households(session, household_ids=batch, period=period))
    log.info("allocated %d cheque lots for %s", made, period.strftime("%Y-%m"))
    return made


def expire_cheques(database: Database, *, today: date, batch_size: int = BATCH_SIZE) -> int:
    """Post the remainder of every lot past its expiry date; returns the cheques expired."""
    expired = 0
    for coop_id in _coop_ids(database):
        with database.scope(write=False) as session:
            lot_ids = list(expirable_lot_ids(session, coop_id=coop_id, today=today))
        for batch in _batches(lot_ids, batch_size):
            with database.scope() as session:
                expired += expire_lots(session, lot_ids=batch)
    log.info("expired %d cheques", expired)
    return expired


def post_pledges(database: Database, *, period: date) -> int:
    """Debit every household's pledge for the month ``period`` (once per household and month)."""
    posted = 0
    for coop_id in _coop_ids(database):
        with database.scope() as session:
            posted += post_pledges_due(session, coop_id=coop_id, period=period)
    log.info("posted %d pledges due for %s", posted, period.strftime("%Y-%m"))
    return posted


def run_monthly_ledgers(database: Database, *, timezone: str) -> None:
    """The daily tick of both ledgers: this month's pledges and lots (no-ops once done, so a
    scheduler that was down catches up), then expiry of lots past their date."""
    today = local_today(timezone)
    post_pledges(database, period=today.replace(day=1))
    allocate_cheques(database, period=today.replace(day=1))
    expire_cheques(database, today=today)
