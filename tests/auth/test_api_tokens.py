"""Bearer tokens for the JSON API: issued for an e-mail and password (rate-limited), revoked
like web sessions, exempt from CSRF, and the only credential of a request that carries one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from coop.auth.models import LoginSession, Person
from coop.auth.service import add_membership
from coop.auth.tokens import token_hash
from coop.bookings.models import Booking
from coop.clock import local_today
from coop.cooperatives.models import Cooperative, Site
from coop.members.models import Child, Household
from tests.conftest import PASSWORD, Factory, login

DAY = local_today("Europe/Brussels") + timedelta(days=3)


@dataclass
class Coop:
    coop: Cooperative
    site: Site
    household: Household
    child: Child
    parent: Person
    coordinator: Person

    def api(self, suffix: str) -> str:
        return f"/api/v1/coops/{self.coop.slug}{suffix}"

    def stay(self, start: str = "08:00", end: str = "12:00", **kw: int) -> dict:
        ends = DAY + timedelta(days=1 if end < start else 0)
        return {"child_id": self.child.id, "site_id": self.site.id, "start": f"{DAY.isoformat()}T{start}",
                "end": f"{ends.isoformat()}T{end}", **kw}


def _coop(make: Factory, slug: str) -> Coop:
    coop = make.coop(slug)
    household = make.household(coop)
    return Coop(coop=coop, site=make.site(coop, capacity=2, beds=1), household=household,
                child=make.child(household), parent=make.person(coop, "parent", household=household),
                coordinator=make.person(coop, "coordinator"))


@pytest.fixture
def coop(make: Factory) -> Coop:
    return _coop(make, "marolles")


@contextmanager
def csrf_on(app: Flask) -> Iterator[None]:
    """CSRF checks on for the block (the test app runs with them off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def issue(client: FlaskClient, person: Person, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": person.email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_code(response: TestResponse) -> str:
    return response.get_json()["error"]["code"]


def test_a_token_books_without_any_csrf_token(app: Flask, coop: Coop, db) -> None:
    with csrf_on(app):
        _book_list_and_cancel(app.test_client(), coop, db)


def _book_list_and_cancel(client: FlaskClient, coop: Coop, db: Session) -> None:
    issued = client.post("/api/v1/auth/token", json={"email": coop.parent.email.upper(), "password": PASSWORD})
    assert issued.status_code == 201
    assert issued.headers["Cache-Control"] == "no-store"
    body = issued.get_json()
    assert body["token_type"] == "Bearer" and len(body["token"]) >= 40
    assert "Set-Cookie" not in issued.headers
    # Only the hash is kept, as a server-side session of that person.
    stored = db.exec(select(LoginSession).where(LoginSession.person_id == coop.parent.id)).one()
    assert stored.token_hash == token_hash(body["token"]) and body["token"] not in stored.token_hash
    booked = client.post(coop.api("/bookings"), json=coop.stay(), headers=bearer(body["token"]))
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["created_by_id"] == coop.parent.id
    listed = client.get(coop.api("/bookings"), query_string={"from": f"{DAY.isoformat()}T00:00"},
                        headers=bearer(body["token"])).get_json()["bookings"]
    assert [(b["id"], b["child_id"], b["site_id"], b["overnight"]) for b in listed] == [
        (booked.get_json()["id"], coop.child.id, coop.site.id, False)]
    assert {"start", "end"} <= set(listed[0])
    cancelled = client.delete(coop.api(f"/bookings/{listed[0]['id']}"), headers=bearer(body["token"]))
    assert cancelled.status_code == 200 and cancelled.get_json()["cancelled_at"]


def test_a_form_posted_token_request_works_too(client: FlaskClient, coop: Coop) -> None:
    issued = client.post("/api/v1/auth/token", data={"email": coop.parent.email, "password": PASSWORD})
    assert issued.status_code == 201
    assert client.get("/api/v1/me", headers=bearer(issued.get_json()["token"])).get_json()["id"] == coop.parent.id


def test_cookie_writes_still_need_the_csrf_token(app: Flask, coop: Coop, db) -> None:
    client = login(app.test_client(), coop.parent)
    with csrf_on(app):
        refused = client.post(coop.api("/bookings"), json=coop.stay())
        # Another scheme is no bearer token: a browser adds Basic credentials by itself.
        basic = client.post(coop.api("/bookings"), json=coop.stay(),
                            headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert refused.status_code == 400 and error_code(refused) == "csrf_failed"
    assert basic.status_code == 400 and error_code(basic) == "csrf_failed"
    db.rollback()
    assert db.exec(select(Booking)).all() == []


def test_missing_fields_are_named(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/token", json={"email": " "})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"email", "password"}


def test_wrong_password_is_401_then_429_after_the_limit(app: Flask, client: FlaskClient, coop: Coop) -> None:
    limit = app.extensions["coop.settings"].login_max_failures_per_account
    for _ in range(limit):
        wrong = client.post("/api/v1/auth/token", json={"email": coop.parent.email, "password": "not the password"})
        assert wrong.status_code == 401 and error_code(wrong) == "invalid_credentials"
        assert "token" not in wrong.get_json()
    blocked = client.post("/api/v1/auth/token", json={"email": coop.parent.email, "password": PASSWORD})
    assert blocked.status_code == 429 and error_code(blocked) == "rate_limited"
    # The page and the API count the same failures.
    assert client.post("/login", data={"email": coop.parent.email, "password": PASSWORD}).status_code == 429


def test_a_revoked_token_is_refused(client: FlaskClient, coop: Coop) -> None:
    token, kept = issue(client, coop.parent), issue(client, coop.parent)
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and error_code(refused) == "unauthorized"
    assert client.get(coop.api("/sites"), headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(kept)).status_code == 200, "only the presented token ends"


def test_logging_out_with_a_token_revokes_it(client: FlaskClient, coop: Coop) -> None:
    token = issue(client, coop.parent)
    assert client.post("/logout", headers=bearer(token)).status_code == 302
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_password_change_revokes_the_tokens(app: Flask, coop: Coop) -> None:
    token = issue(app.test_client(), coop.parent)
    browser = login(app.test_client(), coop.parent)
    changed = browser.post("/account", data={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert browser.get("/api/v1/me").get_json()["id"] == coop.parent.id, "the device that changed it stays in"


def test_unknown_or_malformed_tokens_are_401(client: FlaskClient, coop: Coop) -> None:
    for header in ("Bearer ", "Bearer not-a-token", "bearer " + "x" * 5000, "Bearer a b"):
        refused = client.get(coop.api("/sites"), headers={"Authorization": header})
        assert refused.status_code == 401 and error_code(refused) == "unauthorized", header


def test_the_bearer_decides_alone_whatever_cookie_comes_with_it(app: Flask, coop: Coop) -> None:
    token = issue(app.test_client(), coop.parent)
    browser = login(app.test_client(), coop.coordinator)
    assert browser.get("/api/v1/me", headers=bearer(token)).get_json()["id"] == coop.parent.id
    # The coordinator's rights do not leak into the parent's request.
    assert browser.get(coop.api("/households"), headers=bearer(token)).status_code == 403
    # A bad token with a good cookie is refused, not served on the cookie.
    assert browser.get("/api/v1/me", headers=bearer("revoked-or-made-up")).status_code == 401
    assert browser.get("/api/v1/me").get_json()["id"] == coop.coordinator.id


def test_me_lists_the_memberships(client: FlaskClient, make: Factory, coop: Coop) -> None:
    other = make.coop("anneessens", name="Anneessens")
    add_membership(make.session, coop_id=coop.coop.id, person_id=coop.parent.id, role="staff")
    add_membership(make.session, coop_id=other.id, person_id=coop.parent.id, role="coordinator")
    make.session.commit()
    me = client.get("/api/v1/me", headers=bearer(issue(client, coop.parent))).get_json()
    assert (me["id"], me["email"], me["display_name"]) == (coop.parent.id, coop.parent.email,
                                                            coop.parent.display_name)
    assert [(m["slug"], m["roles"]) for m in me["memberships"]] == [
        ("anneessens", ["coordinator"]), ("marolles", ["parent", "staff"])]
    assert "password_hash" not in me


def test_a_parent_lists_only_their_children(client: FlaskClient, make: Factory, coop: Coop) -> None:
    sibling = make.child(coop.household, first_name="Lina")
    stranger = make.child(make.household(coop.coop))
    as_parent = client.get(coop.api("/children"), headers=bearer(issue(client, coop.parent))).get_json()["children"]
    assert sorted(c["id"] for c in as_parent) == sorted([coop.child.id, sibling.id])
    assert set(as_parent[0]) == {"id", "first_name", "household_id", "birth_date"}
    assert {c["household_id"] for c in as_parent} == {coop.household.id}
    everyone = client.get(coop.api("/children"), headers=bearer(issue(client, coop.coordinator))).get_json()
    assert sorted(c["id"] for c in everyone["children"]) == sorted([coop.child.id, sibling.id, stranger.id])


def test_sites_carry_capacity_and_beds(client: FlaskClient, coop: Coop) -> None:
    sites = client.get(coop.api("/sites"), headers=bearer(issue(client, coop.parent))).get_json()["sites"]
    assert [(s["id"], s["name"], s["capacity"], s["beds"]) for s in sites] == [
        (coop.site.id, coop.site.name, 2, 1)]


def test_another_cooperatives_site_and_child_are_404(client: FlaskClient, make: Factory, coop: Coop, db) -> None:
    theirs = _coop(make, "anneessens")
    headers = bearer(issue(client, coop.coordinator))
    for payload in (coop.stay(site_id=theirs.site.id), coop.stay(child_id=theirs.child.id)):
        refused = client.post(coop.api("/bookings"), json=payload, headers=headers)
        assert refused.status_code == 404 and error_code(refused) == "not_found", payload
    assert client.get(theirs.api("/sites"), headers=headers).status_code == 404
    assert client.get(theirs.api("/children"), headers=headers).status_code == 404
    db.rollback()
    assert db.exec(select(Booking)).all() == []


def test_the_three_refusals_have_their_codes(client: FlaskClient, make: Factory, coop: Coop, db) -> None:
    headers = bearer(issue(client, coop.parent))
    url = coop.api("/bookings")
    brother, sister, cousin = (make.child(coop.household) for _ in range(3))
    assert client.post(url, json=coop.stay("18:00", "08:00"), headers=headers).status_code == 201
    no_bed = client.post(url, json=coop.stay("20:00", "07:00", child_id=brother.id), headers=headers)
    assert no_bed.status_code == 409 and error_code(no_bed) == "no_bed"
    overlap = client.post(url, json=coop.stay("19:00", "20:00"), headers=headers)
    assert overlap.status_code == 409 and error_code(overlap) == "child_already_booked"
    for kid in (brother, sister):
        assert client.post(url, json=coop.stay(child_id=kid.id), headers=headers).status_code == 201
    full = client.post(url, json=coop.stay("09:00", "10:00", child_id=cousin.id), headers=headers)
    assert full.status_code == 409 and error_code(full) == "capacity_full"
    db.rollback()
    assert len(db.exec(select(Booking)).all()) == 3


def test_a_login_ends_after_the_maximum_age_for_tokens_and_browsers_alike(app: Flask, coop: Coop, db) -> None:
    max_days = app.extensions["coop.settings"].session_max_days
    api, browser = app.test_client(), login(app.test_client(), coop.parent)
    token = issue(api, coop.parent)
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert browser.get(f"/c/{coop.coop.slug}/bookings/").status_code == 200
    for started in db.exec(select(LoginSession).where(LoginSession.person_id == coop.parent.id)).all():
        started.created_at -= timedelta(days=max_days - 1)
        db.add(started)
    db.commit()
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200  # a day left
    for started in db.exec(select(LoginSession).where(LoginSession.person_id == coop.parent.id)).all():
        started.created_at -= timedelta(days=1, minutes=1)
        db.add(started)
    db.commit()
    expired = api.get("/api/v1/me", headers=bearer(token))
    assert expired.status_code == 401 and error_code(expired) == "unauthorized"
    page = browser.get(f"/c/{coop.coop.slug}/bookings/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert api.get("/api/v1/me", headers=bearer(issue(api, coop.parent))).status_code == 200  # log in again
