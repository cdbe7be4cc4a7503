"""Occupancy per site per hour (children present vs capacity, beds used vs beds), for the
coordinator's week grid and for what is still free before a parent chooses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from coop.bookings.capacity import hourly_peaks
from coop.bookings.service import load_occupancy
from coop.bookings.times import local, to_utc
from coop.cooperatives.models import Site
from coop.cooperatives.service import list_sites

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Grid:
    """One site's hourly peaks from ``start_at`` (UTC hours: a clock-change day has 23 or 25)."""

    site: Site
    start_at: datetime
    children: list[int]
    beds: list[int]

    @property
    def hours(self) -> list[datetime]:
        return [self.start_at + h * HOUR for h in range(len(self.children))]

    def free_places(self) -> list[int]:
        return [max(self.site.capacity - n, 0) for n in self.children]

    def as_json(self) -> dict:
        return {"id": self.site.id, "name": self.site.name, "capacity": self.site.capacity, "beds": self.site.beds,
                "hours": [{"start": hour.isoformat(), "children": n, "beds_used": b,
                           "free_places": max(self.site.capacity - n, 0), "free_beds": max(self.site.beds - b, 0)}
                          for hour, n, b in zip(self.hours, self.children, self.beds, strict=True)]}


def grids(session: Session, *, coop_id: int, start_at: datetime, end_at: datetime,
          site_id: int | None = None) -> list[Grid]:
    """Hourly peaks of every site (or one) of the cooperative over ``[start_at, end_at)``."""
    hours = int((end_at - start_at) / HOUR)
    result = []
    for site in list_sites(session, coop_id=coop_id):
        if site_id is not None and site.id != site_id:
            continue
        stays = load_occupancy(session, site_id=site.id, child_id=None, start_at=start_at, end_at=end_at)
        result.append(Grid(site=site, start_at=start_at, children=hourly_peaks(stays.site, start_at, hours),
                           beds=hourly_peaks(stays.beds, start_at, hours)))
    return result


def day_grids(session: Session, *, coop_id: int, timezone: str, day: date, site_id: int | None = None) -> list[Grid]:
    """The hours of one local day."""
    return grids(session, coop_id=coop_id, start_at=to_utc(day, 0, timezone),
                 end_at=to_utc(day + timedelta(days=1), 0, timezone), site_id=site_id)


@dataclass(frozen=True)
class Cell:
    """One hour of one day in the coordinator's grid."""

    children: int
    beds: int
    level: int  # 0 (empty) to 4 (full), for the heat-map colour


def week_table(session: Session, *, coop_id: int, timezone: str, monday: date, site: Site) -> list[list[Cell | None]]:
    """24 rows (local hours) of 7 cells (days); a clock-change hour that does not exist is None,
    and the repeated autumn hour shows the busier of its two occurrences."""
    rows: list[list[Cell | None]] = [[None] * 7 for _ in range(24)]
    for column in range(7):
        day = monday + timedelta(days=column)
        (grid,) = day_grids(session, coop_id=coop_id, timezone=timezone, day=day, site_id=site.id)
        for hour, children, beds in zip(grid.hours, grid.children, grid.beds, strict=True):
            row = local(hour, timezone).hour
            previous = rows[row][column]
            if previous is not None:
                children, beds = max(children, previous.children), max(beds, previous.beds)
            level = 4 if children >= site.capacity else (4 * children) // max(site.capacity, 1)
            rows[row][column] = Cell(children=children, beds=beds, level=level)
    return rows
