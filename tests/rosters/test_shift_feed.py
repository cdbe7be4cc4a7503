"""A caregiver's "my shifts" page and private calendar feed of published shifts: only their
own published shifts, local times, nights marked; the token is kept hashed and a new one
stops the old URL."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.clock import local_today
from coop.cooperatives.models import Cooperative
from coop.rosters.models import RosterAssignment, RosterFeed, monday_of
from tests.conftest import Factory
from tests.rosters.published_rows import TZ, assign, caregiver, local_at, next_monday, roster, shift


@dataclass
class Shifts:
    coop: Cooperative
    me: tuple[CaregiverProfile, Person]
    other: tuple[CaregiverProfile, Person]


@pytest.fixture
def shifts(make: Factory, db: Session) -> Shifts:
    """Next week: my Tuesday night (published) and my Wednesday early (draft only); the other
    caregiver's Thursday late. Last week: my Monday early, confirmed worked."""
    coop = make.coop()
    site = make.site(coop, name="Maison Haute", address="Rue Haute 10, 1000 Bruxelles")
    me, other = caregiver(make, coop), caregiver(make, coop, "staff")
    monday = next_monday()
    published = roster(db, coop, monday)
    assign(db, shift(db, published, site, local_at(monday + timedelta(days=1), 23), code="night", is_night=True),
           me[0])
    assign(db, shift(db, published, site, local_at(monday + timedelta(days=3), 15), code="late"), other[0])
    draft = roster(db, coop, monday, status="draft")
    assign(db, shift(db, draft, site, local_at(monday + timedelta(days=2), 7)), me[0])
    last_monday = monday_of(local_today(TZ)) - timedelta(days=7)
    worked = assign(db, shift(db, roster(db, coop, last_monday), site, local_at(last_monday, 7)), me[0])
    worked.attendance = "worked"
    db.add(worked)
    db.commit()
    return Shifts(coop, me, other)


def new_feed(client: FlaskClient, coop: Cooperative) -> str:
    page = client.post(f"/c/{coop.slug}/shifts/feed")
    assert page.status_code == 200
    return re.search(r'class="token">([^<]+)<', page.get_data(as_text=True)).group(1).replace("http://localhost", "")


def test_my_shifts_lists_my_published_shifts_in_local_time(shifts: Shifts, login_as) -> None:
    page = login_as(shifts.me[1]).get(f"/c/{shifts.coop.slug}/shifts/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "23:00–07:00" in body and "Maison Haute" in body
    assert "07:00–15:00" in body, "last week's shift, with its attendance"
    assert "15:00–23:00" not in body, "another caregiver's shift"
    assert body.count("/offer") == 1, "only the published future shift may be offered (not the draft)"
    assert f"/c/{shifts.coop.slug}/caregivers/{shifts.me[0].id}/availability" in body


def test_my_shifts_access(shifts: Shifts, login_as, make: Factory) -> None:
    slug = shifts.coop.slug
    household = make.household(shifts.coop)
    parent = make.person(shifts.coop, "parent", household=household)
    page = login_as(parent).get(f"/c/{slug}/shifts/")
    assert page.status_code == 200 and "/offer" not in page.get_data(as_text=True)
    assert login_as(make.person(shifts.coop, "provider")).get(f"/c/{slug}/shifts/").status_code == 403
    assert login_as(make.person(make.coop(), "staff")).get(f"/c/{slug}/shifts/").status_code == 404


def test_feed_carries_only_my_published_shifts(shifts: Shifts, login_as, client: FlaskClient, db: Session) -> None:
    url = new_feed(login_as(shifts.me[1]), shifts.coop)
    feed = client.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    tuesday = local_at(next_monday() + timedelta(days=1), 23)
    assert f"DTSTART:{tuesday:%Y%m%dT%H%M%SZ}" in text
    assert f"DTEND:{tuesday + timedelta(hours=8):%Y%m%dT%H%M%SZ}" in text
    assert "LOCATION:Rue Haute 10\\, 1000 Bruxelles" in text
    assert text.count("BEGIN:VEVENT") == 2, "the night and last week's shift; not the draft, not the other's"
    db.rollback()
    absent = db.exec(select(RosterAssignment).where(RosterAssignment.caregiver_id == shifts.me[0].id,
                                                    RosterAssignment.attendance == "worked")).one()
    absent.attendance = "absent"
    db.add(absent)
    db.commit()
    assert client.get(url).get_data(as_text=True).count("BEGIN:VEVENT") == 1, "a shift not worked leaves the feed"
    stored = db.exec(select(RosterFeed.token_hash)).one()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert stored == hashlib.sha256(token.encode()).hexdigest() != token


def test_a_new_token_stops_the_old_url(shifts: Shifts, login_as, client: FlaskClient, make: Factory) -> None:
    me = login_as(shifts.me[1])
    old = new_feed(me, shifts.coop)
    new = new_feed(me, shifts.coop)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    other = make.coop()
    assert client.get(new.replace(f"/c/{shifts.coop.slug}/", f"/c/{other.slug}/")).status_code == 404
    assert client.get(f"/c/{shifts.coop.slug}/shifts/feed/not-a-token.ics").status_code == 404
