"""JSON API of the respite cheques. ``POST /api/v1/coops/<slug>/cheques/redemptions``: a new
redemption answers 201, an identical replay of its ``idempotency_key`` 200 with the same
redemption, another body under the same key 409 ``idempotency_mismatch``, too few cheques
409 ``insufficient_cheques``."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from flask_login import current_user

from coop.auth.permissions import own_household_ids, roles_required
from coop.cheques import allocation, scheme, service
from coop.cheques.models import ChequeRedemption
from coop.cheques.views import REDEEM_FIELDS, parse_redemption, pick_provider
from coop.clock import local_today
from coop.db import get_session
from coop.forms import FieldParser, form_values
from coop.members.service import get_household

bp = Blueprint("cheques_api", __name__, url_prefix="/api/v1/coops/<slug>/cheques")


def redemption_json(r: ChequeRedemption) -> dict:
    return {"id": r.id, "provider_id": r.provider_id, "service_id": r.service_id, "cheques": r.cheques,
            "used_on": r.used_on.isoformat(), "idempotency_key": r.idempotency_key}


@bp.post("/redemptions")
@roles_required("provider")
def create_redemption(slug: str):
    session = get_session()
    provider_id, data = parse_redemption(form_values(REDEEM_FIELDS))
    provider = pick_provider(provider_id)
    redemption, is_new = service.redeem(session, coop_id=g.coop.id, provider_id=provider.id, data=data,
                                        actor_id=current_user.id, today=local_today(g.coop.timezone))
    session.commit()
    return jsonify(redemption_json(redemption)), 201 if is_new else 200


@bp.get("/redemptions")
@roles_required("provider")
def list_redemptions(slug: str):
    p = FieldParser({"month": request.args.get("month", "")[:7] + "-01" if request.args.get("month") else ""})
    month = p.date("month", required=False) or local_today(g.coop.timezone).replace(day=1)
    p.raise_if_errors()
    provider = pick_provider(FieldParser(dict(request.args)).integer("provider_id", minimum=1, required=False))
    done = service.provider_redemptions(get_session(), coop_id=g.coop.id, provider_id=provider.id, month=month)
    cheques = sum(r.cheques for r in done)
    rate = scheme.get_scheme(get_session(), coop_id=g.coop.id).reimbursement_cents
    return jsonify({"month": month.strftime("%Y-%m"), "provider_id": provider.id, "cheques": cheques,
                    "reimbursement_cents": cheques * rate, "redemptions": [redemption_json(r) for r in done]})


@bp.get("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    session = get_session()
    if "coordinator" not in g.roles and household_id not in own_household_ids():
        abort(404)
    get_household(session, coop_id=g.coop.id, household_id=household_id)
    today = local_today(g.coop.timezone)
    lots = allocation.lot_remainders(session, household_id=household_id)
    return jsonify({"household_id": household_id, "balance": sum(left for _, left in lots),
                    "usable": sum(left for lot, left in lots if lot.expires_on > today),
                    "lots": [{"period": lot.period.strftime("%Y-%m"), "allocated": lot.allocated, "left": left,
                              "expires_on": lot.expires_on.isoformat()} for lot, left in lots],
                    "redemptions": [redemption_json(r) for r in
                                    service.household_redemptions(session, household_id=household_id)]})
