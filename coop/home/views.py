"""Landing pages: choose a cooperative, then one home page with a section per role held."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from coop.auth.permissions import public, roles_required
from coop.db import get_session
from coop.forms import safe_next
from coop.home import service

bp = Blueprint("home", __name__)


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
