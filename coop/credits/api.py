"""JSON API of the contribution ledger: balances (coordinators), a household's history
(coordinators; parents for their own) and payments (coordinators, with an idempotency key)."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.credits import service
from coop.credits.models import CreditTransaction
from coop.db import get_session
from coop.forms import FieldParser, form_values
from coop.members.service import household_ids_of

bp = Blueprint("credits_api", __name__, url_prefix="/api/v1/coops/<slug>/credits")


def transaction_json(tx: CreditTransaction, minutes: int) -> dict:
    return {"id": tx.id, "kind": tx.kind, "key": tx.key, "on_date": tx.on_date.isoformat(), "minutes": minutes,
            "worked_minutes": tx.worked_minutes, "night_minutes": tx.night_minutes, "cents": tx.cents,
            "reverses_id": tx.reverses_id, "memo": tx.memo}


@bp.get("/balances")
@roles_required("coordinator")
def balances(slug: str):
    rows = service.balances(get_session(), coop_id=g.coop.id)
    return jsonify({"balances": [{"household_id": hid, "minutes": minutes} for hid, minutes in sorted(rows.items())]})


@bp.get("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    session = get_session()
    if "coordinator" not in g.roles and household_id not in household_ids_of(session, coop_id=g.coop.id,
                                                                             person_id=current_user.id):
        abort(404)
    lines = service.history(session, coop_id=g.coop.id, household_id=household_id)
    return jsonify({"household_id": household_id, "balance_minutes": lines[-1].balance_after if lines else 0,
                    "transactions": [transaction_json(line.transaction, line.minutes) for line in lines]})


@bp.post("/households/<int:household_id>/payments")
@roles_required("coordinator")
def record_payment(slug: str, household_id: int):
    session = get_session()
    values = form_values(["cents", "on_date", "memo", "idempotency_key"])
    p = FieldParser(values)
    cents = p.integer("cents", minimum=1, maximum=service.MAX_PAYMENT_CENTS)
    on_date = p.date("on_date")
    memo = p.text("memo", max_length=service.MAX_MEMO_LENGTH)
    p.raise_if_errors()
    assert on_date is not None
    tx = service.record_payment(session, coop_id=g.coop.id, household_id=household_id, cents=cents,
                                on_date=on_date, key=values["idempotency_key"], actor_id=current_user.id, memo=memo)
    minutes = sum(e.minutes for e in service.entries_of(session, tx.id) if e.account.startswith("household:"))
    session.commit()
    return jsonify(transaction_json(tx, minutes))
