"""`coop statements --month YYYY-MM --out DIR --format pdf|csv|html`: every cooperative's
statements for a month, in the cooperative's language, rebuilt from the ledgers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlmodel import col, select

from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.statements import service
from coop.statements.documents import statement_lines, statement_pdf, statements_csv


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter("use YYYY-MM, for example 2026-11") from None


@click.command("statements")
@click.option("--month", callback=_month, help="YYYY-MM; the current month by default.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["pdf", "csv", "html"]), default="csv", show_default=True)
@with_appcontext
def statements_command(month: date | None, out_dir: Path, fmt: str) -> None:
    """Write one file per cooperative (CSV, HTML: its language) or per household (PDF: the household's language)."""
    month = month or local_today(current_app.extensions["coop.settings"].timezone).replace(day=1)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    with current_app.extensions["coop.db"].scope(write=False) as session:
        for coop in session.exec(select(Cooperative).order_by(col(Cooperative.id))).all():
            rows = service.monthly_rows(session, coop_id=coop.id, month=month)
            stem = f"{coop.slug}-{month:%Y-%m}"
            if fmt == "pdf":
                languages = service.household_languages(session, coop_id=coop.id, default=coop.language)
                for row in rows:
                    with force_locale(languages[row.household_id]):
                        pdf = statement_pdf(coop_name=coop.name, rows=[row], month=month)
                    (out_dir / f"{stem}-household-{row.household_id}.pdf").write_bytes(pdf)
                    written += 1
                continue
            with force_locale(coop.language):
                if fmt == "csv":
                    (out_dir / f"{stem}.csv").write_text(statements_csv(rows), encoding="utf-8")
                else:
                    page = render_template("statements/export.html", coop=coop, month=month, rows=rows,
                                           summary=service.summarise(rows), statement_lines=statement_lines)
                    (out_dir / f"{stem}.html").write_text(page, encoding="utf-8")
            written += 1
    click.echo(f"Wrote {written} file(s) to {out_dir}.")
