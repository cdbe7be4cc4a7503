"""The coordinator's roster pages: the week under review, solving (a queued run and its page),
manual edits of a draft, and publishing. Every page works without JavaScript: the run page
refreshes itself while the solve is queued or running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import Session
from werkzeug.wrappers import Response

from coop.auth.permissions import roles_required
from coop.clock import local_today
from coop.db import get_session
from coop.errors import DomainError, ValidationFailed
from coop.forms import id_arg
from coop.labels import KIND_LABELS, QUALIFICATION_LABELS
from coop.rosters import edits, runs, service
from coop.rosters.grid import hhmm, local
from coop.rosters.review import get_run, roster_review, shift_detail
from coop.rosters.templates import shift_label
from coop.rosters.weeks import format_week, parse_week

bp = Blueprint("rosters", __name__, url_prefix="/c/<slug>/rosters")

REASON_LABELS = {
    "unavailable": _l("nobody is free at that time."),
    "no_qualified_available": _l("nobody free has the qualification this shift needs."),
    "already_working": _l("everyone free already works another shift that day."),
    "rest_rule": _l("everyone free would not get enough rest between two shifts."),
    "hours_cap": _l("everyone free has reached their hours for the week."),
    "shift_limit": _l("everyone free has reached their limit for this kind of shift."),
    "sequence_rule": _l("everyone free would work too many days or weekends in a row."),
    "cost_tradeoff": _l("people are free, but asking them would be less fair or cost more than leaving it short."),
}
RULE_LABELS = {
    "under_coverage": _l("Missing caregivers"),
    "over_coverage": _l("More caregivers than needed"),
    "qualification_shortfall": _l("Missing qualifications"),
    "professional_shortfall": _l("Missing professionals"),
    "requests": _l("Wishes not met"),
    "fairness": _l("Uneven share between households"),
    "night_spread": _l("Nights unevenly spread"),
    "weekend_spread": _l("Weekends unevenly spread"),
    "contract_deviation": _l("Paid staff away from their contract hours"),
    "professional_cost": _l("Paid hours"),
    "stability": _l("Changes from the published roster"),
}
STATE_LABELS = {"published": _l("published"), "draft": _l("draft, not published yet"),
                "superseded": _l("replaced by a newer roster"), "none": _l("no roster yet")}
SOLVER_LABELS = {"optimal": _l("the best roster possible"), "feasible": _l("a good roster, not proven the best"),
                 "infeasible": _l("no roster meets every rule"), "unknown": _l("no roster found in time")}
RUN_LABELS = {"queued": _l("Waiting to start"), "running": _l("Solving"), "done": _l("Done"),
              "failed": _l("Failed")}
QUALIFICATION_CODES = {"first_aid": "has_first_aid", "infant_care": "has_infant_care",
                       "inclusive_care": "has_inclusive_care", "night_certified": "is_night_certified"}


@bp.context_processor
def helpers() -> dict:
    """Formatting helpers of the roster pages. The week grid calls the clock, day and hours
    ones hundreds of times with a few distinct values, and Babel's formatting dominates its
    rendering, so each is remembered for this rendering (one request, one language)."""
    tz = g.coop.timezone if g.get("coop") else "Europe/Brussels"
    return {
        "hhmm": cache(lambda value: hhmm(value, tz)), "local_day": lambda value: local(value, tz).date(),
        "day_label": cache(lambda day: format_date(day, "EEE d MMM")), "percent": format_percent,
        "hours": cache(lambda minutes: _("%(h)s h", h=format_decimal(round(minutes / 60, 1), format="#,##0.#"))),
        "reason_label": lambda code: REASON_LABELS.get(code, REASON_LABELS["cost_tradeoff"]),
        "rule_label": lambda code: RULE_LABELS.get(code, code),
        "kind_label": cache(lambda code: str(KIND_LABELS.get(code, code))),
        "code_label": shift_label,
        "state_label": lambda code: STATE_LABELS.get(code, code),
        "solver_label": lambda code: SOLVER_LABELS.get(code, code or "—"),
        "run_label": lambda code: RUN_LABELS.get(code, code),
        "run_progress": runs.progress_message, "run_failure": runs.failure_message,
        "qualification_label": lambda code: QUALIFICATION_LABELS.get(QUALIFICATION_CODES.get(code, ""), code),
    }


def _monday(week: str) -> date:
    try:
        return parse_week(week)
    except ValidationFailed:
        abort(404)


def _week_page(week: str, *, refused: DomainError | None = None) -> tuple[str, int]:
    """The week's roster under review: the newest draft when there is one, else the published."""
    session, monday = get_session(), _monday(week)
    current = service.current_rosters(session, coop_id=g.coop.id, week_start=monday)
    shown = current.draft or current.published
    review = roster_review(session, coop=g.coop, roster=shown) if shown else None
    is_draft = current.draft is not None
    violations = service.violations(session, current.draft) if is_draft else []
    moves = service.moves(session, draft=current.draft, published=current.published) \
        if is_draft and current.published is not None else None
    page = render_template(
        "rosters/week.html", week=format_week(monday), monday=monday, sunday=monday + timedelta(days=6),
        prev_week=format_week(monday - timedelta(days=7)), next_week=format_week(monday + timedelta(days=7)),
        state="draft" if is_draft else "published" if current.published else "none", review=review,
        published=current.published, violations=violations, moves=moves, refused=refused,
        run=runs.latest_run(session, coop_id=g.coop.id, week_start=monday))
    return page, refused.status if refused else 200


@bp.route("/")
@roles_required("coordinator")
def index(slug: str):
    return redirect(url_for("rosters.week", slug=slug, week=format_week(local_today(g.coop.timezone))))


@bp.route("/<week>")
@roles_required("coordinator")
def week(slug: str, week: str):
    return _week_page(week)


@bp.route("/<week>/solve", methods=["POST"])
@roles_required("coordinator")
def solve(slug: str, week: str):
    session, monday = get_session(), _monday(week)
    try:
        run = runs.enqueue(session, coop_id=g.coop.id, week_start=monday, kind="solve",
                           requested_by_id=current_user.id)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("rosters.week", slug=slug, week=week))
    flash(_("The solve is queued."), "success")
    return redirect(url_for("rosters.run", slug=slug, run_id=run.id))


@bp.route("/runs/<int:run_id>")
@roles_required("coordinator")
def run(slug: str, run_id: int):
    """A solve run's state. While it waits, the page reloads itself every 3 seconds (no
    script needed); ``?refresh=off`` stops that for people whom a moving page disturbs."""
    found = get_run(get_session(), coop_id=g.coop.id, run_id=run_id)
    return render_template("rosters/run.html", run=found, week=format_week(found.week_start),
                           is_waiting=found.status in runs.ACTIVE, auto_refresh=request.args.get("refresh") != "off")


@bp.route("/shifts/<int:shift_id>")
@roles_required("coordinator")
def shift(slug: str, shift_id: int):
    detail = shift_detail(get_session(), coop=g.coop, shift_id=shift_id)
    return render_template("rosters/shift.html", shift=detail.shift, roster=detail.roster, site=detail.site,
                           cell=detail.cell, caregiver_options=[
                               (cid, f"{name} · {KIND_LABELS.get(kind, kind)}") for cid, name, kind in
                               detail.caregiver_options],
                           week=format_week(detail.roster.week_start),
                           demand_url=url_for("roster_setup.demand", slug=slug,
                                              week=format_week(detail.roster.week_start)))


def _edit(slug: str, shift_id: int, change: Callable[[Session], object], done: str) -> Response:
    """Apply one manual edit, then back to the shift page (the week's page when the shift is gone)."""
    session = get_session()
    try:
        change(session)
        session.commit()
        flash(done, "success")
    except DomainError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        flash(str(exc.message), "error")
    return redirect(url_for("rosters.shift", slug=slug, shift_id=shift_id))


def _shift_of_assignment(assignment_id: int) -> int:
    try:
        return edits.assignment_shift_id(get_session(), coop_id=g.coop.id, assignment_id=assignment_id)
    except DomainError:
        abort(404)


@bp.route("/assignments/<int:assignment_id>/pin", methods=["POST"])
@roles_required("coordinator")
def pin(slug: str, assignment_id: int):
    return _edit(slug, _shift_of_assignment(assignment_id), lambda session: edits.pin(
        session, coop_id=g.coop.id, assignment_id=assignment_id, actor_id=current_user.id), _("Pinned."))


@bp.route("/assignments/<int:assignment_id>/unpin", methods=["POST"])
@roles_required("coordinator")
def unpin(slug: str, assignment_id: int):
    return _edit(slug, _shift_of_assignment(assignment_id), lambda session: edits.unpin(
        session, coop_id=g.coop.id, assignment_id=assignment_id, actor_id=current_user.id), _("Unpinned."))


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@roles_required("coordinator")
def remove(slug: str, assignment_id: int):
    return _edit(slug, _shift_of_assignment(assignment_id), lambda session: edits.remove_assignment(
        session, coop_id=g.coop.id, assignment_id=assignment_id, actor_id=current_user.id),
        _("Removed from the shift."))


@bp.route("/shifts/<int:shift_id>/assign", methods=["POST"])
@roles_required("coordinator")
def assign(slug: str, shift_id: int):
    caregiver_id = id_arg("caregiver_id")
    if caregiver_id is None:
        flash(_("Choose a caregiver from the list."), "error")
        return redirect(url_for("rosters.shift", slug=slug, shift_id=shift_id))
    return _edit(slug, shift_id, lambda session: edits.add_assignment(
        session, coop_id=g.coop.id, shift_id=shift_id, caregiver_id=caregiver_id, actor_id=current_user.id),
        _("Added to the shift, and pinned."))


@bp.route("/<week>/publish", methods=["POST"])
@roles_required("coordinator")
def publish(slug: str, week: str):
    _monday(week)
    session = get_session()
    roster_id = id_arg("roster_id")
    try:
        if roster_id is None:
            raise ValidationFailed(_l("Choose the roster to publish."))
        roster = service.publish(session, coop_id=g.coop.id, roster_id=roster_id, actor_id=current_user.id)
        session.commit()
    except DomainError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        return _week_page(week, refused=exc)
    flash(_("Published: the caregivers concerned are told."), "success")
    return redirect(url_for("rosters.week", slug=slug, week=format_week(roster.week_start)))
