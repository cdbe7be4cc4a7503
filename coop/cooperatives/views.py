"""Coordinator screens: the cooperative's settings and its sites."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coop.auth.permissions import roles_required
from coop.cooperatives import service
from coop.cooperatives.forms import COOPERATIVE_FIELDS, SITE_FIELDS, parse_site, site_values
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import form_values

bp = Blueprint("cooperatives", __name__, url_prefix="/c/<slug>")


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("coordinator")
def settings(slug: str):
    coop = g.coop
    values = {"name": coop.name, "language": coop.language, "timezone": coop.timezone}
    errors = {}
    if request.method == "POST":
        values = form_values(COOPERATIVE_FIELDS)
        session = get_session()
        try:
            service.update_cooperative(session, coop=coop, **values)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("cooperatives.settings", slug=coop.slug))
        except DomainError as exc:
            session.rollback()
            errors = exc.fields
            return render_template("cooperatives/settings.html", values=values, errors=errors), exc.status
    return render_template("cooperatives/settings.html", values=values, errors=errors)


@bp.route("/sites")
@roles_required("coordinator")
def sites(slug: str):
    return render_template("cooperatives/sites.html", sites=service.list_sites(get_session(), coop_id=g.coop.id))


@bp.route("/sites/new", methods=["GET", "POST"], defaults={"site_id": None})
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_site(slug: str, site_id: int | None):
    session = get_session()
    if site_id is not None:
        site = service.get_site(session, coop_id=g.coop.id, site_id=site_id)
        values = site_values(site, service.site_hours(session, site_id=site.id))
    else:
        values = {"is_always_open": True, "beds": 0}
    if request.method == "POST":
        values = form_values(SITE_FIELDS)
        try:
            service.save_site(session, coop_id=g.coop.id, site_id=site_id, **parse_site(values))
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("cooperatives.sites", slug=g.coop.slug))
        except DomainError as exc:
            session.rollback()
            return render_template("cooperatives/site_form.html", values=values, errors=exc.fields,
                                   site_id=site_id), exc.status
    return render_template("cooperatives/site_form.html", values=values, errors={}, site_id=site_id)
