"""Coordinators read the audit log of their cooperative."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlmodel import select

from coop.audit import service
from coop.auth.models import Person
from coop.auth.permissions import roles_required
from coop.db import MAX_ID, get_session

bp = Blueprint("audit", __name__, url_prefix="/c/<slug>/audit")


@bp.route("/")
@roles_required("coordinator")
def index(slug: str):
    session = get_session()
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None
    entries = service.list_entries(session, coop_id=g.coop.id, before_id=before)
    actor_ids = {e.actor_id for e in entries if e.actor_id}
    names = {p.id: p.display_name for p in session.exec(select(Person).where(Person.id.in_(actor_ids))).all()}
    return render_template("audit/index.html", entries=entries, names=names)
