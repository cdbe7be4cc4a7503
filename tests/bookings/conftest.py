"""Booking fixtures: a cooperative with a small site, a family and times around a clock change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from coop.auth.models import Person
from coop.bookings import service
from coop.bookings.models import Booking
from coop.bookings.times import to_utc
from coop.cooperatives.models import Cooperative, Site
from coop.members.models import Child, Household

TZ = "Europe/Brussels"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning


def at(day: date, hhmm: str) -> datetime:
    """Brussels wall-clock time as UTC."""
    hours, minutes = hhmm.split(":")
    return to_utc(day, int(hours) * 60 + int(minutes), TZ)


@dataclass
class World:
    coop: Cooperative
    site: Site
    household: Household
    child: Child
    parent: Person
    coordinator: Person


@pytest.fixture
def world(make: Any) -> World:
    coop = make.coop()
    household = make.household(coop)
    return World(coop=coop, site=make.site(coop, capacity=2, beds=1), household=household,
                 child=make.child(household), parent=make.person(coop, "parent", household=household),
                 coordinator=make.person(coop, "coordinator"))


def book(session: Session, world: World, start_at: datetime, end_at: datetime, *, child: Child | None = None,
         site: Site | None = None, now: datetime = NOW, **kw: Any) -> Booking:
    """Book as the world's coordinator and commit."""
    booking = service.book(session, coop_id=world.coop.id, timezone=TZ, child_id=(child or world.child).id,
                           site_id=(site or world.site).id, start_at=start_at, end_at=end_at,
                           actor_id=world.coordinator.id, household_ids=kw.pop("household_ids", None), now=now)
    session.commit()
    return booking
