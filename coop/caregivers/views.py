"""Caregiver profiles (coordinators) and availability (coordinators, and each caregiver
for their own)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.caregivers import availability as availability_service
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
from coop.errors import Conflict, ValidationFailed
from coop.forms import form_values
from coop.members import service as members_service

bp = Blueprint("caregivers", __name__, url_prefix="/c/<slug>/caregivers")
CAREGIVER_ROLES = ("coordinator", "staff", "professional", "parent")


def _may_edit_availability(caregiver_id: int) -> None:
    if not service.may_edit_availability(get_session(), coop_id=g.coop.id, caregiver_id=caregiver_id,
                                         person_id=current_user.id, roles=g.roles):
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
        except (ValidationFailed, Conflict) as exc:
            session.rollback()
            return render_template("caregivers/form.html", values=values, errors=exc.fields, **context), exc.status
    values: dict = {"kind": "volunteer"}
    if caregiver_id is not None:
        profile, _person = service.read_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                                  actor_id=current_user.id)
        values = caregiver_values(profile)
        session.commit()
    return render_template("caregivers/form.html", values=values, errors={}, **context)


@bp.route("/me")
@roles_required(*CAREGIVER_ROLES)
def my_profile(slug: str):
    own = service.caregiver_of(get_session(), coop_id=g.coop.id, person_id=current_user.id)
    if own is None:
        abort(404)
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=own.id))


def _availability_page(caregiver_id: int, *, errors: dict | None = None, values: dict | None = None,
                       status: int = 200):
    """The availability page; after a refused window or exception it shows the message next
    to the field and what was typed."""
    session = get_session()
    profile, person = service.read_caregiver(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                             actor_id=current_user.id)
    page = render_template("caregivers/availability.html", profile=profile, person=person,
                           windows=availability_service.windows(session, caregiver_id=profile.id),
                           exceptions=availability_service.exceptions(session, caregiver_id=profile.id),
                           errors=errors or {}, values=values or {})
    session.commit()
    return page, status


@bp.route("/<int:caregiver_id>/availability")
@roles_required(*CAREGIVER_ROLES)
def availability(slug: str, caregiver_id: int):
    _may_edit_availability(caregiver_id)
    return _availability_page(caregiver_id)


def _add_availability(slug: str, caregiver_id: int, fields: list[str], parse: Callable[[dict], dict],
                      add: Callable[..., object]):
    """Post one window or exception; a refusal shows the page again with the message and the
    values typed."""
    _may_edit_availability(caregiver_id)
    session = get_session()
    values = form_values(fields)
    try:
        add(session, coop_id=g.coop.id, caregiver_id=caregiver_id, actor_id=current_user.id, **parse(values))
        session.commit()
        flash(_("Saved."), "success")
    except ValidationFailed as exc:
        session.rollback()
        return _availability_page(caregiver_id, errors=exc.fields, values=values, status=exc.status)
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))


@bp.route("/<int:caregiver_id>/windows", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def add_window(slug: str, caregiver_id: int):
    return _add_availability(slug, caregiver_id, WINDOW_FIELDS, parse_window, availability_service.add_window)


@bp.route("/<int:caregiver_id>/windows/<int:window_id>/delete", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def remove_window(slug: str, caregiver_id: int, window_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    availability_service.remove_window(session, coop_id=g.coop.id, caregiver_id=caregiver_id, window_id=window_id,
                                       actor_id=current_user.id)
    session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))


@bp.route("/<int:caregiver_id>/exceptions", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def add_exception(slug: str, caregiver_id: int):
    return _add_availability(slug, caregiver_id, EXCEPTION_FIELDS, parse_exception, availability_service.add_exception)


@bp.route("/<int:caregiver_id>/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def remove_exception(slug: str, caregiver_id: int, exception_id: int):
    _may_edit_availability(caregiver_id)
    session = get_session()
    availability_service.remove_exception(session, coop_id=g.coop.id, caregiver_id=caregiver_id,
                                          exception_id=exception_id, actor_id=current_user.id)
    session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("caregivers.availability", slug=slug, caregiver_id=caregiver_id))
