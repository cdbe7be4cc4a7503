"""Booking pages without JavaScript: week, book (with what is free), repeat, cancel, and the
coordinator's on-behalf booking, occupancy grid and list of late bookings and cancellations."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from coop.bookings.models import Booking
from coop.bookings.rules import get_rules
from coop.clock import local_today
from tests.bookings.conftest import TZ

DAY = local_today(TZ) + timedelta(days=3)


def form(world, start: str = "18:00", end: str = "08:00", **kw) -> dict:
    return {"child_id": world.child.id, "site_id": world.site.id, "day": DAY.isoformat(), "start_time": start,
            "end_time": end, "weeks": "1", **kw}


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def stored(db) -> list[Booking]:
    db.rollback()
    return list(db.exec(select(Booking).order_by(Booking.id)).all())


def test_a_parent_books_an_overnight_stay_sees_it_and_cancels_it(login_as, world, db):
    client = english(login_as(world.parent))
    page = client.get(f"/c/{world.coop.slug}/bookings/new", query_string={"day": DAY.isoformat()})
    assert page.status_code == 200
    assert world.child.first_name in page.text and world.site.name in page.text
    booked = client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world))
    assert booked.status_code == 302
    week = client.get(booked.headers["Location"])
    assert "18:00" in week.text and "08:00" in week.text and "Overnight" in week.text
    (booking,) = stored(db)
    assert booking.is_overnight and booking.created_by_id == world.parent.id
    cancelled = client.post(f"/c/{world.coop.slug}/bookings/{booking.id}/cancel")
    assert cancelled.status_code == 302
    assert stored(db)[0].cancelled_at is not None
    assert "Nothing booked this week." in client.get(cancelled.headers["Location"]).text


def test_the_form_keeps_the_input_and_names_the_problem(login_as, world, db):
    response = english(login_as(world.parent)).post(f"/c/{world.coop.slug}/bookings/new",
                                           data=form(world, start="25:00", weeks="3"))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'value="25:00"' in response.text
    assert stored(db) == []


def test_a_full_site_shows_alternatives(login_as, make, world):
    other = make.site(world.coop, name="Annexe", capacity=4, beds=4)
    client = english(login_as(world.parent))
    assert client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world)).status_code == 302
    second = make.child(world.household)
    refused = client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world, child_id=second.id))
    assert refused.status_code == 409
    assert "No bed is free for this night." in refused.text
    assert f"site_id={other.id}" in refused.text


def test_repeat_weekly_books_every_week_or_says_which_dates_are_full(login_as, make, world, db):
    client = english(login_as(world.parent))
    assert client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world, "08:00", "12:00", weeks="4")) \
        .status_code == 302
    assert len({b.series_id for b in stored(db)}) == 1 and len(stored(db)) == 4
    refused = client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world, "09:00", "10:00", weeks="2"))
    assert refused.status_code == 409 and "already booked" in refused.text
    assert len(stored(db)) == 4


def test_a_parent_cannot_touch_another_household(login_as, make, world, db):
    other_household = make.household(world.coop)
    stranger = make.child(other_household)
    client = english(login_as(world.parent))
    assert client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world, child_id=stranger.id)).status_code == 404
    theirs = login_as(world.coordinator).post(f"/c/{world.coop.slug}/bookings/new?household_id={other_household.id}",
                                              data=form(world, child_id=stranger.id))
    assert theirs.status_code == 302
    (booking,) = stored(db)
    assert client.post(f"/c/{world.coop.slug}/bookings/{booking.id}/cancel").status_code == 404
    assert stranger.first_name not in client.get(f"/c/{world.coop.slug}/bookings/").text
    assert stored(db)[0].cancelled_at is None


def test_a_coordinator_books_on_behalf_and_sees_the_grid_and_changes(login_as, world, db):
    client = english(login_as(world.coordinator))
    chooser = client.get(f"/c/{world.coop.slug}/bookings/")
    assert world.household.name in chooser.text
    url = f"/c/{world.coop.slug}/bookings/new?household_id={world.household.id}"
    assert client.post(url, data=form(world, "08:00", "12:00")).status_code == 302
    (booking,) = stored(db)
    assert booking.created_by_id == world.coordinator.id
    grid = client.get(f"/c/{world.coop.slug}/bookings/occupancy", query_string={"week": DAY.isoformat()})
    assert grid.status_code == 200 and "1/2" in grid.text
    assert client.post(f"/c/{world.coop.slug}/bookings/{booking.id}/cancel",
                       query_string={"household_id": world.household.id}).status_code == 302
    changes = client.get(f"/c/{world.coop.slug}/bookings/changes", query_string={"week": DAY.isoformat()})
    assert changes.status_code == 200 and world.child.first_name in changes.text
    assert "after the deadline" in changes.text  # DAY is three days away: past its week's deadline


def test_days_at_the_ends_of_the_calendar_are_harmless(login_as, world, db):
    client = login_as(world.coordinator)
    for day in ("0001-01-01", "9999-12-31", "2026-02-30"):
        assert client.get(f"/c/{world.coop.slug}/bookings/occupancy", query_string={"week": day}).status_code == 200
        assert client.get(f"/c/{world.coop.slug}/bookings/new", query_string={"day": day}).status_code == 200
        posted = client.post(f"/c/{world.coop.slug}/bookings/new?household_id={world.household.id}",
                             data=form(world, day=day))
        assert posted.status_code == 422
    assert stored(db) == []


def test_coordinator_pages_are_refused_to_parents(login_as, world):
    client = login_as(world.parent)
    assert client.get(f"/c/{world.coop.slug}/bookings/occupancy").status_code == 403
    assert client.get(f"/c/{world.coop.slug}/bookings/changes").status_code == 403


def test_pages_follow_the_language(login_as, world):
    client = login_as(world.parent)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    page = client.get(f"/c/{world.coop.slug}/bookings/new")
    assert page.status_code == 200 and '<html lang="nl">' in page.text


def test_a_coordinator_sets_the_booking_rules(login_as, world, db):
    client = english(login_as(world.coordinator))
    page = client.get(f"/c/{world.coop.slug}/bookings/rules").text
    assert "Booking rules" in page and 'max="72"' in page
    bad = client.post(f"/c/{world.coop.slug}/bookings/rules", data={
        "max_hours": "0", "max_days_ahead": "30", "min_notice_minutes": "120", "deadline_weekday": "4",
        "deadline_time": "12:00"})
    assert bad.status_code == 422 and 'value="120"' in bad.text and 'max="72"' in bad.text
    good = client.post(f"/c/{world.coop.slug}/bookings/rules", data={
        "max_hours": "16", "max_days_ahead": "30", "min_notice_minutes": "120", "deadline_weekday": "4",
        "deadline_time": "12:00"})
    assert good.status_code == 302
    db.rollback()
    rules = get_rules(db, coop_id=world.coop.id)
    assert (rules.max_minutes, rules.deadline_weekday, rules.deadline_minute) == (16 * 60, 4, 12 * 60)
    assert login_as(world.parent).get(f"/c/{world.coop.slug}/bookings/rules").status_code == 403


def test_the_calendar_feed_is_private_regenerable_and_hides_protected_addresses(app, login_as, make, world, db):
    client = english(login_as(world.parent))
    assert client.post(f"/c/{world.coop.slug}/bookings/new", data=form(world)).status_code == 302
    made = client.post(f"/c/{world.coop.slug}/bookings/feed")
    assert made.status_code == 200
    feed_url = re.search(r"http://[^<\s]+\.ics", made.text).group(0)
    anonymous = app.test_client()
    ics = anonymous.get(feed_url)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert ics.text.startswith("BEGIN:VCALENDAR\r\n") and ics.text.count("BEGIN:VEVENT") == 1
    assert "LOCATION:Rue Haute 1\\, 1000 Bruxelles" in ics.text
    assert "DTSTART:" in ics.text and world.child.first_name in ics.text
    newer = re.search(r"http://[^<\s]+\.ics", client.post(f"/c/{world.coop.slug}/bookings/feed").text).group(0)
    assert anonymous.get(feed_url).status_code == 404
    assert anonymous.get(newer.replace(world.coop.slug, make.coop().slug)).status_code == 404
    db.rollback()
    household = db.get(type(world.household), world.household.id)
    household.has_protected_address = True
    db.add(household)
    db.commit()
    protected = anonymous.get(newer).text
    assert "BEGIN:VEVENT" in protected and "LOCATION" not in protected
