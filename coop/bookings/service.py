"""Booking and cancelling care. Every booking runs in the caller's transaction: lock the child
and the site, re-check every invariant against what is committed, insert, flush. The lock
(PostgreSQL ``SELECT … FOR NO KEY UPDATE``: bookings queue behind each other, while other
tables may still reference the row; on SQLite the write session's ``BEGIN IMMEDIATE``) makes
concurrent requests for the same site or child queue up, so capacity and beds are never oversold.

``household_ids`` says whose children the actor may book for: a parent's households, or
``None`` for a coordinator (any household of the cooperative).

A late booking, or a cancellation, touching a week whose roster is published queues a repair
solve of that week in the same transaction (`rosters.runs.request_repairs`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from coop.bookings.capacity import Occupancy, SiteLimits, check_stay
from coop.bookings.errors import EndBeforeStart, SeriesRefused
from coop.bookings.models import LONGEST_STAY, Booking, BookingRules
from coop.bookings.rules import is_late
from coop.bookings.times import local, to_utc
from coop.cooperatives.models import Site
from coop.cooperatives.service import site_hours
from coop.errors import Conflict, DomainError, NotFound, ValidationFailed
from coop.members.models import Child
from coop.rosters.runs import request_repairs

MAX_SERIES_WEEKS = 26


def _no_such_child() -> NotFound:
    return NotFound(_l("This child does not exist."), fields={"child_id": _l("This child does not exist.")})


def _no_such_site() -> NotFound:
    return NotFound(_l("This site does not exist."), fields={"site_id": _l("This site does not exist.")})


def _may_book_for(child: Child | None, coop_id: int, household_ids: Collection[int] | None) -> bool:
    return child is not None and child.coop_id == coop_id and (household_ids is None or
                                                               child.household_id in household_ids)


# The statements of every booking are built once, with named parameters: building one costs
# more CPU than PostgreSQL takes to run it.
_LOCK_STAY = (select(Child, Site, BookingRules).select_from(Child)
              .join(Site, col(Site.id) == bindparam("site_id"))
              .outerjoin(BookingRules, col(BookingRules.coop_id) == bindparam("coop_id"))
              .where(Child.id == bindparam("child_id"))
              .with_for_update(key_share=True, of=[Child, Site]).execution_options(populate_existing=True))
_ACTIVE = (col(Booking.cancelled_at).is_(None), col(Booking.start_at) < bindparam("end_at"),
           col(Booking.start_at) > bindparam("earliest"), col(Booking.end_at) > bindparam("start_at"))
_STAY = select(Booking.site_id, Booking.child_id, Booking.start_at, Booking.end_at, Booking.is_overnight)
_AT_SITE = _STAY.where(col(Booking.site_id) == bindparam("site_id"), *_ACTIVE)
_AT_SITE_OR_OF_CHILD = _STAY.where(or_(col(Booking.site_id) == bindparam("site_id"),
                                       col(Booking.child_id) == bindparam("child_id")), *_ACTIVE)


def lock_stay(session: Session, *, coop_id: int, child_id: int, site_id: int,
              household_ids: Collection[int] | None) -> tuple[Child, Site, BookingRules]:
    """The child (one the actor may book for) and the site of a stay, both locked, child
    first, with the cooperative's rules, in one query. The site is re-read so its limits are
    current; any other child or site (or another cooperative's) is not found."""
    row = session.exec(_LOCK_STAY, params={"child_id": child_id, "site_id": site_id, "coop_id": coop_id}).first()
    if row is None:
        # No such child or no such site: say which.
        if not _may_book_for(session.get(Child, child_id), coop_id, household_ids):
            raise _no_such_child()
        raise _no_such_site()
    child, site, rules = row
    if not _may_book_for(child, coop_id, household_ids):
        raise _no_such_child()
    if site.coop_id != coop_id:
        raise _no_such_site()
    return child, site, rules or BookingRules(coop_id=coop_id)


def limits_of(session: Session, site: Site) -> SiteLimits:
    """The site's capacity, beds and opening hours as plain values for the checks."""
    hours = {} if site.is_always_open else {
        day: (row.opens_minute, row.closes_minute) for day, row in site_hours(session, site_id=site.id).items()}
    return SiteLimits(capacity=site.capacity, beds=site.beds, is_always_open=site.is_always_open, hours=hours)


def load_occupancy(session: Session, *, site_id: int, child_id: int | None, start_at: datetime,
                   end_at: datetime) -> Occupancy:
    """The active stays overlapping ``[start_at, end_at)`` at the site and of the child, in one query.

    Only stays starting less than `LONGEST_STAY` before ``start_at`` can overlap: with that
    lower bound the query reads a slice of the ``(site_id, start_at)`` and
    ``(child_id, start_at)`` indexes instead of every past stay, and its cost no longer grows
    with the site's history.
    """
    occupancy = Occupancy()
    stmt = _AT_SITE
    params = {"site_id": site_id, "start_at": start_at, "end_at": end_at, "earliest": start_at - LONGEST_STAY}
    if child_id is not None:
        stmt, params = _AT_SITE_OR_OF_CHILD, {**params, "child_id": child_id}
    for at_site, of_child, begin, finish, overnight in session.exec(stmt, params=params).all():
        if at_site == site_id:
            occupancy.site.append((begin, finish))
            if overnight:
                occupancy.beds.append((begin, finish))
        if of_child == child_id:
            occupancy.child.append((begin, finish))
    return occupancy


def book(session: Session, *, coop_id: int, timezone: str, child_id: int, site_id: int, start_at: datetime,
         end_at: datetime, actor_id: int | None, household_ids: Collection[int] | None, now: datetime) -> Booking:
    """Book one stay, or raise why not (nothing written)."""
    return book_series(session, coop_id=coop_id, timezone=timezone, child_id=child_id, site_id=site_id,
                       start_at=start_at, end_at=end_at, weeks=1, actor_id=actor_id, household_ids=household_ids,
                       now=now)[0]


def occurrences(start_at: datetime, end_at: datetime, weeks: int, timezone: str) -> list[tuple[datetime, datetime]]:
    """The same local wall-clock times each week (so 18:00 stays 18:00 across a clock change)."""
    first, last = local(start_at, timezone), local(end_at, timezone)
    result = []
    for week in range(weeks):
        begin, finish = first + timedelta(weeks=week), last + timedelta(weeks=week)
        result.append((to_utc(begin.date(), begin.hour * 60 + begin.minute, timezone, field="start"),
                       to_utc(finish.date(), finish.hour * 60 + finish.minute, timezone, field="end")))
    return result


def book_series(session: Session, *, coop_id: int, timezone: str, child_id: int, site_id: int, start_at: datetime,
                end_at: datetime, weeks: int, actor_id: int | None, household_ids: Collection[int] | None,
                now: datetime) -> list[Booking]:
    """Book the same stay for ``weeks`` weeks, all or nothing; a refusal names every refused date."""
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        message = _l("Repeat for 1 to %(n)d weeks.", n=MAX_SERIES_WEEKS)
        raise ValidationFailed(message, code="bad_repeat", fields={"weeks": message})
    if end_at <= start_at:
        raise EndBeforeStart()
    child, site, rules = lock_stay(session, coop_id=coop_id, child_id=child_id, site_id=site_id,
                                   household_ids=household_ids)
    limits = limits_of(session, site)
    stays = [(start_at, end_at)] if weeks == 1 else occurrences(start_at, end_at, weeks, timezone)
    occupancy = load_occupancy(session, site_id=site.id, child_id=child.id, start_at=stays[0][0],
                               end_at=stays[-1][1])
    accepted: list[Booking] = []
    refusals: list[dict[str, str]] = []
    series_id = uuid.uuid4().hex if weeks > 1 else None
    for begin, finish in stays:
        try:
            overnight = check_stay(limits=limits, rules=rules, occupancy=occupancy, start_at=begin, end_at=finish,
                                   now=now, timezone=timezone)
        except DomainError as exc:
            if weeks == 1:
                raise
            refusals.append({"date": local(begin, timezone).date().isoformat(), "code": exc.code,
                             "message": str(exc.message)})
            continue
        occupancy.add((begin, finish), is_overnight=overnight)
        accepted.append(Booking(coop_id=coop_id, site_id=site.id, child_id=child.id, household_id=child.household_id,
                                start_at=begin, end_at=finish, is_overnight=overnight, series_id=series_id,
                                created_by_id=actor_id, created_at=now,
                                is_late=is_late(rules, start_at=begin, now=now, timezone=timezone)))
    if refusals:
        raise SeriesRefused(refusals)
    session.add_all(accepted)
    session.flush()
    late = [(b.start_at, b.end_at) for b in accepted if b.is_late]
    if late:
        request_repairs(session, coop_id=coop_id, stays=late, actor_id=actor_id)
    return accepted


def get_booking(session: Session, *, coop_id: int, booking_id: int,
                household_ids: Collection[int] | None) -> Booking:
    """A booking the actor may see; others are not found."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.coop_id != coop_id or (household_ids is not None and
                                                         booking.household_id not in household_ids):
        raise NotFound(_l("This booking does not exist."))
    return booking


def cancel(session: Session, *, coop_id: int, booking_id: int, actor_id: int | None,
           household_ids: Collection[int] | None, now: datetime) -> Booking:
    """Cancel one booking (one occurrence of a series); the row stays for the coordinator."""
    booking = get_booking(session, coop_id=coop_id, booking_id=booking_id, household_ids=household_ids)
    if booking.cancelled_at is not None:
        raise Conflict(_l("This booking is already cancelled."), code="already_cancelled")
    if booking.end_at <= now:
        raise Conflict(_l("This booking is already over."), code="already_over")
    booking.cancelled_at, booking.cancelled_by_id = now, actor_id
    session.add(booking)
    session.flush()
    request_repairs(session, coop_id=coop_id, stays=[(booking.start_at, booking.end_at)], actor_id=actor_id)
    return booking


def list_bookings(session: Session, *, coop_id: int, household_ids: Collection[int] | None, start_at: datetime,
                  end_at: datetime, site_id: int | None = None, include_cancelled: bool = False,
                  only_late: bool = False) -> Sequence[Booking]:
    """Bookings overlapping ``[start_at, end_at)``, earliest first."""
    stmt = select(Booking).where(Booking.coop_id == coop_id, col(Booking.start_at) < end_at,
                                 col(Booking.end_at) > start_at)
    if household_ids is not None:
        stmt = stmt.where(col(Booking.household_id).in_(list(household_ids)))
    if site_id is not None:
        stmt = stmt.where(Booking.site_id == site_id)
    if not include_cancelled:
        stmt = stmt.where(col(Booking.cancelled_at).is_(None))
    if only_late:
        stmt = stmt.where(col(Booking.is_late).is_(True))
    return session.exec(stmt.order_by(Booking.start_at, Booking.id)).all()


def bookable_children(session: Session, *, coop_id: int, household_ids: Collection[int] | None) -> Sequence[Child]:
    """The children the actor may book for, by household then birth date."""
    stmt = select(Child).where(Child.coop_id == coop_id)
    if household_ids is not None:
        stmt = stmt.where(col(Child.household_id).in_(list(household_ids)))
    return session.exec(stmt.order_by(Child.household_id, Child.birth_date, Child.id)).all()
