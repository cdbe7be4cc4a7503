"""`coop cheques allocate --month YYYY-MM` and `coop cheques expire [--today YYYY-MM-DD]`."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from coop.cheques.jobs import allocate_cheques, expire_cheques, post_pledges
from coop.clock import local_today
from coop.governance.jobs import run_governance


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter("use YYYY-MM, for example 2026-12") from None


@click.group("cheques", cls=AppGroup)
def cheques_group() -> None:
    """Respite cheques: monthly allocation and expiry (both safe to run again)."""


@cheques_group.command("allocate")
@click.option("--month", callback=_month, help="YYYY-MM; the current month by default.")
@click.option("--with-pledges", is_flag=True, help="Also post the month's pledges due.")
def allocate_command(month: date | None, with_pledges: bool) -> None:
    """Give every household its lot for the month (once: households already done are skipped).

    Decisions due today are applied first, as the scheduler's daily tick does: a lot is
    made once, so one made by hand before a new quota took effect would keep the old one.
    """
    database = current_app.extensions["coop.db"]
    closed, applied = run_governance(current_app._get_current_object())  # type: ignore[attr-defined]
    if closed or applied:
        click.echo(f"Votes closed: {closed}; decisions applied: {applied}")
    period = month or local_today(current_app.extensions["coop.settings"].timezone).replace(day=1)
    if with_pledges:
        click.echo(f"Pledges due posted: {post_pledges(database, period=period)}")
    click.echo(f"Lots allocated for {period:%Y-%m}: {allocate_cheques(database, period=period)}")


@cheques_group.command("expire")
@click.option("--today", "today_raw", help="YYYY-MM-DD; today by default.")
def expire_command(today_raw: str | None) -> None:
    """Post the remainder of every lot past its expiry date."""
    try:
        today = date.fromisoformat(today_raw) if today_raw else local_today(
            current_app.extensions["coop.settings"].timezone)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
    click.echo(f"Cheques expired: {expire_cheques(current_app.extensions['coop.db'], today=today)}")
