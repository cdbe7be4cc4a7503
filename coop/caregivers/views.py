"""Caregiver profiles (coordinators) and availability (coordinators, and each caregiver
for their own)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.caregivers import service
from coop.caregivers.forms import (
    CAREGIVER_FIELDS,
    EXCEPTION_FIELDS,
    WINDOW_FIELDS,
    caregiver_values,
    parse_caregiver,
    parse_exception,
    parse_window,
)
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import form_values
from coop.members import service as members_service

bp = Blueprint("caregivers", __name__, url_prefix="/c/<slug>/caregivers")
CAREGIVER_ROLES = ("coordinator", "staff", "professional", "parent")


def _may_edit_availability(caregiver_id: int) -> None:
    if "coordinator" in g.roles:
        return
    own = service.caregiver_of(get_session(), coop_id=g.coop.id, person_id=current_user.id)
    if own is None or own.id != caregiver_id:
        abort(404)


@bp.route("/")
@roles_required("coordinator")
def index(slug: str):
    return render_template("caregivers/index.html", rows=service.list_caregivers(get_session(), coop_id=g.coop.id))


@bp.route("/new", methods=["GET", "POST"], defaults={"caregiver_id": None})
@bp.route("/<int:caregiver_id>/edit", methods=["GET", "POST"])
@roles_required("coordinator")
def edit(slug: str, caregiver_id: int | None):
    session = get_session()
    values: dict = {"kind": "volunteer"}
    if caregiver_id is not None:
        values = caregiver_values(service.get_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id))
    context = {"members": members_service.list_members(session, coop_id=g.coop.id),
               "households": members_service.list_households(session, coop_id=g.coop.id),
               "caregiver_id": caregiver_id}
    if request.method == "POST":
        values = form_values(CAREGIVER_FIELDS)
        try:
            profile = service.save_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                             data=parse_caregiver(values), actor_id=current_user.id)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=profile.id))
        except DomainError as exc:
            session.rollback()
            return render_template("caregivers/form.html", values=values, errors=exc.fields, **context), exc.status
    return render_template("caregivers/form.html", values=values, errors={}, **context)


@bp.route("/me")
@roles_required(*CAREGIVER_ROLES)
def my_profile(slug: str):
    own = service.caregiver_of(get_session(), coop_id=g.coop.id, person_id=current_user.id)
    if own is None:
        abort(404)
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=own.id))


@bp.route("/<int:caregiver_id>/availability")
@roles_required(*CAREGIVER_ROLES)
def availability(slug: str, caregiver_id: int, errors: dict | None = None, values: dict | None = None):
    _may_edit_availability(caregiver_id)
    session = get_session()
    profile = service.get_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id)
    return render_template("caregivers/availability.html", profile=profile,
                           windows=service.windows(session, caregiver_id=profile.id),
                           exceptions=service.exceptions(session, caregiver_id=profile.id),
                           errors=errors or {}, values=values or {})


@bp.route("/<int:caregiver_id>/windows", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def add_window(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    values = form_values(WINDOW_FIELDS)
    try:
        service.add_window(session, coop_id=g.coop.id, caregiver_id=caregiver_id, **parse_window(values))
        session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        session.rollback()
        return availability(slug, caregiver_id, errors=exc.fields, values=values), exc.status
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))


@bp.route("/<int:caregiver_id>/windows/<int:window_id>/delete", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def remove_window(slug: str, caregiver_id: int, window_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    service.remove_window(session, coop_id=g.coop.id, caregiver_id=caregiver_id, window_id=window_id)
    session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))


@bp.route("/<int:caregiver_id>/exceptions", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def add_exception(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    values = form_values(EXCEPTION_FIELDS)
    try:
        service.add_exception(session, coop_id=g.coop.id, caregiver_id=caregiver_id, **parse_exception(values))
        session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        session.rollback()
        return availability(slug, caregiver_id, errors=exc.fields, values=values), exc.status
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))


@bp.route("/<int:caregiver_id>/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def remove_exception(slug: str, caregiver_id: int, exception_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    service.remove_exception(session, coop_id=g.coop.id, caregiver_id=caregiver_id, exception_id=exception_id)
    session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))
