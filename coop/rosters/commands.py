"""`coop solve --coop SLUG --week 2026-W49 [--time-limit S] [--publish] [--json]` and
`coop worker [--once]`: solving from the command line and worker processes for the queue."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import click
from flask import current_app
from flask_babel import force_locale
from sqlmodel import Session, col, select

from coop.cooperatives.models import Cooperative
from coop.db import Database
from coop.errors import DomainError
from coop.rosters import runs, service
from coop.rosters.models import Roster, RosterAssignment, RosterShift, SolveRun
from coop.rosters.weeks import format_week, parse_week

WAIT_POLL_S = 1.0


def run_report(session: Session, run: SolveRun) -> dict[str, Any]:
    """The stored run and its roster as plain JSON."""
    roster = session.get(Roster, run.roster_id) if run.roster_id else None
    report: dict[str, Any] = {
        "run_id": run.id, "week": format_week(run.week_start), "kind": run.kind, "status": run.status,
        "error": run.error, "roster_id": run.roster_id, "roster_status": roster.status if roster else None,
        "solver_status": roster.solver_status if roster else None,
        "objective": roster.objective if roster else None, "bound": roster.bound if roster else None,
        "penalties": roster.penalties if roster else {}, "assignments": [], "unmet": [], "stats": [],
    }
    if roster is None:
        return report
    rows = session.exec(select(RosterAssignment, RosterShift)
                        .join(RosterShift, col(RosterShift.id) == col(RosterAssignment.shift_id))
                        .where(RosterAssignment.roster_id == roster.id)
                        .order_by(col(RosterShift.start_at), col(RosterShift.site_id),
                                  col(RosterAssignment.caregiver_id))).all()
    report["assignments"] = [{"caregiver_id": a.caregiver_id, "site_id": s.site_id, "code": s.code,
                              "start": s.start_at.isoformat(), "end": s.end_at.isoformat()} for a, s in rows]
    report["unmet"] = [{"site_id": u["site_id"], "code": u["code"], "start": u["start"], "end": u["end"],
                        "missing": u["missing"], "reason": u["reason"]} for u in roster.unmet]
    report["stats"] = roster.stats
    return report


def _coverage(session: Session, roster_id: int) -> tuple[int, int]:
    """(caregivers needed, of them staffed) over the week's shifts."""
    shifts = session.exec(select(RosterShift).where(RosterShift.roster_id == roster_id)).all()
    staffed: dict[int, int] = defaultdict(int)
    for shift_id in session.exec(select(RosterAssignment.shift_id).where(RosterAssignment.roster_id == roster_id)):
        staffed[shift_id] += 1
    needed = sum(s.required for s in shifts)
    return needed, sum(min(s.required, staffed[s.id]) for s in shifts if s.id is not None)


def _print_text(session: Session, report: dict[str, Any]) -> None:
    click.echo(f"Run {report['run_id']} ({report['kind']}, week {report['week']}): {report['status']}")
    if report["status"] in ("queued", "running"):
        click.echo("Another worker is still solving this week; look again later.")
        return
    if report["status"] != "done":
        with force_locale("en"):
            click.echo(f"Reason: {runs.FAILURES.get(report['error'], runs.FAILURES['error'])}")
        return
    click.echo(f"Roster {report['roster_id']} ({report['roster_status']}), solver {report['solver_status']}, "
               f"objective {report['objective']}, bound {report['bound']}")
    needed, staffed = _coverage(session, report["roster_id"])
    share = f" ({100 * staffed // needed}%)" if needed else ""
    click.echo(f"Coverage: {staffed} of {needed} caregivers needed are staffed{share}")
    for u in report["unmet"]:
        click.echo(f"  UNMET site {u['site_id']} {u['code']} {u['start']} to {u['end']}: "
                   f"{u['missing']} missing ({u['reason']})")
    households: dict[int, list[int]] = {}
    for s in report["stats"]:
        if s["household_id"] is not None and s["target_minutes"] is not None:
            households.setdefault(s["household_id"], [0, s["target_minutes"]])[0] += s["minutes"]
    click.echo("Fairness (minutes assigned / fair share this week):")
    for household_id, (minutes, target) in sorted(households.items()):
        click.echo(f"  household {household_id}: {minutes} / {target}")
    for s in report["stats"]:
        if s["kind"] == "staff":
            click.echo(f"  paid staff caregiver {s['caregiver_id']}: {s['minutes']} / contract {s['contract_minutes']}")


def _wait(database: Database, run_id: int, timeout_s: float) -> None:
    """Wait for a run another worker holds to finish (or the time to run out)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with database.scope(write=False) as session:
            run = session.get(SolveRun, run_id)
            if run is None or run.status in ("done", "failed"):
                return
        time.sleep(WAIT_POLL_S)


@click.command("solve")
@click.option("--coop", "coop_slug", required=True, help="The cooperative's slug.")
@click.option("--week", "week_raw", required=True, help="ISO week, for example 2026-W49.")
@click.option("--time-limit", type=click.IntRange(runs.MIN_TIME_LIMIT_S, runs.MAX_TIME_LIMIT_S),
              help="Seconds the solver may take (the cooperative's setting by default).")
@click.option("--publish", "do_publish", is_flag=True, help="Publish the roster when it breaks no rule.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored run as JSON.")
def solve_command(coop_slug: str, week_raw: str, time_limit: int | None, do_publish: bool, as_json: bool) -> None:
    """Solve (or repair) one week now, in this process, and print the outcome."""
    database: Database = current_app.extensions["coop.db"]
    try:
        monday = parse_week(week_raw)
    except DomainError as exc:
        raise click.BadParameter(str(exc.message), param_hint="--week") from None
    with database.scope() as session:
        coop = session.exec(select(Cooperative).where(Cooperative.slug == coop_slug)).first()
        if coop is None or coop.id is None:
            raise click.ClickException(f"No cooperative with slug {coop_slug!r}.")
        coop_id = coop.id
        run = runs.enqueue(session, coop_id=coop_id, week_start=monday, requested_by_id=None, time_limit_s=time_limit)
        run_id, limit = run.id, run.time_limit_s
    assert run_id is not None
    result = runs.execute(database, run_id)
    if result.status == "running":
        _wait(database, run_id, timeout_s=limit * 3 + 60)
    with database.scope(write=False) as session:
        result = session.get(SolveRun, run_id)
        assert result is not None
    if do_publish and result.status == "done" and result.roster_id is not None:
        try:
            with database.scope() as session:
                service.publish(session, coop_id=coop_id, roster_id=result.roster_id, actor_id=None)
        except DomainError as exc:
            raise click.ClickException(f"Not published: {exc.message}") from None
    with database.scope(write=False) as session:
        report = run_report(session, result)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            _print_text(session, report)
    if report["status"] != "done":
        raise SystemExit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run what is queued, then stop.")
@click.option("--poll", "poll_s", default=2.0, show_default=True, help="Seconds between looks at an empty queue.")
def worker_command(once: bool, poll_s: float) -> None:
    """Claim queued solve runs and execute them (any number of these, on any host)."""
    worker = runs.worker_name()
    click.echo(f"Worker {worker} started.")
    try:
        stale_after = timedelta(seconds=current_app.extensions["coop.settings"].solve_stale_seconds)
        count = runs.run_worker(current_app.extensions["coop.db"], worker=worker, once=once, poll_s=poll_s,
                                stale_after=stale_after)
    except KeyboardInterrupt:
        # A run cut short here goes back to the queue once its heartbeat is stale.
        click.echo("Worker stopped.")
        return
    click.echo(f"Runs executed: {count}")
