"""Coordinator screens that set up rostering: each site's shifts per weekday, the roster
rules (ratios, nights, rest, caps), and a week's demand with how each number was derived."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from coop.auth.permissions import roles_required
from coop.bookings.times import local
from coop.clock import local_today
from coop.cooperatives.service import get_site, list_sites
from coop.db import get_session
from coop.errors import DomainError, ValidationFailed
from coop.forms import FieldParser, form_values
from coop.labels import WEEKDAY_LABELS
from coop.rosters import rules as rules_service
from coop.rosters import templates
from coop.rosters.demand import week_demand
from coop.rosters.models import monday_of
from coop.rosters.weeks import format_week, parse_week

bp = Blueprint("roster_setup", __name__, url_prefix="/c/<slug>/rosters/setup")

RULE_FIELDS = ["infant_ratio", "toddler_ratio", "child_ratio", "night_min_adults", "min_rest_hours",
               "volunteer_max_week_hours", "solve_seconds"]
MAX_ROWS = templates.MAX_SHIFTS_PER_DAY + 2
DAY_FIELDS = [f"{name}_{i}" for i in range(MAX_ROWS) for name in ("code", "start", "end", "night", "remove")]


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


@bp.route("/")
@roles_required("coordinator")
def index(slug: str):
    session = get_session()
    sites = [(site, templates.templates_of(session, coop_id=g.coop.id, site_id=site.id))
             for site in list_sites(session, coop_id=g.coop.id)]
    return render_template("rosters/setup_index.html", sites=sites,
                           rules=rules_service.get_rules(session, coop_id=g.coop.id))


@bp.route("/sites/<int:site_id>")
@roles_required("coordinator")
def site(slug: str, site_id: int):
    session = get_session()
    the_site = get_site(session, coop_id=g.coop.id, site_id=site_id)
    return render_template("rosters/setup_site.html", site=the_site, clock=_clock, shift_label=templates.shift_label,
                           days=templates.templates_of(session, coop_id=g.coop.id, site_id=site_id))


def _weekday() -> int:
    """The ``weekday`` asked for (0 = Monday, the default); another number is no day."""
    weekday = request.values.get("weekday", 0, type=int)
    if not 0 <= weekday <= 6:
        abort(404)
    return weekday


@bp.route("/sites/<int:site_id>/day", methods=["GET", "POST"])
@roles_required("coordinator")
def day(slug: str, site_id: int):
    session = get_session()
    the_site = get_site(session, coop_id=g.coop.id, site_id=site_id)
    weekday = _weekday()
    rows = templates.templates_of(session, coop_id=g.coop.id, site_id=site_id)[weekday]
    values: dict[str, Any] = {}
    for i, row in enumerate(rows):
        values.update({f"code_{i}": row.code, f"start_{i}": _clock(row.start_minute),
                       f"end_{i}": _clock(row.start_minute + row.length_minutes), f"night_{i}": row.is_night})
    count = len(rows)
    if request.method == "POST":
        values = form_values(DAY_FIELDS)
        count = 1 + max((i for i in range(MAX_ROWS) if values[f"code_{i}"] or values[f"start_{i}"]
                         or values[f"end_{i}"]), default=-1)
        try:
            templates.save_day_templates(session, coop_id=g.coop.id, site_id=site_id, weekday=weekday,
                                         shifts=_parse_day(values), actor_id=current_user.id)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("roster_setup.site", slug=g.coop.slug, site_id=site_id))
        except DomainError as exc:
            session.rollback()
            return _day_page(the_site, weekday, values, exc.fields, count), exc.status
    return _day_page(the_site, weekday, values, {}, count)


def _day_page(the_site: Any, weekday: int, values: dict[str, Any], errors: dict[str, Any], count: int) -> str:
    return render_template("rosters/setup_day.html", site=the_site, weekday=weekday, values=values, errors=errors,
                           rows=range(min(max(count, 1) + 2, MAX_ROWS)))


def _parse_day(values: dict[str, str]) -> list[templates.ShiftInput]:
    """The posted rows as shifts (blank and removed rows left out). The service's field
    errors are keyed by position in the list it gets, so they are moved back to the row
    the coordinator sees (and ``length`` to its end time)."""
    p = FieldParser(values)
    shifts: list[templates.ShiftInput] = []
    rows: list[int] = []
    for i in range(MAX_ROWS):
        if p.boolean(f"remove_{i}") or not (values[f"code_{i}"] or values[f"start_{i}"] or values[f"end_{i}"]):
            continue
        code = p.text(f"code_{i}", required=True, max_length=20).lower()
        start = p.clock_minutes(f"start_{i}")
        end = p.clock_minutes(f"end_{i}", allow_24=True)
        if start is None or end is None:
            continue
        # An end at or before the start is on the next day (23:00 to 07:00 is a night).
        shifts.append(templates.ShiftInput(code=code, start_minute=start, length_minutes=(end - start) % 1440 or 1440,
                                           is_night=p.boolean(f"night_{i}")))
        rows.append(i)
    for key, message in templates.check_shifts(shifts).items():
        name, _sep, position = key.rpartition("_")
        if name:
            p.error(f"{'end' if name == 'length' else name}_{rows[int(position)]}", message)
        else:
            p.error(f"code_{rows[-1]}", message)
    p.raise_if_errors()
    return shifts


@bp.route("/sites/<int:site_id>/copy", methods=["POST"])
@roles_required("coordinator")
def copy_day(slug: str, site_id: int):
    session = get_session()
    weekday = _weekday()
    changed = templates.copy_day_to_all(session, coop_id=g.coop.id, site_id=site_id, weekday=weekday,
                                        actor_id=current_user.id)
    session.commit()
    flash(ngettext("Copied to %(num)d other day.", "Copied to %(num)d other days.", changed), "success")
    return redirect(url_for("roster_setup.site", slug=g.coop.slug, site_id=site_id))


@bp.route("/rules", methods=["GET", "POST"])
@roles_required("coordinator")
def rules(slug: str):
    session = get_session()
    current = rules_service.get_rules(session, coop_id=g.coop.id)
    values: dict[str, Any] = {name: getattr(current, name) for name in RULE_FIELDS if hasattr(current, name)}
    values["volunteer_max_week_hours"] = f"{current.volunteer_max_week_minutes / 60:g}"
    if request.method == "POST":
        values = form_values(RULE_FIELDS)
        try:
            rules_service.save_rules(session, coop_id=g.coop.id, data=_parse_rules(values), actor_id=current_user.id)
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("roster_setup.index", slug=g.coop.slug))
        except DomainError as exc:
            session.rollback()
            errors = {("volunteer_max_week_hours" if k == "volunteer_max_week_minutes" else k): v
                      for k, v in exc.fields.items()}
            return render_template("rosters/setup_rules.html", values=values, errors=errors), exc.status
    return render_template("rosters/setup_rules.html", values=values, errors={})


def _parse_rules(values: dict[str, str]) -> rules_service.RulesInput:
    p = FieldParser(values)
    whole = {name: p.integer(name) for name in RULE_FIELDS if name != "volunteer_max_week_hours"}
    data = rules_service.RulesInput(
        volunteer_max_week_minutes=p.hours_as_minutes("volunteer_max_week_hours", maximum_hours=10**4), **whole)
    # The ranges too, so one answer names every field to fix (a typing error wins on its field).
    for name, message in rules_service.check_rules(data).items():
        p.error("volunteer_max_week_hours" if name == "volunteer_max_week_minutes" else name, message)
    p.raise_if_errors()
    return data


@bp.route("/demand")
@roles_required("coordinator")
def demand(slug: str):
    session = get_session()
    monday = monday_of(local_today(g.coop.timezone)) + timedelta(days=7)
    errors: dict[str, Any] = {}
    status = 200
    if request.args.get("week"):
        try:
            monday = parse_week(request.args["week"])
        except ValidationFailed as exc:
            errors, status = exc.fields, exc.status
    demands = week_demand(session, coop=g.coop, week_start=monday)
    days = [monday + timedelta(days=i) for i in range(7)]
    sites = [(site, [(day, [d for d in demands if d.site_id == site.id
                            and local(d.start_at, g.coop.timezone).date() == day]) for day in days])
             for site in list_sites(session, coop_id=g.coop.id)]
    return render_template("rosters/demand.html", sites=sites, errors=errors, monday=monday,
                           week=format_week(monday), previous=format_week(monday - timedelta(days=7)),
                           following=format_week(monday + timedelta(days=7)), when=_when_in(g.coop.timezone),
                           shift_label=templates.shift_label, BAND_LABELS=BAND_LABELS,
                           REASON_LABELS=REASON_LABELS), status


BAND_LABELS = {"infants": _l("under 18 months"), "toddlers": _l("18 months to 3 years"),
               "children": _l("3 to 12 years")}
REASON_LABELS = {
    "first_aid": _l("First aid: always, when children are there."),
    "infant_care": _l("Infant care: a baby under 18 months is booked."),
    "inclusive_care": _l("Inclusive care: a child who needs inclusive care is booked."),
    "night_certified": _l("Night certified: it is a night shift."),
}


def _when_in(timezone: str) -> Callable[..., str]:
    """Formats a demand's instants (or their ISO text in a derivation) on the cooperative's
    wall clock: day name and time."""

    def when(value: datetime | str, with_day: bool = True) -> str:
        moment = local(datetime.fromisoformat(value) if isinstance(value, str) else value, timezone)
        return f"{WEEKDAY_LABELS[moment.weekday()]} {moment:%H:%M}" if with_day else f"{moment:%H:%M}"

    return when
