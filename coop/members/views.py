"""Households, children, pick-up rules (coordinators; parents for their own family) and
the member list with invitations (coordinators)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth import service as auth_service
from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.credits.pledges import save_household_with_pledge
from coop.db import get_session
from coop.errors import Conflict, DomainError, ValidationFailed
from coop.forms import form_values
from coop.members import children as children_service
from coop.members import pickups as pickups_service
from coop.members import service
from coop.members.forms import (
    CHILD_FIELDS,
    HOUSEHOLD_FIELDS,
    INVITATION_FIELDS,
    PICKUP_FIELDS,
    child_values,
    household_values,
    parse_child,
    parse_household,
    parse_invitation,
    parse_pickup,
)
from coop.members.models import ROLES

bp = Blueprint("members", __name__, url_prefix="/c/<slug>")


def _may_see_household(household_id: int) -> None:
    if not service.may_see_household(get_session(), coop_id=g.coop.id, household_id=household_id,
                                     person_id=current_user.id, roles=g.roles):
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
    if request.method == "POST":
        values = form_values(HOUSEHOLD_FIELDS)
        try:
            household = save_household_with_pledge(session, coop_id=g.coop.id, household_id=household_id,
                                                   data=parse_household(values), actor_id=current_user.id,
                                                   today=local_today(g.coop.timezone))
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("members.household", slug=slug, household_id=household.id))
        except (ValidationFailed, Conflict) as exc:
            session.rollback()
            return render_template("members/household_form.html", values=values, errors=exc.fields,
                                   household_id=household_id), exc.status
    values: dict = {}
    if household_id is not None:
        values = household_values(service.read_household(session, coop_id=g.coop.id, household_id=household_id,
                                                         actor_id=current_user.id))
        session.commit()
    return render_template("members/household_form.html", values=values, errors={}, household_id=household_id)


def _household_page(household_id: int, *, pickup_errors: dict | None = None, pickup_values: dict | None = None,
                    status: int = 200):
    """The household page; after a refused pick-up person, that child's form shows the
    message and what was typed."""
    session = get_session()
    household = service.read_household(session, coop_id=g.coop.id, household_id=household_id,
                                       actor_id=current_user.id)
    kids = children_service.read_children(session, coop_id=g.coop.id, household_id=household.id,
                                          actor_id=current_user.id)
    pickups = {kid.id: pickups_service.read_pickup_persons(session, coop_id=g.coop.id, household_id=household.id,
                                                           child_id=kid.id, actor_id=current_user.id)
               for kid in kids}
    parents = service.household_parents(session, household_id=household.id)
    session.commit()
    return render_template("members/household.html", household=household, kids=kids, pickups=pickups, parents=parents,
                           pickup_errors=pickup_errors or {}, pickup_values=pickup_values or {}), status


@bp.route("/households/<int:household_id>")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    _may_see_household(household_id)
    return _household_page(household_id)


@bp.route("/households/<int:household_id>/children/new", methods=["GET", "POST"], defaults={"child_id": None})
@bp.route("/households/<int:household_id>/children/<int:child_id>", methods=["GET", "POST"])
@roles_required("coordinator", "parent")
def edit_child(slug: str, household_id: int, child_id: int | None):
    _may_see_household(household_id)
    session = get_session()
    if request.method == "POST":
        values = form_values(CHILD_FIELDS)
        try:
            children_service.save_child(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                        data=parse_child(values), actor_id=current_user.id,
                                        today=local_today(g.coop.timezone))
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("members.household", slug=slug, household_id=household_id))
        except ValidationFailed as exc:
            session.rollback()
            return render_template("members/child_form.html", values=values, errors=exc.fields,
                                   household_id=household_id, child_id=child_id), exc.status
    values: dict = {}
    if child_id is not None:
        values = child_values(children_service.read_child(session, coop_id=g.coop.id, household_id=household_id,
                                                          child_id=child_id, actor_id=current_user.id))
        session.commit()
    return render_template("members/child_form.html", values=values, errors={}, household_id=household_id,
                           child_id=child_id)


@bp.route("/households/<int:household_id>/children/<int:child_id>/pickup", methods=["POST"])
@roles_required("coordinator", "parent")
def add_pickup(slug: str, household_id: int, child_id: int):
    _may_see_household(household_id)
    session = get_session()
    values = form_values(PICKUP_FIELDS)
    try:
        pickups_service.add_pickup_person(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                          actor_id=current_user.id, **parse_pickup(values))
        session.commit()
    except ValidationFailed as exc:
        session.rollback()
        return _household_page(household_id, pickup_errors={child_id: exc.fields}, pickup_values={child_id: values},
                               status=exc.status)
    flash(_("Saved."), "success")
    return redirect(url_for("members.household", slug=slug, household_id=household_id) + f"#child-{child_id}")


@bp.route("/households/<int:household_id>/children/<int:child_id>/pickup/<int:pickup_id>/delete",
          methods=["POST"])
@roles_required("coordinator", "parent")
def remove_pickup(slug: str, household_id: int, child_id: int, pickup_id: int):
    _may_see_household(household_id)
    session = get_session()
    pickups_service.remove_pickup_person(session, coop_id=g.coop.id, household_id=household_id, child_id=child_id,
                                         pickup_id=pickup_id, actor_id=current_user.id)
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
    except ValidationFailed as exc:
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
    values, errors = {"role": "parent", "household_id": request.args.get("household_id", "")}, {}
    if request.method == "POST":
        values = form_values(INVITATION_FIELDS)
        try:
            token = auth_service.create_invitation(
                session, actor_id=current_user.id, coop_id=g.coop.id, **parse_invitation(values),
                valid_days=current_app.extensions["coop.settings"].invitation_valid_days)
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
