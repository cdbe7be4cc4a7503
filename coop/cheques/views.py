"""Cheque pages: a household's balance, lots and expiry dates (parents, coordinators), the
coordinator's overview, and the provider's redemption screen with its monthly total."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import col, select

from coop.auth.permissions import roles_required
from coop.cheques import allocation, disputes, scheme, service
from coop.cheques.models import ChequeCard, Provider
from coop.cheques.scheme import service_label
from coop.clock import local_today
from coop.credits import service as credits_service
from coop.db import get_session
from coop.errors import Conflict, DomainError, ValidationFailed
from coop.forms import FieldParser, form_values
from coop.members.service import get_household, household_ids_of, list_households

bp = Blueprint("cheques", __name__, url_prefix="/c/<slug>/cheques")
REDEEM_FIELDS = ["provider_id", "household_code", "service_id", "cheques", "used_on", "idempotency_key"]
DISPUTE_LABELS = {"open": _l("Disputed"), "upheld": _l("Dispute upheld"), "rejected": _l("Dispute rejected")}
def parse_redemption(values: dict[str, str]) -> tuple[int, service.RedemptionInput]:
    """The provider id (0 when not given) and the redemption, from form or JSON strings."""
    p = FieldParser(values)
    provider_id = p.integer("provider_id", minimum=1, required=False)
    data = service.RedemptionInput(
        household_code=p.text("household_code", required=True, max_length=20),
        service_id=p.integer("service_id", minimum=1), cheques=p.integer("cheques", minimum=1, maximum=100),
        used_on=p.date("used_on") or date.min, idempotency_key=p.text("idempotency_key", required=True))
    p.raise_if_errors()
    return provider_id, data


def my_providers() -> list[Provider]:
    """The partner organisations the logged-in provider user redeems for (none: 403)."""
    providers = list(scheme.providers_of(get_session(), coop_id=g.coop.id, person_id=current_user.id))
    if not providers:
        abort(403)
    return providers


def pick_provider(provider_id: int) -> Provider:
    providers = my_providers()
    if not provider_id:
        return providers[0]
    for provider in providers:
        if provider.id == provider_id:
            return provider
    abort(404)


@bp.route("")
@roles_required("coordinator", "parent", "provider")
def index(slug: str):
    """Parents see their cheques, coordinators the overview, providers the redemption screen."""
    if "coordinator" in g.roles:
        session = get_session()
        balances = service.balances(session, coop_id=g.coop.id)
        rows = [(h, balances.get(h.id, 0)) for h in list_households(session, coop_id=g.coop.id)]
        return render_template("cheques/overview.html", rows=rows, names={h.id: h.name for h, _ in rows},
                               scheme=scheme.get_scheme(session, coop_id=g.coop.id),
                               disputes=disputes.open_disputes(session, coop_id=g.coop.id))
    if "parent" in g.roles:
        ids = sorted(household_ids_of(get_session(), coop_id=g.coop.id, person_id=current_user.id))
        if ids:
            return redirect(url_for("cheques.household", slug=slug, household_id=ids[0]))
    return redirect(url_for("cheques.redeem", slug=slug))


@bp.route("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    session = get_session()
    if "coordinator" not in g.roles and household_id not in household_ids_of(session, coop_id=g.coop.id,
                                                                             person_id=current_user.id):
        abort(404)
    family = get_household(session, coop_id=g.coop.id, household_id=household_id)
    today = local_today(g.coop.timezone)
    lots = [(lot, left) for lot, left in allocation.lot_remainders(session, household_id=household_id)]
    services = {s.id: s for s in scheme.list_services(session, coop_id=g.coop.id)}
    providers = {p.id: p for p in scheme.list_providers(session, coop_id=g.coop.id)}
    return render_template("cheques/household.html", household=family, lots=lots, today=today,
                           card=session.get(ChequeCard, household_id),
                           usable=sum(left for lot, left in lots if lot.expires_on > today),
                           redemptions=service.household_redemptions(session, household_id=household_id),
                           expiries=[m for m in service.movements(session, household_id=household_id)
                                     if m.kind == "expire"],
                           services=services, providers=providers, service_label=service_label,
                           disputes=disputes.household_disputes(session, household_id=household_id),
                           DISPUTE_LABELS=DISPUTE_LABELS,
                           may_dispute=lambda r: "parent" in g.roles and disputes.may_dispute(
                               r, today=today, timezone=g.coop.timezone))


def _redeem_page(provider: Provider, *, values: dict, errors: dict, status: int = 200):
    session = get_session()
    month = local_today(g.coop.timezone).replace(day=1)
    done = service.provider_redemptions(session, coop_id=g.coop.id, provider_id=provider.id, month=month)
    offered = {link.service_id for link in scheme.provider_services(session, provider_id=provider.id)}
    services = [s for s in scheme.list_services(session, coop_id=g.coop.id) if s.id in offered]
    total = sum(r.cheques for r in done)
    reimbursement = total * scheme.get_scheme(session, coop_id=g.coop.id).reimbursement_cents
    cards = {card.household_id: card.code for card in session.exec(
        select(ChequeCard).where(col(ChequeCard.household_id).in_({r.household_id for r in done})))}
    return render_template("cheques/redeem.html", provider=provider, providers=my_providers(), services=services,
                           service_label=service_label, done=done, total=total, reimbursement=reimbursement,
                           month=month, cards=cards, values=values, errors=errors), status


@bp.route("/redeem", methods=["GET", "POST"])
@roles_required("provider")
def redeem(slug: str):
    session = get_session()
    today = local_today(g.coop.timezone)
    if not scheme.providers_of(session, coop_id=g.coop.id, person_id=current_user.id):
        return render_template("cheques/not_linked.html"), 403
    if request.method == "GET":
        fresh = {"idempotency_key": uuid.uuid4().hex, "used_on": today.isoformat(), "cheques": "1"}
        return _redeem_page(my_providers()[0], values=fresh, errors={})
    values = form_values(REDEEM_FIELDS)
    provider = my_providers()[0]
    try:
        provider_id, data = parse_redemption(values)
        provider = pick_provider(provider_id)
        redemption, _is_new = service.redeem(session, coop_id=g.coop.id, provider_id=provider.id, data=data,
                                             actor_id=current_user.id, today=today)
        session.commit()
    except DomainError as exc:
        session.rollback()
        errors = exc.fields or {"household_code": exc.message}
        return _redeem_page(provider, values=values, errors=errors, status=exc.status)
    flash(_("%(n)d cheques redeemed.", n=redemption.cheques), "success")
    return redirect(url_for("cheques.redeem", slug=slug))


@bp.route("/households/<int:household_id>/redemptions/<int:redemption_id>/dispute", methods=["POST"])
@roles_required("parent")
def dispute(slug: str, household_id: int, redemption_id: int):
    session = get_session()
    if household_id not in household_ids_of(session, coop_id=g.coop.id, person_id=current_user.id):
        abort(404)
    try:
        disputes.open_dispute(session, coop_id=g.coop.id, household_id=household_id, redemption_id=redemption_id,
                              reason=form_values(["reason"])["reason"], actor_id=current_user.id,
                              today=local_today(g.coop.timezone))
        session.commit()
        flash(_("Your dispute was sent to the coordinators."), "success")
    except (ValidationFailed, Conflict) as exc:  # an unknown redemption stays a 404
        session.rollback()
        flash(str(exc.fields.get("reason", exc.message)), "error")
    return redirect(url_for("cheques.household", slug=slug, household_id=household_id))


@bp.route("/disputes/<int:dispute_id>", methods=["POST"])
@roles_required("coordinator")
def resolve(slug: str, dispute_id: int):
    session = get_session()
    decision = form_values(["decision"])["decision"]
    if decision not in ("uphold", "reject"):
        abort(400)
    try:
        returned = disputes.resolve_dispute(session, coop_id=g.coop.id, dispute_id=dispute_id,
                                            uphold=decision == "uphold", actor_id=current_user.id,
                                            today=local_today(g.coop.timezone))
        session.commit()
        flash(_("Dispute resolved; %(n)d cheques given back.", n=returned), "success")
    except (ValidationFailed, Conflict) as exc:  # an unknown dispute stays a 404
        session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("cheques.index", slug=slug))


@bp.app_template_global("ledger_balances")
def ledger_balances(household_id: int) -> dict[str, int]:
    """A household's contribution (minutes) and usable cheques, for the home page card."""
    session = get_session()
    return {"minutes": credits_service.balance(session, household_id=household_id),
            "cheques": service.usable_balance(session, household_id=household_id,
                                              on=local_today(g.coop.timezone))}
