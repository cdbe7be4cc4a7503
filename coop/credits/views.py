"""Contribution pages: the coordinator's overview of who is behind or ahead, a household's
balance and history (coordinators; parents for their own), payments, pledges, corrections."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.credits import pledges, scale, service
from coop.credits.models import CreditTransaction, PledgeScaleBand
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import FieldParser, form_values
from coop.members.service import household_ids_of, list_households

bp = Blueprint("credits", __name__, url_prefix="/c/<slug>/credits")
PAYMENT_FIELDS = ["euros", "on_date", "memo", "idempotency_key"]
PLEDGE_FIELDS = ["pledge_hours", "pledge_euros", "income_band"]
SCALE_COLUMNS = ["code", "label", "income", "base", "per_child"]
SETTINGS_FIELDS = ["euros_per_hour", "night_weight", "minimum_pledge_hours"]
KIND_LABELS = {"pledge_due": _l("Pledge due"), "work": _l("Hours worked"), "payment": _l("Money paid"),
               "correction": _l("Correction")}


def _may_see(household_id: int) -> None:
    if "coordinator" in g.roles:
        return
    if household_id not in household_ids_of(get_session(), coop_id=g.coop.id, person_id=current_user.id):
        abort(404)


@bp.route("")
@roles_required("coordinator")
def overview(slug: str):
    session = get_session()
    balances = service.balances(session, coop_id=g.coop.id)
    rows = sorted(((h, balances.get(h.id, 0)) for h in list_households(session, coop_id=g.coop.id)),
                  key=lambda row: (row[1], row[0].name))
    return render_template("credits/overview.html", rows=rows)


@bp.route("/mine")
@roles_required("parent")
def mine(slug: str):
    ids = sorted(household_ids_of(get_session(), coop_id=g.coop.id, person_id=current_user.id))
    if not ids:
        abort(404)
    return redirect(url_for("credits.household", slug=slug, household_id=ids[0]))


def _household_page(household_id: int, *, errors: dict | None = None, values: dict | None = None,
                    status: int = 200):
    """The balance, history and pledge of a household; the pledge form shows the minimum of
    each band of the scale for this household's children (the band is sensitive: only
    coordinators and the household reach this page)."""
    _may_see(household_id)
    session = get_session()
    household = service.household_in_coop(session, coop_id=g.coop.id, household_id=household_id)
    lines = service.history(session, coop_id=g.coop.id, household_id=household_id)
    next_period = pledges.next_month(local_today(g.coop.timezone))
    band = scale.declared_band(session, household_id=household_id, period=next_period)
    children = scale.children_count(session, household_id=household_id, period=next_period)
    bands = scale.get_scale(session, coop_id=g.coop.id)
    values = {"idempotency_key": uuid.uuid4().hex, "on_date": local_today(g.coop.timezone).isoformat(),
              "pledge_hours": f"{household.pledge_minutes / 60:g}",
              "pledge_euros": f"{household.pledge_cents / 100:.2f}", "income_band": band or "", **(values or {})}
    return render_template("credits/household.html", household=household, lines=list(reversed(lines)),
                           balance=lines[-1].balance_after if lines else 0,
                           pledge_history=pledges.pledge_history(session, household_id=household_id),
                           settings=service.get_settings(session, coop_id=g.coop.id),
                           scale=[(b, scale.band_minimum(b, children)) for b in bands], children=children,
                           band_options=[(b.code, f"{b.code} · {b.label}") for b in bands],
                           minimum=scale.minimum_for(session, household=household, period=next_period),
                           errors=errors or {}, values=values), status


@bp.route("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    return _household_page(household_id)


@bp.route("/households/<int:household_id>/payments", methods=["POST"])
@roles_required("coordinator")
def record_payment(slug: str, household_id: int):
    session = get_session()
    values = form_values(PAYMENT_FIELDS)
    try:
        p = FieldParser(values)
        cents = p.decimal_hundredths("euros")
        on_date = p.date("on_date")
        memo = p.text("memo", max_length=300)
        p.raise_if_errors()
        assert on_date is not None
        service.record_payment(session, coop_id=g.coop.id, household_id=household_id, cents=cents, on_date=on_date,
                               key=values["idempotency_key"], actor_id=current_user.id, memo=memo)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _household_page(household_id, errors=exc.fields or {"euros": exc.message}, values=values,
                               status=exc.status)
    flash(_("Payment recorded."), "success")
    return redirect(url_for("credits.household", slug=slug, household_id=household_id))


@bp.route("/households/<int:household_id>/pledge", methods=["POST"])
@roles_required("coordinator", "parent")
def change_pledge(slug: str, household_id: int):
    _may_see(household_id)
    session = get_session()
    values = form_values(PLEDGE_FIELDS)
    try:
        p = FieldParser(values)
        minutes = p.hours_as_minutes("pledge_hours")
        cents = p.decimal_hundredths("pledge_euros")
        if scale.get_scale(session, coop_id=g.coop.id) and not values["income_band"]:
            p.errors["income_band"] = _l("Choose the band of your household's income.")
        p.raise_if_errors()
        change = pledges.set_pledge(session, coop_id=g.coop.id, household_id=household_id, minutes=minutes,
                                    cents=cents, today=local_today(g.coop.timezone), actor_id=current_user.id,
                                    income_band=values["income_band"] or None)
        session.commit()
    except DomainError as exc:
        session.rollback()
        return _household_page(household_id, errors=exc.fields, values=values, status=exc.status)
    flash(_("New pledge saved; it applies from %(month)s.", month=change.effective_month.strftime("%Y-%m")),
          "success")
    return redirect(url_for("credits.household", slug=slug, household_id=household_id))


@bp.route("/transactions/<int:transaction_id>/reverse", methods=["POST"])
@roles_required("coordinator")
def reverse(slug: str, transaction_id: int):
    session = get_session()
    values = form_values(["idempotency_key", "memo"])
    original = session.get(CreditTransaction, transaction_id)
    if original is None or original.coop_id != g.coop.id:
        abort(404)
    try:
        service.reverse_transaction(session, coop_id=g.coop.id, transaction_id=transaction_id,
                                    key=values["idempotency_key"] or f"reverse:{transaction_id}",
                                    on_date=local_today(g.coop.timezone), actor_id=current_user.id,
                                    memo=values["memo"][:300])
        session.commit()
        flash(_("The entry was corrected by a reversing entry."), "success")
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("credits.household", slug=slug, household_id=original.household_id))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("coordinator")
def settings(slug: str):
    session = get_session()
    current = service.get_settings(session, coop_id=g.coop.id)
    values = {"euros_per_hour": f"{current.cents_per_hour / 100:.2f}",
              "night_weight": f"{current.night_weight_permille / 1000:g}",
              "minimum_pledge_hours": f"{current.minimum_pledge_minutes / 60:g}"}
    if request.method == "POST":
        values = form_values(SETTINGS_FIELDS)
        try:
            p = FieldParser(values)
            cents = p.decimal_hundredths("euros_per_hour")
            weight = p.decimal_hundredths("night_weight") * 10
            minimum = p.decimal_hundredths("minimum_pledge_hours") * 60 // 100
            p.raise_if_errors()
            service.save_settings(session, coop_id=g.coop.id, cents_per_hour=cents, night_weight_permille=weight,
                                  minimum_pledge_minutes=minimum)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("credits.overview", slug=slug))
        except DomainError as exc:
            session.rollback()
            return render_template("credits/settings.html", values=values, errors=exc.fields), exc.status
    return render_template("credits/settings.html", values=values, errors={})


def _scale_values(bands: Sequence[PledgeScaleBand]) -> dict[str, str]:
    """The saved bands as the form's fields (block ``i`` holds band ``i``)."""
    values = {}
    for i, band in enumerate(bands):
        income = "" if band.income_up_to_cents is None else f"{band.income_up_to_cents / 100:.2f}"
        values.update({f"code-{i}": band.code, f"label-{i}": band.label, f"income-{i}": income,
                       f"base-{i}": f"{band.base_minutes / 60:g}",
                       f"per_child-{i}": f"{band.per_child_minutes / 60:g}"})
    return values


def _parse_scale(values: dict[str, str]) -> tuple[list[scale.BandInput], list[int]]:
    """The filled rows of the form as bands, and the row number of each (for the messages)."""
    p = FieldParser(values)
    bands, rows = [], []
    for i in range(scale.MAX_BANDS):
        if not any(values[f"{column}-{i}"] for column in SCALE_COLUMNS):
            continue
        income = p.decimal_hundredths(f"income-{i}") if values[f"income-{i}"] else None
        bands.append(scale.BandInput(code=values[f"code-{i}"], label=values[f"label-{i}"], income_up_to_cents=income,
                                     base_minutes=p.hours_as_minutes(f"base-{i}"),
                                     per_child_minutes=p.hours_as_minutes(f"per_child-{i}")))
        rows.append(i)
    p.raise_if_errors()
    return bands, rows


@bp.route("/scale", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_scale(slug: str):
    """The sliding scale: one block per income band, plus empty blocks to add bands."""
    session = get_session()
    values = _scale_values(scale.get_scale(session, coop_id=g.coop.id))
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = form_values(f"{column}-{i}" for i in range(scale.MAX_BANDS) for column in SCALE_COLUMNS)
        rows: list[int] = []
        try:
            bands, rows = _parse_scale(values)
            scale.save_scale(session, coop_id=g.coop.id, bands=bands, actor_id=current_user.id)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("credits.edit_scale", slug=slug))
        except DomainError as exc:
            session.rollback()
            # The service numbers the filled bands; the form numbers every block.
            errors = {_form_row_name(name, rows): message for name, message in exc.fields.items()}
            status = exc.status
    shown = min(scale.MAX_BANDS, max(4, sum(1 for i in range(scale.MAX_BANDS) if values.get(f"code-{i}")) + 2))
    return render_template("credits/scale.html", values=values, errors=errors, rows=range(shown),
                           settings=service.get_settings(session, coop_id=g.coop.id)), status


def _form_row_name(name: str, rows: list[int]) -> str:
    """``base-1`` (the second filled band) → ``base-3`` when that band was typed in block 3."""
    field, _sep, index = name.rpartition("-")
    if field and index.isdigit() and rows and int(index) < len(rows):
        return f"{field}-{rows[int(index)]}"
    return name


@bp.app_template_filter("signed_hours")
def signed_hours(minutes: int) -> str:
    """-75 → "−1:15", 90 → "+1:30": a balance in hours and minutes, never a float."""
    sign = "−" if minutes < 0 else "+" if minutes > 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


@bp.app_context_processor
def kind_labels() -> dict:
    return {"CREDIT_KIND_LABELS": KIND_LABELS}
