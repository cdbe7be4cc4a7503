"""A household's private calendar feed (iCalendar, RFC 5545) behind a secret, regenerable token.

Events carry the site's address, never the family's own; for a family whose address is
protected they carry no address at all."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, select

from coop.bookings.models import Booking, CalendarFeed
from coop.bookings.service import list_bookings
from coop.cooperatives.models import Site
from coop.members.models import Child, Household

PAST = timedelta(days=31)
AHEAD = timedelta(days=366)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def regenerate_token(session: Session, *, coop_id: int, household_id: int) -> str:
    """A new secret token for the household's feed (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    feed = session.get(CalendarFeed, household_id) or CalendarFeed(household_id=household_id, coop_id=coop_id,
                                                                   token_hash="")
    feed.token_hash, feed.coop_id = _hash(token), coop_id
    session.add(feed)
    session.flush()
    return token


def feed_household(session: Session, *, coop_id: int, token: str) -> Household | None:
    """The household whose feed this token opens, or None."""
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token))).first()
    if feed is None or feed.coop_id != coop_id:
        return None
    return session.get(Household, feed.household_id)


def escape_text(value: str) -> str:
    """A TEXT value with its backslashes, commas, semicolons and newlines escaped (RFC 5545 §3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    data, parts = line.encode(), list[str]()
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def render(bookings: Iterable[Booking], *, children: Mapping[int, Child], sites: Mapping[int, Site],
           household: Household, host: str, now: datetime) -> str:
    """The feed's text: one VEVENT per active booking."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Cooparentive//Bookings//EN", "CALSCALE:GREGORIAN"]
    for b in bookings:
        site = sites[b.site_id]
        lines += ["BEGIN:VEVENT", f"UID:booking-{b.id}@{host}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(b.start_at)}", f"DTEND:{_stamp(b.end_at)}",
                  f"SUMMARY:{escape_text(children[b.child_id].first_name + ' · ' + site.name)}"]
        if not household.has_protected_address:
            lines.append(f"LOCATION:{escape_text(site.address)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold_line(line) for line in lines) + "\r\n"


def household_feed(session: Session, *, household: Household, host: str, now: datetime) -> str:
    """The household's bookings from a month ago to a year ahead, as iCalendar."""
    rows = list_bookings(session, coop_id=household.coop_id, household_ids={household.id}, start_at=now - PAST,
                         end_at=now + AHEAD)
    children = {c.id: c for c in session.exec(select(Child).where(Child.household_id == household.id))}
    sites = {s.id: s for s in session.exec(select(Site).where(Site.coop_id == household.coop_id))}
    return render(rows, children=children, sites=sites, household=household, host=host, now=now)
