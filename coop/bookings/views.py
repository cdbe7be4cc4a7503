"""Booking pages: the household's week, book (with what is still free), repeat, cancel.
Coordinators reach any household (booking on behalf) through ``household_id``."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from coop.auth.permissions import own_household_ids, public, roles_required
from coop.bookings import feed, occupancy, service
from coop.bookings.alternatives import propose
from coop.bookings.errors import SeriesRefused, SlotUnavailable
from coop.bookings.forms import PAGE_FIELDS, parse_page, parse_rules
from coop.bookings.models import MAX_STAY_HOURS
from coop.bookings.rules import deadline_for, get_rules, save_rules
from coop.bookings.times import is_sane, local, to_utc, week_start
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative
from coop.cooperatives.service import list_sites
from coop.db import get_db, get_session
from coop.errors import DomainError
from coop.forms import form_values, id_arg
from coop.labels import WEEKDAY_LABELS
from coop.members.service import get_household, list_households

bp = Blueprint("bookings", __name__, url_prefix="/c/<slug>/bookings")
PAGE_FIELD_OF = {"start": "start_time", "end": "end_time"}


@bp.context_processor
def helpers() -> dict:
    tz = g.coop.timezone if g.get("coop") else "Europe/Brussels"
    return {"hhmm": lambda value: local(value, tz).strftime("%H:%M"),
            "local_day": lambda value: local(value, tz).date(),
            "day_label": lambda day: format_date(day, "EEE d MMM"), "timedelta": timedelta}


def _day(raw: str, default: date) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return default
    return day if is_sane(day) else default


def _requested_day(name: str, default: date) -> date:
    return _day(request.args.get(name, ""), default)


def acting_households() -> tuple[frozenset[int] | None, int | None]:
    """(households the caller acts for, the one chosen). A coordinator acts for the household
    named by ``household_id`` (or any, when none is chosen); a parent for their own."""
    session = get_session()
    if "coordinator" in g.roles:
        household_id = id_arg("household_id")
        if household_id is None:
            return None, None
        get_household(session, coop_id=g.coop.id, household_id=household_id)
        return frozenset({household_id}), household_id
    own = own_household_ids()
    if not own:
        abort(404)
    return own, None


@bp.route("/")
@roles_required("coordinator", "parent")
def week(slug: str):
    household_ids, household_id = acting_households()
    session, tz = get_session(), g.coop.timezone
    monday = week_start(_requested_day("week", local_today(tz)))
    start_at, end_at = to_utc(monday, 0, tz), to_utc(monday + timedelta(days=7), 0, tz)
    if household_ids is None:
        return render_template("bookings/week.html", households=list_households(session, coop_id=g.coop.id),
                               monday=monday, children=[], by_child={}, household_id=None)
    children = service.bookable_children(session, coop_id=g.coop.id, household_ids=household_ids)
    by_child: dict[int, list] = {child.id: [] for child in children}
    for booking in service.list_bookings(session, coop_id=g.coop.id, household_ids=household_ids,
                                         start_at=start_at, end_at=end_at):
        by_child.setdefault(booking.child_id, []).append(booking)
    return render_template("bookings/week.html", monday=monday, children=children, by_child=by_child,
                           sites={site.id: site for site in list_sites(session, coop_id=g.coop.id)},
                           household_id=household_id, households=[], now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
@roles_required("coordinator", "parent")
def new(slug: str):
    household_ids, household_id = acting_households()
    session, tz = get_session(), g.coop.timezone
    values = {name: request.args.get(name, "") for name in PAGE_FIELDS}
    errors: dict = {}
    refusal = alternatives = None
    status = 200
    if request.method == "POST":
        values = form_values(PAGE_FIELDS)
        now = utcnow()
        req = None
        try:
            req = parse_page(values, tz)
            stays = service.book_series(session, coop_id=g.coop.id, timezone=tz, child_id=req.child_id,
                                        site_id=req.site_id, start_at=req.start_at, end_at=req.end_at,
                                        weeks=req.weeks, actor_id=current_user.id, household_ids=household_ids,
                                        now=now)
            session.commit()
            flash(_("Booked.") if len(stays) == 1 else _("Booked for %(n)d weeks.", n=len(stays)), "success")
            return redirect(url_for("bookings.week", slug=slug, household_id=household_id,
                                    week=local(stays[0].start_at, tz).date().isoformat()))
        except DomainError as exc:
            session.rollback()
            status, refusal = exc.status, exc
            errors = {PAGE_FIELD_OF.get(name, name): message for name, message in exc.fields.items()}
            if isinstance(exc, SlotUnavailable) and req is not None:
                with get_db().scope(write=False) as read:
                    alternatives = propose(read, coop_id=g.coop.id, timezone=tz, child_id=req.child_id,
                                           site_id=req.site_id, start_at=req.start_at, end_at=req.end_at, now=now)
    values["weeks"] = values.get("weeks") or "1"
    day = _day(values.get("day", ""), local_today(tz))
    values["day"] = values.get("day") or day.isoformat()
    children = service.bookable_children(session, coop_id=g.coop.id, household_ids=household_ids)
    series_dates = [(date.fromisoformat(r["date"]), r["message"]) for r in refusal.refusals] \
        if isinstance(refusal, SeriesRefused) else []
    return render_template("bookings/new.html", values=values, errors=errors, refusal=refusal,
                           series_dates=series_dates, alternatives=alternatives, household_id=household_id,
                           child_options=[(c.id, f"{c.first_name} {c.last_name}") for c in children],
                           site_options=[(s.id, s.name) for s in list_sites(session, coop_id=g.coop.id)], day=day,
                           grids=occupancy.day_grids(session, coop_id=g.coop.id, timezone=tz, day=day)), status


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@roles_required("coordinator", "parent")
def cancel(slug: str, booking_id: int):
    household_ids, household_id = acting_households()
    session = get_session()
    booking = service.get_booking(session, coop_id=g.coop.id, booking_id=booking_id, household_ids=household_ids)
    try:
        service.cancel(session, coop_id=g.coop.id, booking_id=booking_id, actor_id=current_user.id,
                       household_ids=household_ids, now=utcnow())
        session.commit()
        flash(_("Cancelled."), "success")
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("bookings.week", slug=slug, household_id=household_id,
                            week=local(booking.start_at, g.coop.timezone).date().isoformat()))


@bp.route("/occupancy")
@roles_required("coordinator")
def occupancy_grid(slug: str):
    session, tz = get_session(), g.coop.timezone
    sites = list_sites(session, coop_id=g.coop.id)
    if not sites:
        return render_template("bookings/occupancy.html", sites=[], site=None, rows=[], monday=None)
    site = next((s for s in sites if s.id == request.args.get("site_id", type=int)), sites[0])
    monday = week_start(_requested_day("week", local_today(tz)))
    rows = occupancy.week_table(session, coop_id=g.coop.id, timezone=tz, monday=monday, site=site)
    return render_template("bookings/occupancy.html", sites=sites, site=site, rows=rows, monday=monday)


@bp.route("/changes")
@roles_required("coordinator")
def changes(slug: str):
    session, tz = get_session(), g.coop.timezone
    monday = week_start(_requested_day("week", local_today(tz)))
    rows = service.list_bookings(session, coop_id=g.coop.id, household_ids=None, start_at=to_utc(monday, 0, tz),
                                 end_at=to_utc(monday + timedelta(days=7), 0, tz), include_cancelled=True)
    children = {c.id: c for c in service.bookable_children(session, coop_id=g.coop.id, household_ids=None)}
    cancelled = [b for b in rows if b.cancelled_at is not None]
    booking_rules = get_rules(session, coop_id=g.coop.id)
    return render_template("bookings/changes.html", monday=monday, children=children,
                           sites={s.id: s for s in list_sites(session, coop_id=g.coop.id)},
                           late=[b for b in rows if b.is_late and b.cancelled_at is None], cancelled=cancelled,
                           cancelled_late={b.id for b in cancelled
                                           if b.cancelled_at > deadline_for(booking_rules, b.start_at, tz)})


WEEKDAY_OPTIONS = list(enumerate(WEEKDAY_LABELS))
RULE_FIELDS = ("max_hours", "max_days_ahead", "min_notice_minutes", "deadline_weekday", "deadline_time")


@bp.route("/rules", methods=["GET", "POST"])
@roles_required("coordinator")
def rules(slug: str):
    session = get_session()
    current = get_rules(session, coop_id=g.coop.id)
    values = {"max_hours": str(current.max_minutes // 60), "max_days_ahead": str(current.max_days_ahead),
              "min_notice_minutes": str(current.min_notice_minutes),
              "deadline_weekday": str(current.deadline_weekday),
              "deadline_time": f"{current.deadline_minute // 60:02d}:{current.deadline_minute % 60:02d}"}
    if request.method == "POST":
        values = form_values(RULE_FIELDS)
        try:
            save_rules(session, coop_id=g.coop.id, data=parse_rules(values))
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("bookings.rules", slug=slug))
        except DomainError as exc:
            session.rollback()
            return render_template("bookings/rules.html", values=values, errors=exc.fields,
                                   weekday_options=WEEKDAY_OPTIONS, longest_hours=MAX_STAY_HOURS), exc.status
    return render_template("bookings/rules.html", values=values, errors={}, weekday_options=WEEKDAY_OPTIONS,
                           longest_hours=MAX_STAY_HOURS)


@bp.route("/feed", methods=["POST"])
@roles_required("coordinator", "parent")
def new_feed(slug: str):
    household_ids, household_id = acting_households()
    if household_ids is None or len(household_ids) != 1:
        abort(404)
    session = get_session()
    (chosen,) = household_ids
    token = feed.regenerate_token(session, coop_id=g.coop.id, household_id=chosen)
    session.commit()
    return render_template("bookings/feed.html", household_id=household_id,
                           url=url_for("bookings.calendar", slug=slug, token=token, _external=True))


@bp.route("/feed/<token>.ics")
@public
def calendar(slug: str, token: str):
    session = get_session()
    coop = session.exec(select(Cooperative).where(Cooperative.slug == slug)).first()
    household = feed.feed_household(session, coop_id=coop.id, token=token) if coop else None
    if household is None:
        abort(404)
    body = feed.household_feed(session, household=household, host=request.host.split(":")[0], now=utcnow())
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
