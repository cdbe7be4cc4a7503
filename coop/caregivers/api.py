"""JSON API for caregiver profiles (coordinators)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.caregivers import service
from coop.caregivers.forms import CAREGIVER_FIELDS, parse_caregiver
from coop.caregivers.models import CaregiverProfile
from coop.db import get_session
from coop.forms import form_values

bp = Blueprint("caregivers_api", __name__, url_prefix="/api/c/<slug>")


def caregiver_json(c: CaregiverProfile, name: str) -> dict:
    return {"id": c.id, "person_id": c.person_id, "name": name, "kind": c.kind, "household_id": c.household_id,
            "qualifications": [q for q in ("has_first_aid", "has_infant_care", "has_inclusive_care",
                                           "is_night_certified") if getattr(c, q)],
            "contract_minutes_per_week": c.contract_minutes_per_week}


@bp.get("/caregivers")
@roles_required("coordinator")
def list_caregivers(slug: str):
    rows = service.list_caregivers(get_session(), coop_id=g.coop.id)
    return jsonify({"caregivers": [caregiver_json(c, p.display_name) for c, p in rows]})


@bp.post("/caregivers")
@roles_required("coordinator")
def create_caregiver(slug: str):
    session = get_session()
    profile = service.save_caregiver(session, coop_id=g.coop.id, caregiver_id=None,
                                     data=parse_caregiver(form_values(CAREGIVER_FIELDS)), actor_id=current_user.id)
    session.commit()
    return jsonify(caregiver_json(profile, "")), 201
