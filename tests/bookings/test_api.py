"""The bookings JSON API: roles, households, cooperatives, codes and nothing written on refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from coop.bookings.models import Booking
from coop.bookings.times import local
from coop.clock import local_today
from tests.bookings.conftest import TZ, at

DAY = local_today(TZ) + timedelta(days=3)


def url(world, suffix: str = "") -> str:
    return f"/api/v1/coops/{world.coop.slug}/bookings{suffix}"


def payload(world, start: str = "08:00", end: str = "12:00", day: date = DAY, **kw) -> dict:
    return {"child_id": world.child.id, "site_id": world.site.id, "start": f"{day.isoformat()}T{start}",
            "end": f"{(day + timedelta(days=1 if end < start else 0)).isoformat()}T{end}", **kw}


def bookings(db) -> list[Booking]:
    db.rollback()
    return list(db.exec(select(Booking)).all())


def test_a_parent_books_lists_and_cancels(login_as, world, db):
    client = login_as(world.parent)
    created = client.post(url(world), json=payload(world, "18:00", "08:00"))
    assert created.status_code == 201, created.json
    body = created.json
    assert body["overnight"] is True and body["created_by_id"] == world.parent.id
    assert local(at(DAY, "18:00"), TZ).isoformat() == body["start_local"]
    listed = client.get(url(world), query_string={"from": f"{DAY.isoformat()}T00:00"}).json["bookings"]
    assert [b["id"] for b in listed] == [body["id"]]
    assert client.delete(url(world, f"/{body['id']}")).status_code == 200
    assert client.get(url(world), query_string={"from": f"{DAY.isoformat()}T00:00"}).json["bookings"] == []
    assert client.delete(url(world, f"/{body['id']}")).json["error"]["code"] == "already_cancelled"


def test_a_full_site_answers_409_with_alternatives(login_as, make, world, db):
    make.site(world.coop, name="Other", capacity=5, beds=0)
    kids = [make.child(world.household) for _ in range(2)]
    client = login_as(world.parent)
    for kid in kids:
        assert client.post(url(world), json=payload(world, child_id=kid.id)).status_code == 201
    full = client.post(url(world), json=payload(world, "09:00", "10:00"))
    assert full.status_code == 409
    error = full.json["error"]
    assert error["code"] == "capacity_full"
    assert error["alternatives"]["same_site"][0] == {"start": at(DAY, "07:00").isoformat(),
                                                     "end": at(DAY, "08:00").isoformat()}
    assert [s["name"] for s in error["alternatives"]["other_sites"]] == ["Other"]
    assert len(bookings(db)) == 2


def test_no_bed_and_double_booking_have_their_codes(login_as, make, world):
    client = login_as(world.parent)
    assert client.post(url(world), json=payload(world, "18:00", "08:00")).status_code == 201
    other = make.child(world.household)
    assert client.post(url(world), json=payload(world, "20:00", "07:00", child_id=other.id)).json["error"]["code"] \
        == "no_bed"
    assert client.post(url(world), json=payload(world, "19:00", "20:00")).json["error"]["code"] \
        == "child_already_booked"


def test_a_coordinator_books_on_behalf_and_is_recorded(login_as, world):
    client = login_as(world.coordinator)
    created = client.post(url(world), json=payload(world))
    assert created.status_code == 201
    assert created.json["created_by_id"] == world.coordinator.id
    assert created.json["household_id"] == world.household.id


def test_another_households_child_and_another_coops_site_are_404(login_as, make, world, db):
    client = login_as(world.parent)
    stranger = make.child(make.household(world.coop))
    foreign = make.site(make.coop())
    assert client.post(url(world), json=payload(world, child_id=stranger.id)).status_code == 404
    assert client.post(url(world), json=payload(world, site_id=foreign.id)).status_code == 404
    coordinators_booking = login_as(world.coordinator).post(url(world), json=payload(world, child_id=stranger.id))
    assert client.delete(url(world, f"/{coordinators_booking.json['id']}")).status_code == 404
    assert client.get(url(world)).json["bookings"] == []
    assert len(bookings(db)) == 1


def test_other_roles_and_strangers_are_refused(login_as, make, world):
    staff = make.person(world.coop, "staff")
    assert login_as(staff).post(url(world), json=payload(world)).status_code == 403
    outsider = make.person(make.coop(), "coordinator")
    assert login_as(outsider).post(url(world), json=payload(world)).status_code == 404


@pytest.mark.parametrize(("changes", "field"), [
    ({"start": "tomorrow"}, "start"), ({"end": "2026-02-30T10:00"}, "end"), ({"start": ""}, "start"),
    ({"end": "2026-12-01T10:00+99:00"}, "end"), ({"child_id": "abc"}, "child_id"), ({"site_id": None}, "site_id"),
    ({"start": "0001-01-01T00:00+01:00"}, "start"), ({"end": "9999-12-31T23:00"}, "end"),
])
def test_malformed_input_is_422_with_the_field_named(login_as, world, db, changes, field):
    response = login_as(world.parent).post(url(world), json={**payload(world), **changes})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert bookings(db) == []


@pytest.mark.parametrize(("end", "code"), [
    (f"{DAY.isoformat()}T12:00", "end_before_start"), (f"{DAY.isoformat()}T11:00", "end_before_start"),
    (f"{(DAY + timedelta(days=1)).isoformat()}T12:01", "too_long"),
])
def test_bad_ranges_are_refused(login_as, world, db, end, code):
    response = login_as(world.parent).post(url(world), json={**payload(world, "12:00", "13:00"), "end": end})
    assert (response.status_code, response.json["error"]["code"]) == (422, code)
    assert bookings(db) == []


def test_the_past_and_the_far_future_are_refused(login_as, world, db):
    client = login_as(world.parent)
    past = client.post(url(world), json=payload(world, day=local_today(TZ) - timedelta(days=1)))
    far = client.post(url(world), json=payload(world, day=local_today(TZ) + timedelta(days=200)))
    assert [(r.status_code, r.json["error"]["code"]) for r in (past, far)] == [(422, "in_past"), (422, "too_far_ahead")]
    assert bookings(db) == []


def test_a_huge_body_is_refused(login_as, world, db):
    response = login_as(world.parent).post(url(world), data="x" * (2 * 1024 * 1024),
                                           content_type="application/json")
    assert response.status_code == 413
    assert bookings(db) == []


def test_a_series_is_created_or_refused_whole(login_as, make, world, db):
    client = login_as(world.parent)
    other = make.child(world.household)
    assert client.post(url(world), json=payload(world, "19:00", "07:00", day=DAY + timedelta(weeks=2),
                                                child_id=other.id)).status_code == 201
    refused = client.post(url(world, "/series"), json=payload(world, "18:00", "08:00", weeks=4))
    assert refused.status_code == 409
    assert refused.json["error"]["dates"][0]["date"] == (DAY + timedelta(weeks=2)).isoformat()
    assert len(bookings(db)) == 1
    created = client.post(url(world, "/series"), json=payload(world, "08:00", "12:00", weeks=3))
    assert created.status_code == 201 and len(created.json["bookings"]) == 3
    assert client.post(url(world, "/series"), json=payload(world, weeks=1000)).status_code == 422


def test_availability_shows_free_places_and_beds(login_as, world):
    client = login_as(world.parent)
    client.post(url(world), json=payload(world, "18:00", "08:00"))
    sites = client.get(f"/api/v1/coops/{world.coop.slug}/availability",
                       query_string={"date": DAY.isoformat()}).json["sites"]
    hours = sites[0]["hours"]
    assert len(hours) == 24
    assert (hours[8]["free_places"], hours[19]["free_places"], hours[19]["free_beds"]) == (2, 1, 0)
    for bad in ("soon", "9999-12-31", "0001-01-01"):
        answer = client.get(f"/api/v1/coops/{world.coop.slug}/availability", query_string={"date": bad})
        assert answer.status_code == 422 and "date" in answer.json["error"]["fields"]
