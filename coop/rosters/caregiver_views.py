"""The caregiver's side of the roster: my shifts, swaps, "I can't make it", the handover sheet
and the calendar feed; for coordinators, every swap and the attendance confirmation.

A coordinator may act for a caregiver on offers and cancellations (someone who phones in);
accepting or declining an offer is always the caregiver's own act."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from coop.auth.permissions import public, roles_required
from coop.bookings.times import local, week_start
from coop.caregivers.models import CaregiverProfile
from coop.caregivers.service import caregiver_of, list_caregivers
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative
from coop.db import get_session
from coop.errors import Conflict, ValidationFailed
from coop.forms import form_values, id_arg
from coop.rosters import attendance as attendance_service
from coop.rosters import feed, swaps
from coop.rosters import handover as handover_service
from coop.rosters.models import ATTENDANCE
from coop.rosters.weeks import format_week, parse_week

bp = Blueprint("shifts", __name__, url_prefix="/c/<slug>/shifts")
CAREGIVER_ROLES = ("coordinator", "staff", "professional", "parent")
AHEAD, BEHIND = timedelta(weeks=5), timedelta(weeks=3)


@bp.context_processor
def helpers() -> dict:
    tz = g.coop.timezone if g.get("coop") else "Europe/Brussels"
    return {"hhmm": lambda value: local(value, tz).strftime("%H:%M"),
            "day_label": lambda value: format_date(local(value, tz).date(), "EEE d MMM")}


def _own() -> CaregiverProfile | None:
    return caregiver_of(get_session(), coop_id=g.coop.id, person_id=current_user.id)


def _own_or_404() -> CaregiverProfile:
    own = _own()
    if own is None:
        abort(404)
    return own


def _acting() -> int | None:
    """The caregiver an offer or cancellation is made for: any (None) for a coordinator."""
    return None if "coordinator" in g.roles else _own_or_404().id


def _done(message: str):
    get_session().commit()
    flash(message, "success")
    return redirect(url_for("shifts.mine", slug=g.coop.slug))


def _refused(exc: Conflict | ValidationFailed):
    get_session().rollback()
    flash(str(exc.message), "error")
    return redirect(url_for("shifts.mine", slug=g.coop.slug))


@bp.route("/")
@roles_required(*CAREGIVER_ROLES)
def mine(slug: str):
    session, own, now = get_session(), _own(), utcnow()
    if own is None:
        return render_template("shifts/mine.html", own=None, upcoming=[], past=[], offered={}, for_me=[])
    shifts = feed.published_shifts(session, coop_id=g.coop.id, caregiver_id=own.id, start_at=now - BEHIND,
                                   end_at=now + AHEAD)
    mine_offered, for_me = swaps.open_offers(session, coop_id=g.coop.id, caregiver_id=own.id, now=now)
    return render_template("shifts/mine.html", own=own, now=now, for_me=for_me,
                           upcoming=[s for s in shifts if s.shift.end_at > now],
                           past=[s for s in reversed(shifts) if s.shift.end_at <= now],
                           offered={r.swap.assignment_id: r.swap for r in mine_offered})


@bp.route("/<int:published_assignment_id>/offer", methods=["GET", "POST"])
@roles_required(*CAREGIVER_ROLES)
def offer(slug: str, published_assignment_id: int):
    session, acting, now = get_session(), _acting(), utcnow()
    held = swaps.own_future_shift(session, coop_id=g.coop.id, assignment_id=published_assignment_id,
                                  caregiver_id=acting, now=now)
    values, errors, status = {"to_caregiver_id": "", "reason": ""}, {}, 200
    if request.method == "POST":
        values = form_values(("to_caregiver_id", "reason"))
        try:
            swaps.offer_swap(session, coop_id=g.coop.id, assignment_id=published_assignment_id, caregiver_id=acting,
                             to_caregiver_id=id_arg("to_caregiver_id") if values["to_caregiver_id"] else None,
                             reason=values["reason"], actor_id=current_user.id, now=now)
            return _done(_("Your shift is offered. You keep it until a colleague accepts."))
        except Conflict as exc:
            return _refused(exc)
        except ValidationFailed as exc:
            session.rollback()
            errors, status = exc.fields, exc.status
    colleagues = [(profile.id, person.display_name) for profile, person in list_caregivers(session, coop_id=g.coop.id)
                  if profile.id != held.assignment.caregiver_id]
    return render_template("shifts/offer.html", held=held, values=values, errors=errors,
                           options=[("", _("Anyone qualified"))] + colleagues), status


@bp.route("/<int:published_assignment_id>/cancel", methods=["GET", "POST"])
@roles_required(*CAREGIVER_ROLES)
def cancel(slug: str, published_assignment_id: int):
    """A confirmation page first: one stray tap on a phone must not call off a shift."""
    if request.method == "GET":
        held = swaps.own_future_shift(get_session(), coop_id=g.coop.id, assignment_id=published_assignment_id,
                                      caregiver_id=_acting(), now=utcnow())
        return render_template("shifts/cancel.html", held=held)
    try:
        attendance_service.cancel_shift(get_session(), coop_id=g.coop.id, assignment_id=published_assignment_id,
                           caregiver_id=_acting(), actor_id=current_user.id, now=utcnow())
    except Conflict as exc:
        return _refused(exc)
    return _done(_("Noted: you will not work this shift. The coordinators were told and will find someone."))


@bp.route("/<int:published_assignment_id>/withdraw", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def withdraw(slug: str, published_assignment_id: int):
    try:
        swaps.withdraw_offer(get_session(), coop_id=g.coop.id, assignment_id=published_assignment_id,
                             caregiver_id=_acting(), actor_id=current_user.id, now=utcnow())
    except Conflict as exc:
        return _refused(exc)
    return _done(_("The offer is withdrawn: the shift stays with the caregiver who offered it."))


def _answering() -> tuple[int | None, bool]:
    """(the caregiver answering an offer, whether a coordinator answers for the named one)."""
    own = _own()
    if "coordinator" in g.roles:
        return (own.id if own else None), True
    if own is None:
        abort(404)
    return own.id, False


@bp.route("/swaps/<int:swap_id>/accept", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def accept(slug: str, swap_id: int):
    caregiver_id, on_behalf = _answering()
    try:
        swaps.accept_swap(get_session(), coop_id=g.coop.id, swap_id=swap_id, caregiver_id=caregiver_id,
                          on_behalf=on_behalf, actor_id=current_user.id, now=utcnow())
    except Conflict as exc:
        return _refused(exc)
    return _done(_("The shift has changed hands."))


@bp.route("/swaps/<int:swap_id>/decline", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def decline(slug: str, swap_id: int):
    caregiver_id, on_behalf = _answering()
    try:
        swaps.decline_swap(get_session(), coop_id=g.coop.id, swap_id=swap_id, caregiver_id=caregiver_id,
                           on_behalf=on_behalf, actor_id=current_user.id, now=utcnow())
    except Conflict as exc:
        return _refused(exc)
    return _done(_("Declined. Your colleague was told."))


@bp.route("/swaps")
@roles_required("coordinator")
def all_swaps(slug: str):
    return render_template("shifts/swaps.html", rows=swaps.all_swaps(get_session(), coop_id=g.coop.id))


@bp.route("/handover")
@roles_required(*CAREGIVER_ROLES)
def handover(slug: str):
    session, own = get_session(), _own()
    sheets = handover_service.handover(session, coop_id=g.coop.id, actor_id=current_user.id,
                                       caregiver_id=own.id if own else None, is_coordinator="coordinator" in g.roles,
                                       now=utcnow())
    page = render_template("shifts/handover.html", sheets=sheets)
    session.commit()
    return page


@bp.route("/attendance", methods=["GET", "POST"])
@roles_required("coordinator")
def attendance(slug: str):
    session, tz, now = get_session(), g.coop.timezone, utcnow()
    raw = request.values.get("week", "")
    monday = parse_week(raw) if raw else week_start(local_today(tz))
    if request.method == "POST":
        try:
            if request.form.get("action") == "planned":
                count = attendance_service.confirm_as_planned(session, coop_id=g.coop.id, week_start=monday,
                                                              timezone=tz, actor_id=current_user.id, now=now)
            else:
                marks = {int(name[1:]): value for name, value in request.form.items()
                         if name[:1] == "a" and name[1:].isdigit() and value}
                count = attendance_service.confirm(session, coop_id=g.coop.id, week_start=monday, timezone=tz,
                                                   marks=marks, actor_id=current_user.id, now=now)
            session.commit()
            flash(_("%(n)d shift(s) confirmed.", n=count), "success")
        except (Conflict, ValidationFailed) as exc:
            session.rollback()
            flash(str(exc.message), "error")
        return redirect(url_for("shifts.attendance", slug=slug, week=format_week(monday)))
    rows = attendance_service.ended_shifts(session, coop_id=g.coop.id, week_start=monday, timezone=tz, now=now)
    return render_template("shifts/attendance.html", rows=rows, week=format_week(monday), choices=ATTENDANCE,
                           previous=format_week(monday - timedelta(days=7)),
                           following=format_week(monday + timedelta(days=7)),
                           pending=sum(not r.is_confirmed for r in rows))


@bp.route("/feed", methods=["POST"])
@roles_required(*CAREGIVER_ROLES)
def new_feed(slug: str):
    session = get_session()
    token = feed.regenerate_token(session, coop_id=g.coop.id, caregiver_id=_own_or_404().id)
    session.commit()
    return render_template("shifts/feed.html", url=url_for("shifts.calendar", slug=slug, token=token, _external=True))


@bp.route("/feed/<token>.ics")
@public
def calendar(slug: str, token: str):
    session = get_session()
    coop = session.exec(select(Cooperative).where(Cooperative.slug == slug)).first()
    caregiver = feed.feed_caregiver(session, coop_id=coop.id, token=token) if coop else None
    if caregiver is None:
        abort(404)
    body = feed.caregiver_feed(session, caregiver=caregiver, host=request.host.split(":")[0], now=utcnow())
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
