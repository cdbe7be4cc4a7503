"""Notices page: a person's own notices in this cooperative and, for coordinators, the whole
outbox of the cooperative (what was told to whom, mailed or not). Reading marks nothing by
itself: a button does, since a GET must not change state."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import col, select

from coop.auth.models import Person
from coop.auth.permissions import roles_required
from coop.db import get_session
from coop.outbox import service

bp = Blueprint("outbox", __name__, url_prefix="/c/<slug>/notices")


@bp.route("/")
@roles_required()
def index(slug: str):
    session = get_session()
    is_all = request.args.get("tab") == "all" and "coordinator" in g.roles
    if is_all:
        messages = service.coop_messages(session, coop_id=g.coop.id)
    else:
        messages = service.messages_for(session, person_id=current_user.id, coop_id=g.coop.id)
    ids = sorted({m.person_id for m in messages})
    names = dict(session.exec(select(Person.id, Person.display_name).where(col(Person.id).in_(ids))).all())
    return render_template("outbox/index.html", messages=messages, names=names, is_all=is_all,
                           unread=sum(m.read_at is None for m in messages if m.person_id == current_user.id))


@bp.route("/read", methods=["POST"])
@roles_required()
def mark_read(slug: str):
    session = get_session()
    count = service.mark_read(session, person_id=current_user.id, coop_id=g.coop.id)
    session.commit()
    flash(_("%(n)d notice(s) marked as read.", n=count), "success")
    return redirect(url_for("outbox.index", slug=slug))
