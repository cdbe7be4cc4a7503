"""JSON API for bookings: parents for their own household's children, coordinators for any."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coop.auth.permissions import own_household_ids, roles_required
from coop.bookings import occupancy, service
from coop.bookings.alternatives import propose
from coop.bookings.errors import SeriesRefused, SlotUnavailable
from coop.bookings.forms import API_FIELDS, BookingRequest, parse_api
from coop.bookings.models import Booking
from coop.bookings.times import from_iso, is_sane, local, to_utc
from coop.clock import local_today, utcnow
from coop.db import get_db, get_session
from coop.errors import ValidationFailed
from coop.forms import FieldParser, form_values, id_arg

bp = Blueprint("bookings_api", __name__, url_prefix="/api/v1/coops/<slug>")
MAX_LIST_DAYS = 62


def acting_for() -> frozenset[int] | None:
    """Whose children the caller may book for: None (any) for a coordinator."""
    if "coordinator" in g.roles:
        return None
    return own_household_ids()


def booking_json(b: Booking) -> dict:
    """A booking for the API: instants in UTC, and the same on the cooperative's clock."""
    tz = g.coop.timezone
    return {"id": b.id, "child_id": b.child_id, "site_id": b.site_id, "household_id": b.household_id,
            "start": b.start_at.isoformat(), "end": b.end_at.isoformat(),
            "start_local": local(b.start_at, tz).isoformat(), "end_local": local(b.end_at, tz).isoformat(),
            "overnight": b.is_overnight, "is_late": b.is_late, "series_id": b.series_id,
            "created_by_id": b.created_by_id,
            "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None}


def _refused(exc: SlotUnavailable, req: BookingRequest, now: datetime):
    get_session().rollback()
    # A read-only session: on SQLite the alternatives need not hold the write lock.
    with get_db().scope(write=False) as read:
        found = propose(read, coop_id=g.coop.id, timezone=g.coop.timezone, child_id=req.child_id,
                        site_id=req.site_id, start_at=req.start_at, end_at=req.end_at, now=now)
    body = exc.as_json()
    body["error"]["alternatives"] = {
        "same_site": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in found.same_site],
        "other_sites": [{"id": site.id, "name": site.name} for site in found.other_sites]}
    return jsonify(body), exc.status


@bp.post("/bookings")
@roles_required("coordinator", "parent")
def create(slug: str):
    req = parse_api(form_values(API_FIELDS), g.coop.timezone)
    session, now = get_session(), utcnow()
    try:
        booking = service.book(session, coop_id=g.coop.id, timezone=g.coop.timezone, child_id=req.child_id,
                               site_id=req.site_id, start_at=req.start_at, end_at=req.end_at,
                               actor_id=current_user.id, household_ids=acting_for(), now=now)
    except SlotUnavailable as exc:
        return _refused(exc, req, now)
    session.commit()
    return jsonify(booking_json(booking)), 201


@bp.post("/bookings/series")
@roles_required("coordinator", "parent")
def create_series(slug: str):
    req = parse_api(form_values(API_FIELDS), g.coop.timezone)
    session = get_session()
    try:
        stays = service.book_series(session, coop_id=g.coop.id, timezone=g.coop.timezone, child_id=req.child_id,
                                    site_id=req.site_id, start_at=req.start_at, end_at=req.end_at,
                                    weeks=req.weeks, actor_id=current_user.id, household_ids=acting_for(),
                                    now=utcnow())
    except SeriesRefused as exc:
        session.rollback()
        return jsonify(exc.as_json()), exc.status
    session.commit()
    return jsonify({"series_id": stays[0].series_id, "bookings": [booking_json(b) for b in stays]}), 201


@bp.delete("/bookings/<int:booking_id>")
@roles_required("coordinator", "parent")
def cancel(slug: str, booking_id: int):
    session = get_session()
    booking = service.cancel(session, coop_id=g.coop.id, booking_id=booking_id, actor_id=current_user.id,
                             household_ids=acting_for(), now=utcnow())
    session.commit()
    return jsonify(booking_json(booking))


def _range() -> tuple[datetime, datetime]:
    tz = g.coop.timezone
    parser = FieldParser({})
    bounds = {}
    for name in ("from", "to"):
        raw = request.args.get(name, "")
        value = from_iso(raw, tz, field=name) if raw else None
        if raw and value is None:
            parser.error(name, _l("Enter a date and time like 2026-03-29T18:00+02:00."))
        bounds[name] = value
    parser.raise_if_errors()
    start = bounds["from"] or to_utc(local_today(tz), 0, tz)
    end = bounds["to"] or start + timedelta(days=7)
    if not start < end <= start + timedelta(days=MAX_LIST_DAYS):
        message = _l("Ask for at most %(n)d days, ending after the start.", n=MAX_LIST_DAYS)
        raise ValidationFailed(message, fields={"to": message})
    return start, end


@bp.get("/bookings")
@roles_required("coordinator", "parent")
def index(slug: str):
    start, end = _range()
    site_id = id_arg("site_id")
    rows = service.list_bookings(get_session(), coop_id=g.coop.id, household_ids=acting_for(), start_at=start,
                                 end_at=end, site_id=site_id,
                                 include_cancelled=request.args.get("cancelled") == "1")
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "bookings": [booking_json(b) for b in rows]})


@bp.get("/children")
@roles_required("coordinator", "parent")
def children(slug: str):
    """The children the caller may book for: a coordinator's are all of the cooperative's."""
    rows = service.bookable_children(get_session(), coop_id=g.coop.id, household_ids=acting_for())
    return jsonify({"children": [{"id": c.id, "first_name": c.first_name, "household_id": c.household_id,
                                  "birth_date": c.birth_date.isoformat()} for c in rows]})


@bp.get("/availability")
@roles_required("coordinator", "parent")
def availability(slug: str):
    parser = FieldParser({"date": request.args.get("date", "")})
    day = parser.date("date", required=False) or local_today(g.coop.timezone)
    if not is_sane(day):
        parser.error("date", _l("Enter a date like 2026-03-29."))
    parser.raise_if_errors()
    grids = occupancy.day_grids(get_session(), coop_id=g.coop.id, timezone=g.coop.timezone, day=day,
                                site_id=id_arg("site_id"))
    return jsonify({"date": day.isoformat(), "sites": [grid.as_json() for grid in grids]})
