"""The monthly tick and the `coop cheques` commands."""

from __future__ import annotations

from datetime import date

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from coop.cheques.jobs import run_monthly_ledgers
from coop.cheques.models import ChequeLot
from coop.credits import service as credits
from coop.jobs import register_jobs


def test_the_monthly_tick_is_registered(app):
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, app)
    assert "monthly_ledgers" in [job.id for job in scheduler.get_jobs()]


def test_the_monthly_tick_posts_pledges_and_lots_once(app, db, make, world):
    household = make.household(world.coop, pledge_minutes=120)
    database = app.extensions["coop.db"]
    run_monthly_ledgers(database, timezone="Europe/Brussels")
    run_monthly_ledgers(database, timezone="Europe/Brussels")
    db.rollback()
    assert credits.balance(db, household_id=household.id) == -120
    assert len(db.exec(select(ChequeLot)).all()) == 1


def test_cli_allocates_and_expires(app, db, make, world):
    make.household(world.coop)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cheques", "allocate", "--month", "2026-01", "--with-pledges"])
    assert result.exit_code == 0, result.output
    assert "Lots allocated for 2026-01: 1" in result.output
    again = runner.invoke(args=["cheques", "allocate", "--month", "2026-01"])
    assert "Lots allocated for 2026-01: 0" in again.output
    expired = runner.invoke(args=["cheques", "expire", "--today", "2026-07-01"])
    assert expired.exit_code == 0 and "Cheques expired: 4" in expired.output
    assert runner.invoke(args=["cheques", "allocate", "--month", "2026-13"]).exit_code != 0
    assert runner.invoke(args=["cheques", "expire", "--today", "soon"]).exit_code != 0
    db.rollback()
    assert [lot.period for lot in db.exec(select(ChequeLot)).all()] == [date(2026, 1, 1)]
