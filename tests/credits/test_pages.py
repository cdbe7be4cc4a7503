"""Contribution pages and API: who may see what, forms that say what to fix."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from coop.credits import service
from coop.credits.models import CreditTransaction


def _setup(make):
    coop = make.coop()
    coordinator = make.person(coop, "coordinator")
    household = make.household(coop, pledge_minutes=600)
    parent = make.person(coop, "parent", household=household)
    return coop, coordinator, household, parent


def test_coordinator_records_a_payment_once_even_when_the_form_is_sent_twice(db, make, login_as):
    coop, coordinator, household, _ = _setup(make)
    client = login_as(coordinator)
    form = {"euros": "30,00", "on_date": "2026-11-20", "memo": "cash", "idempotency_key": "form-1"}
    url = f"/c/{coop.slug}/credits/households/{household.id}/payments"
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302
    db.rollback()
    assert db.exec(select(func.count()).select_from(CreditTransaction)).one() == 1
    assert service.balance(db, household_id=household.id) == 120
    page = client.get(f"/c/{coop.slug}/credits/households/{household.id}").get_data(as_text=True)
    assert "+2:00" in page and "cash" in page
    overview = client.get(f"/c/{coop.slug}/credits").get_data(as_text=True)
    assert household.name in overview


def test_a_bad_amount_shows_the_form_again_with_what_was_typed(make, login_as, db):
    coop, coordinator, household, _ = _setup(make)
    response = login_as(coordinator).post(f"/c/{coop.slug}/credits/households/{household.id}/payments",
                                          data={"euros": "12,345", "on_date": "2026-11-20", "idempotency_key": "x"})
    assert response.status_code == 422
    assert "12,345" in response.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(func.count()).select_from(CreditTransaction)).one() == 0


def test_parent_sees_own_balance_but_not_another_household_nor_the_overview(make, login_as):
    coop, _, household, parent = _setup(make)
    other = make.household(coop)
    client = login_as(parent)
    mine = client.get(f"/c/{coop.slug}/credits/mine")
    assert mine.status_code == 302 and mine.headers["Location"].endswith(f"/households/{household.id}")
    page = client.get(f"/c/{coop.slug}/credits/households/{household.id}").get_data(as_text=True)
    assert "Record a payment" not in page
    assert client.get(f"/c/{coop.slug}/credits/households/{other.id}").status_code == 404
    assert client.get(f"/c/{coop.slug}/credits").status_code == 403
    assert client.post(f"/c/{coop.slug}/credits/households/{household.id}/payments",
                       data={"euros": "10", "on_date": "2026-11-20", "idempotency_key": "p"}).status_code == 403


def test_coordinator_of_another_cooperative_gets_nothing(make, login_as):
    coop, _, household, _ = _setup(make)
    stranger_coop = make.coop()
    stranger = make.person(stranger_coop, "coordinator")
    client = login_as(stranger)
    assert client.get(f"/c/{coop.slug}/credits/households/{household.id}").status_code == 404
    assert client.get(f"/c/{stranger_coop.slug}/credits/households/{household.id}").status_code == 404
    assert client.post(f"/api/v1/coops/{stranger_coop.slug}/credits/households/{household.id}/payments",
                       json={"cents": 100, "on_date": "2026-11-20", "idempotency_key": "k"}).status_code == 404


def test_pledge_change_and_correction_through_the_pages(db, make, login_as):
    coop, coordinator, household, _ = _setup(make)
    client = login_as(coordinator)
    base = f"/c/{coop.slug}/credits"
    assert client.post(f"{base}/households/{household.id}/pledge",
                       data={"pledge_hours": "5", "pledge_euros": "0"}).status_code == 302
    tx = service.post_hours_worked(db, household_id=household.id, minutes=60, night_minutes=0, key="w",
                                   on_date=date(2026, 11, 2))
    db.commit()
    assert client.post(f"{base}/transactions/{tx.id}/reverse", data={"idempotency_key": f"reverse:{tx.id}"}
                       ).status_code == 302
    assert client.post(f"{base}/transactions/{tx.id}/reverse", data={"idempotency_key": "other"}).status_code == 302
    db.rollback()
    assert service.balance(db, household_id=household.id) == 0
    assert db.exec(select(func.count()).select_from(CreditTransaction)).one() == 2
    assert client.post(f"{base}/settings", data={"euros_per_hour": "0", "night_weight": "1.5"}).status_code == 422
    assert client.post(f"{base}/settings", data={"euros_per_hour": "12", "night_weight": "2"}).status_code == 302


def test_api_payment_replay_and_mismatch(make, login_as):
    coop, coordinator, household, parent = _setup(make)
    client = login_as(coordinator)
    url = f"/api/v1/coops/{coop.slug}/credits/households/{household.id}/payments"
    body = {"cents": 1500, "on_date": "2026-11-20", "idempotency_key": "api-1"}
    first = client.post(url, json=body)
    assert first.status_code == 200 and first.get_json()["minutes"] == 60
    assert client.post(url, json=body).get_json()["id"] == first.get_json()["id"]
    mismatch = client.post(url, json={**body, "cents": 1600})
    assert mismatch.status_code == 409 and mismatch.get_json()["error"]["code"] == "idempotency_mismatch"
    bad = client.post(url, json={**body, "cents": "lots", "idempotency_key": "api-2"})
    assert bad.status_code == 422 and "cents" in bad.get_json()["error"]["fields"]
    history = login_as(parent).get(f"/api/v1/coops/{coop.slug}/credits/households/{household.id}").get_json()
    assert history["balance_minutes"] == 60
    assert client.get(f"/api/v1/coops/{coop.slug}/credits/balances").get_json()["balances"] == [
        {"household_id": household.id, "minutes": 60}]
