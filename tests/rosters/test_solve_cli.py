"""`coop solve` and `coop worker` through Flask's CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlmodel import Session, select

from coop.rosters import edits, runs
from coop.rosters.models import Roster, RosterAssignment, SolveRun
from tests.rosters.solving import MONDAY, TUESDAY, Week, at, make_week

DAYTIME = ((1, 7 * 60, 23 * 60),)


@pytest.fixture
def week(app: Flask, db: Session, make) -> Iterator[Week]:
    with app.app_context():
        yield make_week(app, db, make)


def test_solve_json_prints_the_stored_run(week: Week):
    ana = week.caregiver("ana", "professional", windows=DAYTIME)
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "19:00"))
    result = week.app.test_cli_runner().invoke(
        args=["solve", "--coop", week.coop.slug, "--week", "2026-W50", "--time-limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "done" and report["kind"] == "solve" and report["week"] == "2026-W50"
    assert report["objective"] is not None and report["bound"] is not None
    assert report["roster_status"] == "draft"
    assert len(report["assignments"]) == 1
    assignment = report["assignments"][0]
    assert assignment["caregiver_id"] == ana.id and assignment["site_id"] == week.site.id
    assert (assignment["start"], assignment["end"]) in (
        (at(TUESDAY, "07:00").isoformat(), at(TUESDAY, "15:00").isoformat()),
        (at(TUESDAY, "15:00").isoformat(), at(TUESDAY, "23:00").isoformat()))
    assert len(report["unmet"]) == 1  # one caregiver cannot work both shifts of the day
    unmet = report["unmet"][0]
    assert set(unmet) >= {"site_id", "start", "end", "missing", "reason"}
    assert unmet["missing"] == 1 and unmet["reason"] == "already_working"
    assert unmet["start"] != assignment["start"]


def test_solve_publish_and_text_figures(week: Week):
    household = week.make.household(week.coop, pledge_minutes=8 * 60)
    week.caregiver("ana", windows=DAYTIME, household=household)
    week.caregiver("staff", "staff", windows=DAYTIME, contract_minutes_per_week=8 * 60)
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "19:00"))
    result = week.app.test_cli_runner().invoke(
        args=["solve", "--coop", week.coop.slug, "--week", "2026-W50", "--time-limit", "2", "--publish"])
    assert result.exit_code == 0, result.output
    assert "Coverage: 2 of 2 caregivers needed are staffed (100%)" in result.output
    assert f"household {household.id}: 480 / " in result.output
    assert f"paid staff caregiver {week.caregivers['staff'].id}: 480 / contract 480" in result.output
    week.db.rollback()
    assert [r.status for r in week.db.exec(select(Roster)).all()] == ["published"]
    again = week.app.test_cli_runner().invoke(
        args=["solve", "--coop", week.coop.slug, "--week", "2026-W50", "--time-limit", "1", "--json"])
    assert json.loads(again.output)["kind"] == "repair"


def test_solve_refuses_a_malformed_week_and_an_unknown_cooperative(week: Week):
    runner = week.app.test_cli_runner()
    bad_week = runner.invoke(args=["solve", "--coop", week.coop.slug, "--week", "2026-W54"])
    assert bad_week.exit_code != 0 and "2026-W49" in bad_week.output
    unknown = runner.invoke(args=["solve", "--coop", "nowhere", "--week", "2026-W50"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    week.db.rollback()
    assert week.db.exec(select(SolveRun)).all() == []


def test_worker_once_runs_the_queue(week: Week):
    with week.database.scope() as session:
        runs.enqueue(session, coop_id=week.coop.id, week_start=MONDAY, requested_by_id=None, time_limit_s=1)
    result = week.app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Runs executed: 1" in result.output
    week.db.rollback()
    assert [r.status for r in week.db.exec(select(SolveRun)).all()] == ["done"]


def test_a_failed_solve_exits_non_zero_with_the_reason(week: Week):
    week.caregiver("ana", "professional", windows=DAYTIME)
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    draft = week.solve()
    week.db.rollback()
    pinned = week.db.exec(select(RosterAssignment).where(RosterAssignment.roster_id == draft.roster_id)).one()
    with week.database.scope() as session:
        edits.pin(session, coop_id=week.coop.id, assignment_id=pinned.id, actor_id=week.coordinator.id)
    week.away("ana", TUESDAY)
    result = week.app.test_cli_runner().invoke(
        args=["solve", "--coop", week.coop.slug, "--week", "2026-W50", "--time-limit", "1"])
    assert result.exit_code == 1
    assert "failed" in result.output and "pinned" in result.output
    week.db.rollback()
    assert [r.id for r in week.rosters()] == [draft.roster_id]
