"""Landing pages: choose a cooperative, then one home page with a section per role held."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from coop.auth.permissions import public, roles_anywhere, roles_required
from coop.cooperatives import service as cooperatives_service
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import form_values, safe_next
from coop.home import service

bp = Blueprint("home", __name__)
NO_MENU_FACTS = service.MenuFacts(has_shifts=False, unread_notices=0)


@bp.app_context_processor
def navigation() -> dict:
    """``has_shifts()`` and ``unread_notices()`` for the menu: read together, once per page,
    and only when the menu asks for them."""
    def facts() -> service.MenuFacts:
        if not g.get("coop") or not current_user.is_authenticated:
            return NO_MENU_FACTS
        if "menu_facts" not in g:
            try:
                g.menu_facts = service.menu_facts(get_session(), coop_id=g.coop.id, person_id=current_user.id)
            except SQLAlchemyError:
                # The error page after a failed transaction still needs its menu.
                g.menu_facts = NO_MENU_FACTS
        return g.menu_facts
    return {"has_shifts": lambda: facts().has_shifts, "unread_notices": lambda: facts().unread_notices}


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    coops = service.cooperatives_of(get_session(), person_id=current_user.id)
    if len(coops) == 1:
        return redirect(url_for("home.coop_home", slug=coops[0].slug))
    return render_template("home/choose.html", coops=coops)


@bp.route("/c/<slug>/")
@roles_required()
def coop_home(slug: str):
    overview = service.home_overview(get_session(), coop_id=g.coop.id, person_id=current_user.id, roles=g.roles)
    return render_template("home/coop.html", overview=overview)


@bp.route("/cooperatives/new", methods=["GET", "POST"])
@roles_anywhere("coordinator")
def new_cooperative():
    values: dict = {"language": "fr"}
    if request.method == "POST":
        values = form_values(["slug", "name", "language"])
        db = get_session()
        try:
            coop = cooperatives_service.found_cooperative(db, founder_id=current_user.id, **values)
            db.commit()
            flash(_("The cooperative is created. Add its sites, then invite its members."), "success")
            return redirect(url_for("cooperatives.sites", slug=coop.slug))
        except DomainError as exc:
            db.rollback()
            return render_template("home/new_cooperative.html", values=values, errors=exc.fields,
                                   message=exc.message), exc.status
    return render_template("home/new_cooperative.html", values=values, errors={}, message=None)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen language (for the session, and on the account when logged in)."""
    lang = request.form.get("lang", "")
    if lang in current_app.extensions["coop.settings"].languages:
        session["lang"] = lang
        if current_user.is_authenticated:
            db = get_session()
            service.set_person_language(db, person_id=current_user.id, language=lang)
            db.commit()
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.route("/health")
@public
def health():
    """Liveness for load balancers: answers 200 when the database answers."""
    ok = service.database_ok(get_session())
    return ({"status": "ok"}, 200) if ok else ({"status": "database_unavailable"}, 503)
