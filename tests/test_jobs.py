"""Scheduled jobs: registered once each, idempotent."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from coop.auth.models import LoginAttempt
from coop.clock import utcnow
from coop.jobs import LOGIN_RECORD_RETENTION, purge_old_login_records, register_jobs


def test_every_job_is_registered_with_a_stable_id(app):
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, app)
    ids = [job.id for job in scheduler.get_jobs()]
    assert len(ids) == len(set(ids))
    assert "purge_old_login_records" in ids


def test_purge_keeps_recent_login_records_and_is_idempotent(app, db):
    old = utcnow() - LOGIN_RECORD_RETENTION - timedelta(days=1)
    db.add(LoginAttempt(key_hash="a" * 64, attempted_at=old))
    db.add(LoginAttempt(key_hash="b" * 64))
    db.commit()
    database = app.extensions["coop.db"]
    assert purge_old_login_records(database) == 1
    assert purge_old_login_records(database) == 0
    db.rollback()
    assert [row.key_hash for row in db.exec(select(LoginAttempt)).all()] == ["b" * 64]
