"""Households: service rules, the coordinator screens and the JSON API, with audit by id."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from coop.errors import NotFound, ValidationFailed
from coop.members import service
from coop.members.models import Household
from coop.members.service import HouseholdInput
from tests.cooperatives.rows import audit_trail, error_of, nothing_changes

API = "/api/v1/coops/marolles"

FORM = {"name": "Janssens", "address": "Rue Blaes 12", "phone": "+32 470 12 34 56", "pledge_hours": "6,5",
        "pledge_euros": "25.00"}


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def coordinator_person(make, coop):
    return make.person(coop, "coordinator", language="en")


@pytest.fixture
def coordinator(coordinator_person, login_as):
    return login_as(coordinator_person)


def test_save_household_converts_and_audits_by_id(db, coop):
    data = HouseholdInput(name="  Peeters ", address="Rue Haute 3", is_single_parent=True,
                          single_parent_since=date(2025, 3, 1), pledge_minutes=390, pledge_cents=2500)
    household = service.save_household(db, coop_id=coop.id, household_id=None, data=data, actor_id=None)
    db.commit()
    assert (household.name, household.single_parent_since, household.pledge_minutes) == ("Peeters",
                                                                                          date(2025, 3, 1), 390)
    assert audit_trail(db, coop_id=coop.id) == [("create", "household", household.id)]


def test_leaving_single_parent_status_clears_its_date(db, make, coop):
    household = make.household(coop, is_single_parent=True, single_parent_since=date(2024, 1, 1))
    service.save_household(db, coop_id=coop.id, household_id=household.id,
                           data=HouseholdInput(name=household.name), actor_id=None)
    db.commit()
    assert db.get(Household, household.id).single_parent_since is None


BAD_HOUSEHOLDS = [
    (HouseholdInput(name=""), "name"),
    (HouseholdInput(name="n" * 121), "name"),
    (HouseholdInput(name="A", address="a" * 301), "address"),
    (HouseholdInput(name="A", phone="1" * 41), "phone"),
    (HouseholdInput(name="A", pledge_minutes=-60), "pledge_hours"),
    (HouseholdInput(name="A", pledge_minutes=201 * 60), "pledge_hours"),
    (HouseholdInput(name="A", pledge_cents=-1), "pledge_euros"),
    (HouseholdInput(name="A", is_single_parent=True), "single_parent_since"),
]


def test_bad_household_values_are_refused(db, coop):
    for data, field in BAD_HOUSEHOLDS:
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            service.save_household(db, coop_id=coop.id, household_id=None, data=data, actor_id=None)
        assert set(caught.value.fields) == {field}


def test_another_cooperatives_household_is_not_found(db, make, coop):
    theirs = make.household(make.coop(), name="Dubois")
    with nothing_changes(db):
        for call in (service.get_household, service.read_household):
            with pytest.raises(NotFound):
                call(db, coop_id=coop.id, household_id=theirs.id, **({"actor_id": None}
                                                                     if call is service.read_household else {}))
        with pytest.raises(NotFound):
            service.save_household(db, coop_id=coop.id, household_id=theirs.id, data=HouseholdInput(name="X"),
                                   actor_id=None)
        db.rollback()


def test_coordinator_creates_edits_and_lists_households(coordinator, db, coop, coordinator_person):
    created = coordinator.post("/c/marolles/households/new", data={**FORM, "is_single_parent": "1",
                                                                   "single_parent_since": "2025-09-01"})
    assert created.status_code == 302
    household_id = db.exec(select(Household.id)).one()
    db.rollback()
    form = coordinator.get(f"/c/marolles/households/{household_id}/edit").get_data(as_text=True)
    assert 'value="6.5"' in form and 'value="25.00"' in form and 'value="2025-09-01"' in form
    edited = coordinator.post(f"/c/marolles/households/{household_id}/edit", data={**FORM, "name": "Janssens-Diallo"})
    assert edited.status_code == 302
    assert "Janssens-Diallo" in coordinator.get("/c/marolles/households").get_data(as_text=True)
    page = coordinator.get(f"/c/marolles/households/{household_id}").get_data(as_text=True)
    assert "Rue Blaes 12" in page
    trail = audit_trail(db, object_type="household", actor_id=coordinator_person.id)
    assert [a for a, _t, _i in trail] == ["create", "read", "update", "read"]
    assert {i for _a, _t, i in trail} == {household_id}


BAD_HOUSEHOLD_FORMS = [
    ({"name": ""}, "This field is required."),
    ({"pledge_hours": "-2"}, "Enter an amount like 12.50."),
    ({"pledge_euros": "12.505"}, "Enter an amount like 12.50."),
    ({"pledge_euros": "99999999"}, "This amount is too large."),
    ({"pledge_hours": "500"}, "Enter a number of hours between 0 and 200."),
    ({"is_single_parent": "1"}, "Give the date from which the household is single-parent."),
    ({"is_single_parent": "1", "single_parent_since": "2025-02-30"}, "Enter a date like 2026-03-29."),
    ({"phone": "0" * 41}, "Use at most 40 characters."),
]


def test_a_refused_household_form_says_why_and_keeps_the_values(coordinator, db):
    for changes, message in BAD_HOUSEHOLD_FORMS:
        with nothing_changes(db):
            response = coordinator.post("/c/marolles/households/new", data={**FORM, **changes})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page
        assert 'value="Rue Blaes 12"' in page


def test_household_api_creates_reads_updates_and_lists(coordinator, db):
    created = coordinator.post(f"{API}/households", json={
        "name": "Nowak", "is_single_parent": True, "single_parent_since": "2024-06-01", "pledge_hours": 4})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["is_single_parent"], body["pledge_minutes"], body["pledge_cents"]) == (True, 240, 0)
    updated = coordinator.put(f"{API}/households/{body['id']}", json={"name": "Nowak", "pledge_euros": "10"})
    assert updated.get_json()["is_single_parent"] is False
    read = coordinator.get(f"{API}/households/{body['id']}").get_json()
    assert (read["pledge_cents"], read["children"]) == (1000, [])
    assert [h["name"] for h in coordinator.get(f"{API}/households").get_json()["households"]] == ["Nowak"]


def test_household_api_refusals_have_the_error_shape(coordinator, make, db):
    theirs = make.household(make.coop(), name="Dubois")
    with nothing_changes(db):
        error = error_of(coordinator.post(f"{API}/households", json={"name": "", "pledge_hours": "x",
                                                                              "address": "a" * 5000}))
        assert set(error["fields"]) == {"name", "pledge_hours", "address"}
        assert error_of(coordinator.put(f"{API}/households/{theirs.id}", json=FORM))["code"] == "not_found"
        assert error_of(coordinator.get(f"{API}/households/{theirs.id}"))["code"] == "not_found"
        assert error_of(coordinator.put(f"{API}/households/424242", json=FORM))["code"] == "not_found"


def test_a_parent_reads_only_their_own_household(make, coop, login_as, db):
    own, other = make.household(coop, name="Own"), make.household(coop, name="Other")
    parent = login_as(make.person(coop, "parent", household=own, language="en"))
    assert parent.get(f"{API}/households/{own.id}").status_code == 200
    assert parent.get(f"/c/marolles/households/{own.id}").status_code == 200
    assert error_of(parent.get(f"{API}/households/{other.id}"))["code"] == "not_found"
    with nothing_changes(db):
        assert parent.put(f"{API}/households/{own.id}", json=FORM).status_code == 403


def test_control_characters_never_reach_the_database(coordinator, db):
    created = coordinator.post(f"{API}/households", json={"name": "Jans\x00sens", "address": "Rue\x00 Haute"})
    assert created.status_code == 201
    assert (created.get_json()["name"], created.get_json()["address"]) == ("Janssens", "Rue Haute")


def test_household_page_lists_its_parents_and_offers_to_invite_one(coordinator, make, coop):
    household = make.household(coop)
    parent = make.person(coop, "parent", household=household)
    other = make.person(coop, "parent", household=make.household(coop))
    page = coordinator.get(f"/c/{coop.slug}/households/{household.id}").get_data(as_text=True)
    assert parent.display_name in page
    assert other.display_name not in page
    invite = coordinator.get(f"/c/{coop.slug}/invite?household_id={household.id}").get_data(as_text=True)
    assert f'<option value="{household.id}" selected' in invite
