"""Retention periods: personal data kept no longer than needed. A daily job deletes what is
past its period; running it again deletes nothing more (idempotent)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from config import Settings
from coop.audit.models import AuditEntry
from coop.bookings.models import Booking
from coop.clock import utcnow
from coop.db import Database

log = logging.getLogger("coop.jobs")


def apply_retention(session: Session, *, now: datetime, cancelled_bookings_days: int,
                    audit_log_days: int) -> dict[str, int]:
    """Delete bookings cancelled more than ``cancelled_bookings_days`` ago and audit entries older
    than ``audit_log_days`` (0: keep forever); returns how many rows of each went.

    Erasure records stay whatever their age: they prove the erasure and mark the household
    as erased."""
    removed = {"cancelled_bookings": 0, "audit_entries": 0}
    if cancelled_bookings_days > 0:
        cutoff = now - timedelta(days=cancelled_bookings_days)
        removed["cancelled_bookings"] = session.execute(delete(Booking).where(
            col(Booking.cancelled_at).is_not(None), col(Booking.cancelled_at) < cutoff)).rowcount
    if audit_log_days > 0:
        cutoff = now - timedelta(days=audit_log_days)
        is_erasure = (AuditEntry.action == "delete") & (AuditEntry.object_type == "household")
        removed["audit_entries"] = session.execute(delete(AuditEntry).where(
            col(AuditEntry.at) < cutoff, ~is_erasure)).rowcount
    return removed


def run_retention(database: Database, settings: Settings) -> dict[str, int]:
    """The scheduled job: apply the configured retention periods now."""
    with database.scope() as session:
        removed = apply_retention(session, now=utcnow(),
                                  cancelled_bookings_days=settings.retention_cancelled_bookings_days,
                                  audit_log_days=settings.retention_audit_log_days)
    log.info("retention: deleted %(cancelled_bookings)d cancelled bookings, %(audit_entries)d audit entries",
             removed)
    return removed
