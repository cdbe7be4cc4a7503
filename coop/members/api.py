"""JSON API for households, children and pick-up persons (coordinators; parents for their own
family), and for members, their roles and invitations (coordinators)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, url_for
from flask_login import current_user

from coop.auth import service as auth_service
from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.credits.pledges import save_household_with_pledge
from coop.db import get_session
from coop.forms import form_values
from coop.members import children as children_service
from coop.members import pickups as pickups_service
from coop.members import service
from coop.members.forms import (
    CHILD_FIELDS,
    HOUSEHOLD_FIELDS,
    INVITATION_FIELDS,
    PICKUP_FIELDS,
    parse_child,
    parse_household,
    parse_invitation,
    parse_pickup,
)
from coop.members.models import Child, Household, PickupPerson

bp = Blueprint("members_api", __name__, url_prefix="/api/v1/coops/<slug>")


def household_json(h: Household) -> dict:
    return {"id": h.id, "name": h.name, "address": h.address, "phone": h.phone,
            "has_protected_address": h.has_protected_address, "is_single_parent": h.is_single_parent,
            "single_parent_since": h.single_parent_since.isoformat() if h.single_parent_since else None,
            "pledge_minutes": h.pledge_minutes, "pledge_cents": h.pledge_cents}


def child_json(c: Child) -> dict:
    return {"id": c.id, "household_id": c.household_id, "first_name": c.first_name, "last_name": c.last_name,
            "birth_date": c.birth_date.isoformat(), "needs_inclusive_care": c.needs_inclusive_care,
            "allergies": c.allergies, "notes": c.notes}


def pickup_json(p: PickupPerson) -> dict:
    return {"id": p.id, "child_id": p.child_id, "name": p.name, "relation": p.relation, "phone": p.phone,
            "is_barred": p.is_barred}


def _check_household_access(household_id: int) -> None:
    if not service.may_see_household(get_session(), coop_id=g.coop.id, household_id=household_id,
                                     person_id=current_user.id, roles=g.roles):
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
    body["children"] = [child_json(c) for c in children_service.read_children(
        session, coop_id=g.coop.id, household_id=household.id, actor_id=current_user.id)]
    session.commit()
    return jsonify(body)


@bp.post("/households")
@roles_required("coordinator")
def create_household(slug: str):
    session = get_session()
    household = save_household_with_pledge(session, coop_id=g.coop.id, household_id=None,
                                           data=parse_household(form_values(HOUSEHOLD_FIELDS)),
                                           actor_id=current_user.id, today=local_today(g.coop.timezone))
    session.commit()
    return jsonify(household_json(household)), 201


@bp.put("/households/<int:household_id>")
@roles_required("coordinator")
def update_household(slug: str, household_id: int):
    session = get_session()
    household = save_household_with_pledge(session, coop_id=g.coop.id, household_id=household_id,
                                           data=parse_household(form_values(HOUSEHOLD_FIELDS)),
                                           actor_id=current_user.id, today=local_today(g.coop.timezone))
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


@bp.get("/households/<int:household_id>/children")
@roles_required("coordinator", "parent")
def list_children(slug: str, household_id: int):
    _check_household_access(household_id)
    session = get_session()
    kids = children_service.read_children(session, coop_id=g.coop.id, household_id=household_id,
                                          actor_id=current_user.id)
    session.commit()
    return jsonify({"children": [child_json(c) for c in kids]})


@bp.get("/households/<int:household_id>/children/<int:child_id>")
@roles_required("coordinator", "parent")
def get_child(slug: str, household_id: int, child_id: int):
    _check_household_access(household_id)
    session = get_session()
    child = children_service.read_child(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                        actor_id=current_user.id)
    session.commit()
    return jsonify(child_json(child))


@bp.put("/households/<int:household_id>/children/<int:child_id>")
@roles_required("coordinator", "parent")
def update_child(slug: str, household_id: int, child_id: int):
    _check_household_access(household_id)
    session = get_session()
    child = children_service.save_child(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                        data=parse_child(form_values(CHILD_FIELDS)), actor_id=current_user.id,
                                        today=local_today(g.coop.timezone))
    session.commit()
    return jsonify(child_json(child))


@bp.get("/households/<int:household_id>/children/<int:child_id>/pickup")
@roles_required("coordinator", "parent")
def list_pickup(slug: str, household_id: int, child_id: int):
    _check_household_access(household_id)
    session = get_session()
    rows = pickups_service.read_pickup_persons(session, coop_id=g.coop.id, household_id=household_id,
                                               child_id=child_id, actor_id=current_user.id)
    session.commit()
    return jsonify({"pickup_persons": [pickup_json(p) for p in rows]})


@bp.post("/households/<int:household_id>/children/<int:child_id>/pickup")
@roles_required("coordinator", "parent")
def add_pickup(slug: str, household_id: int, child_id: int):
    _check_household_access(household_id)
    session = get_session()
    person = pickups_service.add_pickup_person(session, coop_id=g.coop.id, household_id=household_id,
                                               child_id=child_id, actor_id=current_user.id,
                                               **parse_pickup(form_values(PICKUP_FIELDS)))
    session.commit()
    return jsonify(pickup_json(person)), 201


@bp.delete("/households/<int:household_id>/children/<int:child_id>/pickup/<int:pickup_id>")
@roles_required("coordinator", "parent")
def remove_pickup(slug: str, household_id: int, child_id: int, pickup_id: int):
    _check_household_access(household_id)
    session = get_session()
    pickups_service.remove_pickup_person(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                         pickup_id=pickup_id, actor_id=current_user.id)
    session.commit()
    return "", 204


@bp.get("/members")
@roles_required("coordinator")
def list_members(slug: str):
    rows = service.list_members(get_session(), coop_id=g.coop.id)
    return jsonify({"members": [
        {"person_id": row.person.id, "name": row.person.display_name, "email": row.person.email,
         "roles": [{"id": m.id, "role": m.role, "household_id": m.household_id} for m in row.roles]}
        for row in rows]})


@bp.post("/invitations")
@roles_required("coordinator")
def create_invitation(slug: str):
    session = get_session()
    token = auth_service.create_invitation(
        session, actor_id=current_user.id, coop_id=g.coop.id, **parse_invitation(form_values(INVITATION_FIELDS)),
        valid_days=current_app.extensions["coop.settings"].invitation_valid_days)
    session.commit()
    return jsonify({"link": url_for("auth.accept_invitation", token=token, _external=True)}), 201


@bp.delete("/memberships/<int:membership_id>")
@roles_required("coordinator")
def remove_membership(slug: str, membership_id: int):
    session = get_session()
    service.remove_membership(session, coop_id=g.coop.id, membership_id=membership_id, actor_id=current_user.id)
    session.commit()
    return "", 204
