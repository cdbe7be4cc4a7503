"""Scheduled jobs (APScheduler). Each job is idempotent: running it twice, or after a crash
half-way, leaves the same result as running it once."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from coop.auth.service import purge_login_records
from coop.cheques.jobs import run_monthly_ledgers
from coop.clock import utcnow
from coop.db import Database
from coop.governance.jobs import run_governance
from coop.outbox.service import deliver_pending
from coop.privacy.retention import run_retention
from coop.rosters.jobs import enqueue_next_weeks, process_solve_queue

log = logging.getLogger("coop.jobs")
LOGIN_RECORD_RETENTION = timedelta(days=30)


def purge_old_login_records(database: Database) -> int:
    """Forget failed-login records older than the retention period (they hold hashed IPs)."""
    with database.scope() as session:
        removed = purge_login_records(session, older_than=LOGIN_RECORD_RETENTION)
    log.info("purged %d old login records", removed)
    return removed


def run_daily_ledgers(app: Flask) -> None:
    """Decisions first, so that a change effective today (a new cheque quota from the 1st) is
    in force before today's allocation uses it; then the ledgers' daily tick."""
    run_governance(app)
    run_monthly_ledgers(app.extensions["coop.db"], timezone=app.extensions["coop.settings"].timezone)


def register_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Every job, in one place, with its trigger."""
    database = app.extensions["coop.db"]
    scheduler.add_job(purge_old_login_records, "cron", hour=3, minute=17, args=[database],
                      id="purge_old_login_records", replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(run_daily_ledgers, "cron", hour=0, minute=30, args=[app], id="monthly_ledgers",
                      next_run_time=utcnow(), replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(run_governance, "interval", minutes=10, args=[app], id="governance", replace_existing=True,
                      coalesce=True, max_instances=1)
    scheduler.add_job(enqueue_next_weeks, "interval", minutes=30, args=[database], id="weekly_roster_solves",
                      next_run_time=utcnow(), replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(process_solve_queue, "interval", seconds=15, args=[database], id="solve_queue",
                      kwargs={"stale_after": timedelta(seconds=app.extensions["coop.settings"].solve_stale_seconds)},
                      replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(deliver_pending, "interval", minutes=1, args=[database, app.extensions["coop.settings"]],
                      id="outbox_delivery", replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(run_retention, "cron", hour=3, minute=47, args=[database, app.extensions["coop.settings"]],
                      id="retention", replace_existing=True, coalesce=True, max_instances=1)


def start_background_scheduler(app: Flask) -> BackgroundScheduler:
    """The scheduler inside `coop serve`, for the embedded single-process set-up."""
    scheduler = BackgroundScheduler(timezone=app.extensions["coop.settings"].timezone)
    register_jobs(scheduler, app)
    scheduler.start()
    return scheduler
