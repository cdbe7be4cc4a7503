"""JSON API for caregiver profiles (coordinators) and availability (coordinators, and each
caregiver for their own)."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify
from flask_login import current_user

from coop.auth.models import Person
from coop.auth.permissions import roles_required
from coop.caregivers import availability as availability_service
from coop.caregivers import service
from coop.caregivers.forms import (
    CAREGIVER_FIELDS,
    EXCEPTION_FIELDS,
    WINDOW_FIELDS,
    parse_caregiver,
    parse_exception,
    parse_window,
)
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.db import get_session
from coop.forms import form_values

bp = Blueprint("caregivers_api", __name__, url_prefix="/api/v1/coops/<slug>")
CAREGIVER_ROLES = ("coordinator", "staff", "professional", "parent")


def caregiver_json(c: CaregiverProfile, person: Person) -> dict:
    return {"id": c.id, "person_id": c.person_id, "name": person.display_name, "kind": c.kind,
            "household_id": c.household_id,
            "qualifications": [q for q in ("has_first_aid", "has_infant_care", "has_inclusive_care",
                                           "is_night_certified") if getattr(c, q)],
            "contract_minutes_per_week": c.contract_minutes_per_week}


def window_json(w: AvailabilityWindow) -> dict:
    """Minutes from the start of ``weekday``; ``end_minute`` above 1440 is the next morning."""
    return {"id": w.id, "weekday": w.weekday, "start_minute": w.start_minute, "end_minute": w.end_minute,
            "start": f"{w.start_minute // 60:02d}:{w.start_minute % 60:02d}",
            "end": f"{w.end_minute % 1440 // 60:02d}:{w.end_minute % 60:02d}",
            "ends_next_day": w.end_minute > 1440}


def exception_json(e: AvailabilityException) -> dict:
    return {"id": e.id, "start_date": e.start_date.isoformat(), "end_date": e.end_date.isoformat(),
            "is_available": e.is_available, "note": e.note}


def _may_edit_availability(caregiver_id: int) -> None:
    if not service.may_edit_availability(get_session(), coop_id=g.coop.id, caregiver_id=caregiver_id,
                                         person_id=current_user.id, roles=g.roles):
        abort(404)


@bp.get("/caregivers")
@roles_required("coordinator")
def list_caregivers(slug: str):
    rows = service.list_caregivers(get_session(), coop_id=g.coop.id)
    return jsonify({"caregivers": [caregiver_json(c, p) for c, p in rows]})


@bp.get("/caregivers/<int:caregiver_id>")
@roles_required("coordinator")
def get_caregiver(slug: str, caregiver_id: int):
    session = get_session()
    profile, person = service.read_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                             actor_id=current_user.id)
    session.commit()
    return jsonify(caregiver_json(profile, person))


@bp.post("/caregivers")
@roles_required("coordinator")
def create_caregiver(slug: str):
    session = get_session()
    profile = service.save_caregiver(session, coop_id=g.coop.id, caregiver_id=None,
                                     data=parse_caregiver(form_values(CAREGIVER_FIELDS)), actor_id=current_user.id)
    session.commit()
    return jsonify(caregiver_json(profile, session.get(Person, profile.person_id))), 201


@bp.put("/caregivers/<int:caregiver_id>")
@roles_required("coordinator")
def update_caregiver(slug: str, caregiver_id: int):
    session = get_session()
    profile = service.save_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                     data=parse_caregiver(form_values(CAREGIVER_FIELDS)), actor_id=current_user.id)
    session.commit()
    return jsonify(caregiver_json(profile, session.get(Person, profile.person_id)))


@bp.get("/caregivers/<int:caregiver_id>/availability")
@roles_required(*CAREGIVER_ROLES)
def get_availability(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    profile, _person = service.read_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                              actor_id=current_user.id)
    body = {"windows": [window_json(w) for w in availability_service.windows(session, caregiver_id=profile.id)],
            "exceptions": [exception_json(e) for e in availability_service.exceptions(session,
                                                                                      caregiver_id=profile.id)]}
    session.commit()
    return jsonify(body)


@bp.post("/caregivers/<int:caregiver_id>/windows")
@roles_required(*CAREGIVER_ROLES)
def add_window(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    window = availability_service.add_window(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                             actor_id=current_user.id, **parse_window(form_values(WINDOW_FIELDS)))
    session.commit()
    return jsonify(window_json(window)), 201


@bp.delete("/caregivers/<int:caregiver_id>/windows/<int:window_id>")
@roles_required(*CAREGIVER_ROLES)
def remove_window(slug: str, caregiver_id: int, window_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    availability_service.remove_window(session, coop_id=g.coop.id, caregiver_id=caregiver_id, window_id=window_id,
                                       actor_id=current_user.id)
    session.commit()
    return "", 204


@bp.post("/caregivers/<int:caregiver_id>/exceptions")
@roles_required(*CAREGIVER_ROLES)
def add_exception(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    row = availability_service.add_exception(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                             actor_id=current_user.id,
                                             **parse_exception(form_values(EXCEPTION_FIELDS)))
    session.commit()
    return jsonify(exception_json(row)), 201


@bp.delete("/caregivers/<int:caregiver_id>/exceptions/<int:exception_id>")
@roles_required(*CAREGIVER_ROLES)
def remove_exception(slug: str, caregiver_id: int, exception_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    availability_service.remove_exception(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                          exception_id=exception_id, actor_id=current_user.id)
    session.commit()
    return "", 204
