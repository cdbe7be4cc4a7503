"""Households, children, pick-up rules (coordinators; parents for their own family) and
the member list with invitations (coordinators)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth import service as auth_service
from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import form_values
from coop.members import children as children_service
from coop.members import service
from coop.members.forms import (
    CHILD_FIELDS,
    HOUSEHOLD_FIELDS,
    PICKUP_FIELDS,
    child_values,
    household_values,
    parse_child,
    parse_household,
    parse_pickup,
)
from coop.members.models import ROLES

bp = Blueprint("members", __name__, url_prefix="/c/<slug>")


def _may_see_household(household_id: int) -> None:
    """Coordinators see every household; a parent only their own (others: 404)."""
    if "coordinator" in g.roles:
        return
    if household_id not in service.household_ids_of(get_session(), coop_id=g.coop.id, person_id=current_user.id):
        abort(404)


@bp.route("/households")
@roles_required("coordinator")
def households(slug: str):
    return render_template("members/households.html",
                           households=service.list_households(get_session(), coop_id=g.coop.id))


@bp.route("/households/new", methods=["GET", "POST"], defaults={"household_id": None})
@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_household(slug: str, household_id: int | None):
    session = get_session()
    values: dict = {}
    if household_id is not None:
        values = household_values(service.read_household(session, coop_id=g.coop.id, household_id=household_id,
                                                         actor_id=current_user.id))
        session.commit()
    if request.method == "POST":
        values = form_values(HOUSEHOLD_FIELDS)
        try:
            household = service.save_household(session, coop_id=g.coop.id, household_id=household_id,
                                               data=parse_household(values), actor_id=current_user.id)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("members.household", slug=slug, household_id=household.id))
        except DomainError as exc:
            session.rollback()
            return render_template("members/household_form.html", values=values, errors=exc.fields,
                                   household_id=household_id), exc.status
    return render_template("members/household_form.html", values=values, errors={}, household_id=household_id)


@bp.route("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    _may_see_household(household_id)
    session = get_session()
    household = service.read_household(session, coop_id=g.coop.id, household_id=household_id,
                                       actor_id=current_user.id)
    kids = service.household_children(session, household_id=household.id)
    pickups = {kid.id: children_service.pickup_persons(session, child_id=kid.id) for kid in kids}
    session.commit()
    return render_template("members/household.html", household=household, kids=kids, pickups=pickups)


@bp.route("/households/<int:household_id>/children/new", methods=["GET", "POST"], defaults={"child_id": None})
@bp.route("/households/<int:household_id>/children/<int:child_id>", methods=["GET", "POST"])
@roles_required("coordinator", "parent")
def edit_child(slug: str, household_id: int, child_id: int | None):
    _may_see_household(household_id)
    session = get_session()
    values: dict = {}
    if child_id is not None:
        child = children_service.get_child(session, coop_id=g.coop.id, child_id=child_id)
        if child.household_id != household_id:
            abort(404)
        values = child_values(child)
    if request.method == "POST":
        values = form_values(CHILD_FIELDS)
        try:
            children_service.save_child(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                        data=parse_child(values), actor_id=current_user.id,
                                        today=local_today(g.coop.timezone))
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("members.household", slug=slug, household_id=household_id))
        except DomainError as exc:
            session.rollback()
            return render_template("members/child_form.html", values=values, errors=exc.fields,
                                   household_id=household_id, child_id=child_id), exc.status
    return render_template("members/child_form.html", values=values, errors={}, household_id=household_id,
                           child_id=child_id)


@bp.route("/households/<int:household_id>/children/<int:child_id>/pickup", methods=["POST"])
@roles_required("coordinator", "parent")
def add_pickup(slug: str, household_id: int, child_id: int):
    _may_see_household(household_id)
    session = get_session()
    child = children_service.get_child(session, coop_id=g.coop.id, child_id=child_id)
    if child.household_id != household_id:
        abort(404)
    try:
        children_service.add_pickup_person(session, coop_id=g.coop.id, child_id=child.id,
                                           actor_id=current_user.id, **parse_pickup(form_values(PICKUP_FIELDS)))
        session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        session.rollback()
        flash(" ".join(str(m) for m in exc.fields.values()) or str(exc.message), "error")
    return redirect(url_for("members.household", slug=slug, household_id=household_id) + f"#child-{child.id}")


@bp.route("/households/<int:household_id>/children/<int:child_id>/pickup/<int:pickup_id>/delete",
          methods=["POST"])
@roles_required("coordinator", "parent")
def remove_pickup(slug: str, household_id: int, child_id: int, pickup_id: int):
    _may_see_household(household_id)
    session = get_session()
    child = children_service.get_child(session, coop_id=g.coop.id, child_id=child_id)
    if child.household_id != household_id:
        abort(404)
    children_service.remove_pickup_person(session, coop_id=g.coop.id, child_id=child.id, pickup_id=pickup_id,
                                          actor_id=current_user.id)
    session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("members.household", slug=slug, household_id=household_id))


@bp.route("/members")
@roles_required("coordinator")
def people(slug: str):
    return render_template("members/people.html", members=service.list_members(get_session(), coop_id=g.coop.id))


@bp.route("/members/roles/<int:membership_id>/delete", methods=["POST"])
@roles_required("coordinator")
def remove_role(slug: str, membership_id: int):
    session = get_session()
    try:
        service.remove_membership(session, coop_id=g.coop.id, membership_id=membership_id, actor_id=current_user.id)
        session.commit()
        flash(_("Removed."), "success")
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("members.people", slug=slug))


@bp.route("/members/<int:person_id>/reset-link", methods=["POST"])
@roles_required("coordinator")
def reset_link(slug: str, person_id: int):
    """A coordinator makes a password link for a member who cannot receive mail."""
    session = get_session()
    member = service.get_member(session, coop_id=g.coop.id, person_id=person_id)
    result = auth_service.request_password_reset(
        session, email=member.person.email,
        valid_minutes=current_app.extensions["coop.settings"].password_reset_valid_minutes)
    session.commit()
    link = url_for("auth.reset_password", token=result[1], _external=True) if result else None
    return render_template("members/link.html", link=link, person=member.person,
                           title=_("Password link for %(name)s", name=member.person.display_name))


@bp.route("/invite", methods=["GET", "POST"])
@roles_required("coordinator")
def invite(slug: str):
    session = get_session()
    households = service.list_households(session, coop_id=g.coop.id)
    values, errors = {"role": "parent"}, {}
    if request.method == "POST":
        values = form_values(["email", "role", "household_id"])
        try:
            household_id = int(values["household_id"]) if values["household_id"].isdigit() else None
            token = auth_service.create_invitation(
                session, coop_id=g.coop.id, email=values["email"], role=values["role"], household_id=household_id,
                actor_id=current_user.id, valid_days=current_app.extensions["coop.settings"].invitation_valid_days)
            session.commit()
            link = url_for("auth.accept_invitation", token=token, _external=True)
            return render_template("members/link.html", link=link, person=None,
                                   title=_("Invitation for %(email)s", email=values["email"]))
        except DomainError as exc:
            session.rollback()
            errors = exc.fields or {"email": exc.message}
            return render_template("members/invite.html", values=values, errors=errors, households=households,
                                   roles=ROLES), exc.status
    return render_template("members/invite.html", values=values, errors=errors, households=households, roles=ROLES)
