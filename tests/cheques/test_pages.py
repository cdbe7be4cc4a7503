"""Cheque pages and API: parents see theirs, providers redeem by code, coordinators set the scheme."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from coop.cheques import allocation
from coop.cheques.models import ChequeRedemption, Provider
from coop.cheques.scheme import card_of
from coop.clock import local_today


def _family(db, make, world):
    household = make.household(world.coop)
    parent = make.person(world.coop, "parent", household=household)
    allocation.allocate_household(db, household_id=household.id, period=local_today().replace(day=1))
    code = card_of(db, coop_id=world.coop.id, household_id=household.id).code
    db.commit()
    return household, parent, code


def _body(world, code, **kw):
    return {"household_code": code, "service_id": world.babysitting.id, "cheques": 2,
            "used_on": local_today().isoformat(), "idempotency_key": "visit-1", **kw}


def test_api_redemption_new_replay_mismatch_and_insufficient(db, make, world, login_as):
    _, _, code = _family(db, make, world)
    client = login_as(world.provider_user)
    url = f"/api/v1/coops/{world.coop.slug}/cheques/redemptions"
    first = client.post(url, json=_body(world, code))
    assert first.status_code == 201
    replay = client.post(url, json=_body(world, code))
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    mismatch = client.post(url, json=_body(world, code, cheques=1))
    assert mismatch.status_code == 409 and mismatch.get_json()["error"]["code"] == "idempotency_mismatch"
    short = client.post(url, json=_body(world, code, cheques=3, idempotency_key="visit-2"))
    assert short.status_code == 409 and short.get_json()["error"]["code"] == "insufficient_cheques"
    bad = client.post(url, json=_body(world, code, cheques="two", used_on="yesterday", idempotency_key="v3"))
    assert bad.status_code == 422 and {"cheques", "used_on"} <= set(bad.get_json()["error"]["fields"])
    listed = client.get(f"/api/v1/coops/{world.coop.slug}/cheques/redemptions").get_json()
    assert listed["cheques"] == 2 and listed["reimbursement_cents"] == 2 * 2500
    db.rollback()
    assert db.exec(select(func.count()).select_from(ChequeRedemption)).one() == 1


def test_only_linked_providers_redeem(db, make, world, login_as):
    _, parent, code = _family(db, make, world)
    url = f"/api/v1/coops/{world.coop.slug}/cheques/redemptions"
    assert login_as(parent).post(url, json=_body(world, code)).status_code == 403
    unlinked = make.person(world.coop, "provider")
    assert login_as(unlinked).post(url, json=_body(world, code)).status_code == 403
    other = make.coop()
    outsider = make.person(other, "provider")
    assert login_as(outsider).post(url, json=_body(world, code)).status_code == 404
    db.rollback()
    assert db.exec(select(func.count()).select_from(ChequeRedemption)).one() == 0


def test_provider_screen_redeems_and_shows_the_month(db, make, world, login_as):
    _, _, code = _family(db, make, world)
    client = login_as(world.provider_user)
    page = client.get(f"/c/{world.coop.slug}/cheques/redeem")
    assert page.status_code == 200
    form = {k: str(v) for k, v in _body(world, code.lower()).items()}
    assert client.post(f"/c/{world.coop.slug}/cheques/redeem", data=form).status_code == 302
    again = client.get(f"/c/{world.coop.slug}/cheques/redeem").get_data(as_text=True)
    assert code in again and "50,00" in again
    refused = client.post(f"/c/{world.coop.slug}/cheques/redeem", data={**form, "idempotency_key": "n2",
                                                                        "cheques": "9"})
    assert refused.status_code == 409 and code.lower() in refused.get_data(as_text=True)


def test_parent_sees_code_lots_and_history_but_not_other_families(db, make, world, login_as):
    household, parent, code = _family(db, make, world)
    other = make.household(world.coop)
    client = login_as(parent)
    index = client.get(f"/c/{world.coop.slug}/cheques")
    assert index.status_code == 302
    page = client.get(index.headers["Location"]).get_data(as_text=True)
    assert code in page
    assert client.get(f"/c/{world.coop.slug}/cheques/households/{other.id}").status_code == 404
    assert client.get(f"/api/v1/coops/{world.coop.slug}/cheques/households/{household.id}").get_json()["usable"] == 4
    assert client.get(f"/c/{world.coop.slug}/cheques/scheme").status_code == 403
    home = client.get(f"/c/{world.coop.slug}/").get_data(as_text=True)
    assert f"/cheques/households/{household.id}" in home


def test_coordinator_edits_the_scheme_and_providers(db, make, world, login_as):
    coordinator = make.person(world.coop, "coordinator")
    client = login_as(coordinator)
    base = f"/c/{world.coop.slug}/cheques"
    assert client.get(base).status_code == 200
    form = {"cheque_minutes": "60", "validity_months": "6", "base_quota": "5", "single_parent_percent": "200",
            "yearly_cap": "60", "reimbursement_euros": "24,50"}
    assert client.post(f"{base}/scheme", data=form).status_code == 302
    bad = client.post(f"{base}/scheme", data={**form, "validity_months": "0"})
    assert bad.status_code == 422
    assert client.post(f"{base}/services", data={"name": "Yoga"}).status_code == 302
    new = client.post(f"{base}/providers/new", data={"name": "Wellness asbl", "services": [str(world.wellbeing.id)],
                                                     "people": [str(world.provider_user.id)]})
    assert new.status_code == 302
    refused = client.post(f"{base}/providers/new", data={"name": "Nobody", "services": [],
                                                         "people": [str(coordinator.id)]})
    assert refused.status_code == 422
    db.rollback()
    assert {p.name for p in db.exec(select(Provider)).all()} == {"Baby Help asbl", "Wellness asbl"}
    assert client.get(f"{base}/providers/{world.provider.id}").status_code == 200


def test_a_provider_user_not_linked_to_an_organisation_is_told_what_to_do(make, world, login_as):
    unlinked = make.person(world.coop, "provider")
    page = login_as(unlinked).get(f"/c/{world.coop.slug}/cheques/redeem")
    assert page.status_code == 403 and world.coop.name in page.get_data(as_text=True)
