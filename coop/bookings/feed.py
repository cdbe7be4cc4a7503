"""A household's private calendar feed (iCalendar, RFC 5545) behind a secret, regenerable token.

Events carry the site's address, never the family's own; for a family whose address is
protected they carry no address at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, select

from coop.auth.tokens import new_token, token_hash
from coop.bookings.models import Booking, CalendarFeed
from coop.bookings.service import list_bookings
from coop.cooperatives.models import Site
from coop.ical import calendar, event
from coop.members.models import Child, Household

PAST = timedelta(days=31)
AHEAD = timedelta(days=366)


def regenerate_token(session: Session, *, coop_id: int, household_id: int) -> str:
    """A new secret token for the household's feed (the previous one stops working)."""
    token = new_token()
    feed = session.get(CalendarFeed, household_id) or CalendarFeed(household_id=household_id, coop_id=coop_id,
                                                                   token_hash="")
    feed.token_hash, feed.coop_id = token_hash(token), coop_id
    session.add(feed)
    session.flush()
    return token


def feed_household(session: Session, *, coop_id: int, token: str) -> Household | None:
    """The household whose feed this token opens, or None."""
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token))).first()
    if feed is None or feed.coop_id != coop_id:
        return None
    return session.get(Household, feed.household_id)


def render(bookings: Iterable[Booking], *, children: Mapping[int, Child], sites: Mapping[int, Site],
           household: Household, host: str, now: datetime) -> str:
    """The feed's text: one VEVENT per active booking."""
    return calendar("Bookings", (
        event(f"booking-{b.id}@{host}", now=now, start=b.start_at, end=b.end_at,
              summary=f"{children[b.child_id].first_name} · {sites[b.site_id].name}",
              location=None if household.has_protected_address else sites[b.site_id].address)
        for b in bookings))


def household_feed(session: Session, *, household: Household, host: str, now: datetime) -> str:
    """The household's bookings from a month ago to a year ahead, as iCalendar."""
    rows = list_bookings(session, coop_id=household.coop_id, household_ids={household.id}, start_at=now - PAST,
                         end_at=now + AHEAD)
    children = {c.id: c for c in session.exec(select(Child).where(Child.household_id == household.id))}
    sites = {s.id: s for s in session.exec(select(Site).where(Site.coop_id == household.coop_id))}
    return render(rows, children=children, sites=sites, household=household, host=host, now=now)
