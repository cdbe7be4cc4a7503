"""Statement pages: the board's month (coordinators) with CSV, and a household's month
(coordinators; parents for their own) as a page or a PDF."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.db import get_session
from coop.members.service import get_household, household_ids_of
from coop.statements import service
from coop.statements.documents import statement_lines, statement_pdf, statements_csv

bp = Blueprint("statements", __name__, url_prefix="/c/<slug>/statements")


def _month() -> date:
    """``?month=YYYY-MM``; this month when absent (a malformed month is a 404, like any bad URL)."""
    raw = request.args.get("month", "")
    if not raw:
        return local_today(g.coop.timezone).replace(day=1)
    try:
        return date.fromisoformat(f"{raw[:7]}-01")
    except ValueError:
        abort(404)


@bp.route("")
@roles_required("coordinator")
def index(slug: str):
    month = _month()
    rows = service.monthly_rows(get_session(), coop_id=g.coop.id, month=month)
    return render_template("statements/index.html", month=month, rows=rows, summary=service.summarise(rows),
                           providers=service.provider_lines(get_session(), coop_id=g.coop.id, month=month))


@bp.route("/export.csv")
@roles_required("coordinator")
def export_csv(slug: str):
    month = _month()
    rows = service.monthly_rows(get_session(), coop_id=g.coop.id, month=month)
    return Response(statements_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{slug}-{month:%Y-%m}.csv"'})


def _household_row(household_id: int, month: date) -> service.StatementRow:
    session = get_session()
    if "coordinator" not in g.roles and household_id not in household_ids_of(session, coop_id=g.coop.id,
                                                                             person_id=current_user.id):
        abort(404)
    get_household(session, coop_id=g.coop.id, household_id=household_id)
    row = service.household_row(session, coop_id=g.coop.id, household_id=household_id, month=month)
    assert row is not None
    return row


@bp.route("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    month = _month()
    row = _household_row(household_id, month)
    return render_template("statements/household.html", month=month, row=row, sections=statement_lines(row))


@bp.route("/households/<int:household_id>/statement.pdf")
@roles_required("coordinator", "parent")
def household_pdf(slug: str, household_id: int):
    month = _month()
    pdf = statement_pdf(coop_name=g.coop.name, rows=[_household_row(household_id, month)], month=month)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="statement-{household_id}-{month:%Y-%m}.pdf"'})
