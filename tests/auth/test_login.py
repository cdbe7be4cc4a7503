"""Logging in and out: server-side sessions, rate limits, password changes and resets."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import select

from coop.auth import service
from coop.auth.models import LoginAttempt, PasswordReset
from tests.conftest import PASSWORD, login


def test_login_then_home_shows_the_person(client, make):
    coop = make.coop()
    person = make.person(coop, "coordinator")
    login(client, person)
    page = client.get(f"/c/{coop.slug}/")
    assert page.status_code == 200
    assert person.display_name in page.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message_and_keeps_the_email(client, make):
    person = make.person()
    response = client.post("/login", data={"email": person.email, "password": "wrong password!"})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert person.email in body
    assert "wrong password!" not in body


def test_replayed_cookie_after_logout_is_refused(app: Flask, make):
    coop = make.coop()
    person = make.person(coop, "parent")
    client = login(app.test_client(), person)
    cookie = client.get_cookie("coop")
    assert client.get(f"/c/{coop.slug}/").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("coop", cookie.value)
    response = replay.get(f"/c/{coop.slug}/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_failed_logins_are_limited_per_account(app: Flask, make, db):
    person = make.person()
    limit = app.extensions["coop.settings"].login_max_failures_per_account
    client = app.test_client()
    for _ in range(limit):
        assert client.post("/login", data={"email": person.email, "password": "nope-nope-nope"}).status_code == 401
    blocked = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert len(db.exec(select(LoginAttempt)).all()) == 2 * limit


def test_rate_limit_counts_only_the_window(db, make):
    person = make.person()
    limit = service.RateLimit(per_account=1, per_ip=100, window=timedelta(minutes=15))
    try:
        service.authenticate(db, email=person.email, password="bad password", ip="10.9.8.7", limit=limit)
    except service.InvalidCredentials:
        db.commit()
    for attempt in db.exec(select(LoginAttempt)).all():
        attempt.attempted_at -= timedelta(minutes=16)
        db.add(attempt)
    db.commit()
    assert service.authenticate(db, email=person.email, password=PASSWORD, ip="10.9.8.7", limit=limit).id == person.id


def test_password_change_logs_out_other_devices(app: Flask, make):
    coop = make.coop()
    person = make.person(coop, "parent")
    phone = login(app.test_client(), person)
    laptop = login(app.test_client(), person)
    changed = laptop.post("/account", data={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 302
    assert laptop.get(f"/c/{coop.slug}/").status_code == 200
    assert phone.get(f"/c/{coop.slug}/").status_code == 302


def test_password_change_refuses_a_short_password_and_says_why(app: Flask, make):
    person = make.person()
    client = login(app.test_client(), person)
    response = client.post("/account", data={"current_password": PASSWORD, "new_password": "short"})
    assert response.status_code == 422
    assert "10" in response.get_data(as_text=True)


def test_invitation_link_creates_an_account_with_the_role(app: Flask, make, db):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator")
    client = login(app.test_client(), coordinator)
    page = client.post(f"/c/{coop.slug}/invite", data={"email": "New.Parent@Example.be", "role": "parent"})
    assert page.status_code == 200
    link = page.get_data(as_text=True).split('class="token"><a href="')[1].split('"')[0]
    path = link.split("localhost", 1)[1]
    newcomer = app.test_client()
    assert newcomer.get(path).status_code == 200
    accepted = newcomer.post(path, data={"display_name": "Nour", "password": "my long passphrase"})
    assert accepted.status_code == 302
    assert newcomer.get(f"/c/{coop.slug}/").status_code == 200
    assert app.test_client().get(path).status_code == 404


def test_duplicate_invitation_for_an_existing_role_is_refused(app: Flask, make):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator")
    parent = make.person(coop, "parent")
    client = login(app.test_client(), coordinator)
    response = client.post(f"/c/{coop.slug}/invite", data={"email": parent.email, "role": "parent"})
    assert response.status_code == 409


def test_reset_link_made_by_a_coordinator_works_once(app: Flask, make, db):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator")
    parent = make.person(coop, "parent")
    page = login(app.test_client(), coordinator).post(f"/c/{coop.slug}/members/{parent.id}/reset-link")
    path = page.get_data(as_text=True).split('class="token"><a href="')[1].split('"')[0].split("localhost", 1)[1]
    anonymous = app.test_client()
    assert anonymous.post(path, data={"password": "another long passphrase"}).status_code == 302
    assert anonymous.post(path, data={"password": "yet another passphrase"}).status_code == 404
    assert login(app.test_client(), parent, "another long passphrase")
    assert db.exec(select(PasswordReset)).one().used_at is not None


def test_public_forgot_page_never_shows_a_link_without_mail(client, make):
    person = make.person()
    response = client.post("/password/forgot", data={"email": person.email})
    assert response.status_code == 200
    assert "/password/reset/" not in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client, make):
    person = make.person()
    response = client.post("/login", data={"email": person.email, "password": PASSWORD,
                                           "next": "//evil.example.com/"})
    assert response.headers["Location"] == "/"
