"""Retention periods: the daily job deletes cancelled bookings and audit entries past their
period, keeps everything younger and every erasure record, and a second run deletes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from config import load_settings
from config.settings import SettingsError
from coop.audit.models import AuditEntry
from coop.bookings.models import Booking
from coop.clock import utcnow
from coop.privacy.retention import apply_retention, run_retention
from tests.conftest import Factory
from tests.world import build_world


def _booking(db: Session, template: Booking, *, days_ago: int, cancelled_days_ago: int | None) -> int:
    start = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    booking = Booking(coop_id=template.coop_id, site_id=template.site_id, child_id=template.child_id,
                      household_id=template.household_id, start_at=start, end_at=start + timedelta(hours=3),
                      cancelled_at=None if cancelled_days_ago is None
                      else utcnow() - timedelta(days=cancelled_days_ago))
    db.add(booking)
    db.flush()
    return booking.id


def test_the_retention_job_deletes_only_what_is_past_its_period_and_is_idempotent(
        app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    template = db.get(Booking, world.rows["family"]["booking_id"])
    old_cancelled = _booking(db, template, days_ago=400, cancelled_days_ago=399)
    recent_cancelled = _booking(db, template, days_ago=30, cancelled_days_ago=29)
    old_kept = _booking(db, template, days_ago=500, cancelled_days_ago=None)
    long_ago = utcnow() - timedelta(days=800)
    coop_id = world.coop_a.id
    db.add_all([AuditEntry(coop_id=coop_id, action="read", object_type="household", object_id=1, at=long_ago),
                AuditEntry(coop_id=coop_id, action="delete", object_type="household", object_id=2, at=long_ago)])
    db.commit()
    audit_before = db.exec(select(AuditEntry.id).order_by(col(AuditEntry.id))).all()
    settings = replace(app.extensions["coop.settings"], retention_cancelled_bookings_days=365,
                       retention_audit_log_days=730)

    assert run_retention(app.extensions["coop.db"], settings) == {"cancelled_bookings": 1, "audit_entries": 1}
    db.rollback()
    assert db.get(Booking, old_cancelled) is None
    assert db.get(Booking, recent_cancelled) is not None and db.get(Booking, old_kept) is not None
    remaining = db.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert len(remaining) == len(audit_before) - 1
    assert any(e.action == "delete" and e.object_id == 2 for e in remaining)  # the erasure record stays
    assert run_retention(app.extensions["coop.db"], settings) == {"cancelled_bookings": 0, "audit_entries": 0}


def test_zero_keeps_everything(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make, with_others=False)
    template = db.get(Booking, world.rows["family"]["booking_id"])
    _booking(db, template, days_ago=4000, cancelled_days_ago=3999)
    db.add(AuditEntry(coop_id=world.coop_a.id, action="read", object_type="household", object_id=1,
                      at=utcnow() - timedelta(days=4000)))
    db.commit()
    assert apply_retention(db, now=utcnow(), cancelled_bookings_days=0, audit_log_days=0) == {
        "cancelled_bookings": 0, "audit_entries": 0}
    db.rollback()


def test_retention_periods_come_from_the_settings_and_refuse_negative_days() -> None:
    settings = load_settings(environ={"COOP_RETENTION_AUDIT_LOG_DAYS": "90"})
    assert settings.retention_audit_log_days == 90
    assert settings.retention_cancelled_bookings_days == 365
    with pytest.raises(SettingsError, match="Retention periods"):
        load_settings(environ={"COOP_RETENTION_CANCELLED_BOOKINGS_DAYS": "-1"})
