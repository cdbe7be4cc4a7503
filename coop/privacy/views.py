"""A household's data page: download it all (the household's parents and coordinators) and,
for coordinators, erase a household that left."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.clock import local_today, utcnow
from coop.db import get_session
from coop.errors import ValidationFailed
from coop.members import service as members_service
from coop.members.models import Household
from coop.privacy.erasure import erase_household, erased_at
from coop.privacy.export import export_household

bp = Blueprint("privacy", __name__, url_prefix="/c/<slug>/households/<int:household_id>/privacy")


def _household(household_id: int) -> Household:
    """The household if the current person may see it (a parent: only their own), else 404."""
    session = get_session()
    if not members_service.may_see_household(session, coop_id=g.coop.id, household_id=household_id,
                                             person_id=current_user.id, roles=g.roles):
        abort(404)
    return members_service.get_household(session, coop_id=g.coop.id, household_id=household_id)


def _page(found: Household, status: int = 200):
    settings = current_app.extensions["coop.settings"]
    retention = {"bookings": settings.retention_cancelled_bookings_days, "audit": settings.retention_audit_log_days}
    return render_template("privacy/household.html", household=found, retention=retention,
                           erased_at=erased_at(get_session(), household_id=found.id)), status


@bp.route("")
@roles_required("coordinator", "parent")
def household(slug: str, household_id: int):
    return _page(_household(household_id))


@bp.route("/export", methods=["POST"])
@roles_required("coordinator", "parent")
def export(slug: str, household_id: int):
    found = _household(household_id)
    session = get_session()
    document = export_household(session, coop_id=g.coop.id, household_id=found.id, actor_id=current_user.id)
    session.commit()
    name = f"cooparentive-{g.coop.slug}-household-{found.id}-{local_today(g.coop.timezone).isoformat()}.json"
    return Response(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str),
                    mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/erase", methods=["GET", "POST"])
@roles_required("coordinator")
def erase(slug: str, household_id: int):
    found = _household(household_id)
    session = get_session()
    if erased_at(session, household_id=found.id) is not None:
        return _page(found, 409)
    values, errors = {}, {}
    if request.method == "POST":
        values = {"confirm_name": request.form.get("confirm_name", "")}
        try:
            done = erase_household(session, coop_id=g.coop.id, household_id=found.id, actor_id=current_user.id,
                                   confirm_name=values["confirm_name"], now=utcnow(),
                                   today=local_today(g.coop.timezone))
            session.commit()
            flash(_("The household's personal data was erased (children: %(children)d; parents' accounts closed: "
                    "%(people)d; future bookings removed: %(bookings)d).", children=done.children,
                    people=done.people_erased, bookings=done.bookings_deleted), "success")
            if done.shifts_released:
                flash(ngettext("%(n)d published shift of the erased parents is now uncovered: review the queued "
                               "repair on the roster page.",
                               "%(n)d published shifts of the erased parents are now uncovered: review the queued "
                               "repairs on the roster page.", done.shifts_released, n=done.shifts_released),
                      "warning")
            return redirect(url_for("members.households", slug=slug))
        except ValidationFailed as exc:
            session.rollback()
            errors = exc.fields
            return render_template("privacy/erase.html", household=found, values=values, errors=errors), exc.status
    return render_template("privacy/erase.html", household=found, values=values, errors=errors)
