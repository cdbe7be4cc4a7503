"""When a site is full: the nearest free times at the same site, and the other sites free at
the same time. Read-only, computed after the refused transaction has ended (lock released)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from coop.bookings.capacity import Interval, check_stay
from coop.bookings.rules import get_rules
from coop.bookings.service import limits_of, load_occupancy
from coop.bookings.times import is_overnight
from coop.cooperatives.models import Site
from coop.cooperatives.service import list_sites
from coop.errors import DomainError

STEP = timedelta(minutes=30)
HORIZON = timedelta(hours=48)
NIGHTS = 7


def _offsets(overnight: bool) -> list[timedelta]:
    """Shifts to try, nearest first: other nights at the same hours for a night, otherwise half
    hours earlier or later up to two days."""
    if overnight:
        steps = [timedelta(days=n) for n in range(1, NIGHTS + 1)]
    else:
        steps = [STEP * n for n in range(1, HORIZON // STEP + 1)]
    return [offset for step in steps for offset in (-step, step)]


@dataclass
class Alternatives:
    """Free times at the requested site, and the other sites free at the requested time."""

    same_site: list[Interval] = field(default_factory=list)
    other_sites: list[Site] = field(default_factory=list)


def propose(session: Session, *, coop_id: int, timezone: str, child_id: int, site_id: int, start_at: datetime,
            end_at: datetime, now: datetime, limit: int = 3) -> Alternatives:
    """Up to ``limit`` nearest free times for the same stay at the same site (nearest first), and
    every other site where the same stay fits."""
    rules = get_rules(session, coop_id=coop_id)
    result = Alternatives()
    for site in list_sites(session, coop_id=coop_id):
        limits = limits_of(session, site)
        if site.id != site_id:
            occupancy = load_occupancy(session, site_id=site.id, child_id=child_id, start_at=start_at, end_at=end_at)
            try:
                check_stay(limits=limits, rules=rules, occupancy=occupancy, start_at=start_at, end_at=end_at,
                           now=now, timezone=timezone)
            except DomainError:
                continue
            result.other_sites.append(site)
            continue
        reach = max(HORIZON, timedelta(days=NIGHTS))
        occupancy = load_occupancy(session, site_id=site.id, child_id=child_id, start_at=start_at - reach,
                                   end_at=end_at + reach)
        wanted = is_overnight(start_at, end_at, timezone)
        for offset in _offsets(wanted):
            if len(result.same_site) == limit:
                break
            if is_overnight(start_at + offset, end_at + offset, timezone) != wanted:
                continue  # a night is no answer to a day request, nor the reverse
            try:
                check_stay(limits=limits, rules=rules, occupancy=occupancy, start_at=start_at + offset,
                           end_at=end_at + offset, now=now, timezone=timezone)
            except DomainError:
                continue
            result.same_site.append((start_at + offset, end_at + offset))
    return result
