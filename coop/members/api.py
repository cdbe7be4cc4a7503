"""JSON API for households and children (coordinators; parents for their own family)."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.db import get_session
from coop.forms import form_values
from coop.members import children as children_service
from coop.members import service
from coop.members.forms import CHILD_FIELDS, HOUSEHOLD_FIELDS, parse_child, parse_household
from coop.members.models import Child, Household

bp = Blueprint("members_api", __name__, url_prefix="/api/c/<slug>")


def household_json(h: Household) -> dict:
    return {"id": h.id, "name": h.name, "address": h.address, "phone": h.phone,
            "has_protected_address": h.has_protected_address, "is_single_parent": h.is_single_parent,
            "single_parent_since": h.single_parent_since.isoformat() if h.single_parent_since else None,
            "pledge_minutes": h.pledge_minutes, "pledge_cents": h.pledge_cents}


def child_json(c: Child) -> dict:
    return {"id": c.id, "household_id": c.household_id, "first_name": c.first_name, "last_name": c.last_name,
            "birth_date": c.birth_date.isoformat(), "needs_inclusive_care": c.needs_inclusive_care,
            "allergies": c.allergies}


def _check_household_access(household_id: int) -> None:
    if "coordinator" not in g.roles and household_id not in service.household_ids_of(
            get_session(), coop_id=g.coop.id, person_id=current_user.id):
        abort(404)


@bp.get("/households")
@roles_required("coordinator")
def list_households(slug: str):
    return jsonify({"households": [household_json(h) for h in
                                   service.list_households(get_session(), coop_id=g.coop.id)]})


@bp.get("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def get_household(slug: str, household_id: int):
    _check_household_access(household_id)
    session = get_session()
    household = service.read_household(session, coop_id=g.coop.id, household_id=household_id,
                                       actor_id=current_user.id)
    body = household_json(household)
    body["children"] = [child_json(c) for c in service.household_children(session, household_id=household.id)]
    session.commit()
    return jsonify(body)


@bp.post("/households")
@roles_required("coordinator")
def create_household(slug: str):
    session = get_session()
    household = service.save_household(session, coop_id=g.coop.id, household_id=None,
                                       data=parse_household(form_values(HOUSEHOLD_FIELDS)), actor_id=current_user.id)
    session.commit()
    return jsonify(household_json(household)), 201


@bp.put("/households/<int:household_id>")
@roles_required("coordinator")
def update_household(slug: str, household_id: int):
    session = get_session()
    household = service.save_household(session, coop_id=g.coop.id, household_id=household_id,
                                       data=parse_household(form_values(HOUSEHOLD_FIELDS)), actor_id=current_user.id)
    session.commit()
    return jsonify(household_json(household))


@bp.post("/households/<int:household_id>/children")
@roles_required("coordinator", "parent")
def create_child(slug: str, household_id: int):
    _check_household_access(household_id)
    session = get_session()
    child = children_service.save_child(session, coop_id=g.coop.id, household_id=household_id, child_id=None,
                                        data=parse_child(form_values(CHILD_FIELDS)), actor_id=current_user.id,
                                        today=local_today(g.coop.timezone))
    session.commit()
    return jsonify(child_json(child)), 201
