"""A caregiver's published shifts: the list behind "my shifts" and their private iCalendar
feed (RFC 5545) behind a secret, regenerable token (only its hash is kept).

Only shifts of published rosters count: a draft is the coordinator's work in progress and
must never reach a caregiver's calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.auth.tokens import new_token, token_hash
from coop.caregivers.models import CaregiverProfile
from coop.cooperatives.models import Cooperative, Site
from coop.ical import calendar, event
from coop.outbox.service import in_language
from coop.rosters.models import Roster, RosterAssignment, RosterFeed, RosterShift

PAST = timedelta(days=31)
AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class PublishedShift:
    """One assignment of a published roster with its shift and site."""

    assignment: RosterAssignment
    shift: RosterShift
    site: Site

    @property
    def minutes(self) -> int:
        """Real minutes worked (a night across a clock change lasts 7 or 9 hours)."""
        return int((self.shift.end_at - self.shift.start_at).total_seconds()) // 60


def published_shifts(session: Session, *, coop_id: int, start_at: datetime, end_at: datetime,
                     caregiver_id: int | None = None) -> list[PublishedShift]:
    """Assignments of published rosters whose shift overlaps ``[start_at, end_at)``, earliest
    first; of one caregiver when given."""
    stmt = (select(RosterAssignment, RosterShift, Site)
            .join(RosterShift, col(RosterShift.id) == RosterAssignment.shift_id)
            .join(Roster, col(Roster.id) == RosterAssignment.roster_id)
            .join(Site, col(Site.id) == RosterShift.site_id)
            .where(Roster.coop_id == coop_id, Roster.status == "published",
                   col(RosterShift.start_at) < end_at, col(RosterShift.end_at) > start_at))
    if caregiver_id is not None:
        stmt = stmt.where(RosterAssignment.caregiver_id == caregiver_id)
    rows = session.exec(stmt.order_by(RosterShift.start_at, RosterShift.site_id, RosterAssignment.id)).all()
    return [PublishedShift(assignment, shift, site) for assignment, shift, site in rows]


def regenerate_token(session: Session, *, coop_id: int, caregiver_id: int) -> str:
    """A new secret token for the caregiver's feed (the previous one stops working)."""
    token = new_token()
    feed = session.get(RosterFeed, caregiver_id) or RosterFeed(caregiver_id=caregiver_id, coop_id=coop_id,
                                                               token_hash="")
    feed.token_hash, feed.coop_id = token_hash(token), coop_id
    session.add(feed)
    session.flush()
    return token


def feed_caregiver(session: Session, *, coop_id: int, token: str) -> CaregiverProfile | None:
    """The caregiver whose feed this token opens in this cooperative, or None."""
    feed = session.exec(select(RosterFeed).where(RosterFeed.token_hash == token_hash(token))).first()
    if feed is None or feed.coop_id != coop_id:
        return None
    profile = session.get(CaregiverProfile, feed.caregiver_id)
    return profile if profile is not None and profile.coop_id == coop_id else None


def render(shifts: Sequence[PublishedShift], *, host: str, now: datetime) -> str:
    """The feed's text: one VEVENT per published shift, at the site's address. Call it inside
    ``in_language`` so the summaries are in the caregiver's language."""
    return calendar("Shifts", (
        event(f"shift-{item.assignment.id}@{host}", now=now, start=item.shift.start_at, end=item.shift.end_at,
              summary=f"{_('Night shift') if item.shift.is_night else _('Shift')} · {item.site.name}",
              location=item.site.address)
        for item in shifts))


def caregiver_feed(session: Session, *, caregiver: CaregiverProfile, host: str, now: datetime) -> str:
    """The caregiver's published shifts from a month ago to a year ahead, as iCalendar (without
    those they were absent from or said they cannot make)."""
    shifts = [s for s in published_shifts(session, coop_id=caregiver.coop_id, caregiver_id=caregiver.id,
                                          start_at=now - PAST, end_at=now + AHEAD)
              if s.assignment.attendance != "absent"]
    person, coop = session.get(Person, caregiver.person_id), session.get(Cooperative, caregiver.coop_id)
    with in_language(person, coop):
        return render(shifts, host=host, now=now)
