"""Caregiver profiles: kinds, qualifications, contract hours; screens and API; audited by id."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from coop.caregivers import service
from coop.caregivers.models import CaregiverProfile
from coop.caregivers.service import CaregiverInput
from coop.errors import Conflict, NotFound, ValidationFailed
from tests.cooperatives.rows import audit_trail, error_of, nothing_changes

API = "/api/v1/coops/marolles"


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def coordinator_person(make, coop):
    return make.person(coop, "coordinator", language="en")


@pytest.fixture
def coordinator(coordinator_person, login_as):
    return login_as(coordinator_person)


@pytest.fixture
def staff(make, coop):
    return make.person(coop, "staff", language="en")


def test_staff_profile_keeps_contract_hours_and_others_lose_them(db, make, coop, staff):
    profile = service.save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None, data=CaregiverInput(
        person_id=staff.id, kind="staff", contract_minutes_per_week=38 * 60, has_first_aid=True))
    db.commit()
    assert (profile.contract_minutes_per_week, profile.has_first_aid) == (38 * 60, True)
    pro = make.person(coop, "professional")
    other = service.save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None, data=CaregiverInput(
        person_id=pro.id, kind="professional", contract_minutes_per_week=600))
    db.commit()
    assert other.contract_minutes_per_week == 0
    assert audit_trail(db, object_type="caregiver") == [("create", "caregiver", profile.id),
                                                        ("create", "caregiver", other.id)]


def test_bad_caregiver_values_are_refused_on_their_field(db, make, coop, staff):
    foreign_person = make.person(make.coop(), "staff")
    foreign_household = make.household(make.coop())
    cases = [
        (CaregiverInput(person_id=staff.id, kind="wizard"), {"kind"}),
        (CaregiverInput(person_id=staff.id, kind="staff"), {"contract_hours"}),
        (CaregiverInput(person_id=staff.id, kind="staff", contract_minutes_per_week=-60), {"contract_hours"}),
        (CaregiverInput(person_id=staff.id, kind="staff", contract_minutes_per_week=61 * 60 * 60), {"contract_hours"}),
        (CaregiverInput(person_id=staff.id, kind="volunteer"), {"household_id"}),
        (CaregiverInput(person_id=staff.id, kind="volunteer", household_id=foreign_household.id), {"household_id"}),
        (CaregiverInput(person_id=foreign_person.id, kind="professional"), {"person_id"}),
        (CaregiverInput(person_id=424242, kind="professional"), {"person_id"}),
    ]
    for data, fields in cases:
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            service.save_caregiver(db, coop_id=coop.id, caregiver_id=None, data=data, actor_id=None)
        assert set(caught.value.fields) == fields, data


def test_a_person_has_one_caregiver_profile_per_cooperative(db, make, coop, staff):
    data = CaregiverInput(person_id=staff.id, kind="staff", contract_minutes_per_week=600)
    first = service.save_caregiver(db, coop_id=coop.id, caregiver_id=None, data=data, actor_id=None)
    db.commit()
    with nothing_changes(db), pytest.raises(Conflict) as caught:
        service.save_caregiver(db, coop_id=coop.id, caregiver_id=None, data=data, actor_id=None)
    assert caught.value.code == "duplicate_caregiver"
    other_coop = make.coop()
    with nothing_changes(db), pytest.raises(NotFound):
        service.save_caregiver(db, coop_id=other_coop.id, caregiver_id=first.id, data=data, actor_id=None)


def test_coordinator_adds_edits_and_lists_caregivers(coordinator, db, coop, staff, coordinator_person):
    created = coordinator.post("/c/marolles/caregivers/new", data={
        "person_id": staff.id, "kind": "staff", "contract_hours": "38", "has_first_aid": "1"})
    assert created.status_code == 302
    db.rollback()
    profile_id = db.exec(select(CaregiverProfile.id)).one()
    db.rollback()
    form = coordinator.get(f"/c/marolles/caregivers/{profile_id}/edit").get_data(as_text=True)
    assert 'value="38"' in form
    edited = coordinator.post(f"/c/marolles/caregivers/{profile_id}/edit", data={
        "person_id": staff.id, "kind": "staff", "contract_hours": "30,5", "is_night_certified": "on"})
    assert edited.status_code == 302
    listing = coordinator.get("/c/marolles/caregivers/").get_data(as_text=True)
    assert staff.display_name in listing and "Night certified" in listing and "30.5" in listing
    assert audit_trail(db, object_type="caregiver", actor_id=coordinator_person.id) == [
        ("create", "caregiver", profile_id), ("read", "caregiver", profile_id), ("update", "caregiver", profile_id)]


BAD_CAREGIVER_FORMS = [
    ({"kind": "staff", "contract_hours": ""}, "Paid staff need their contract hours per week.", 422),
    ({"kind": "staff", "contract_hours": "-3"}, "Enter an amount like 12.50.", 422),
    ({"kind": "volunteer"}, "A volunteer parent belongs to a household.", 422),
    ({"person_id": "abc"}, "Enter a whole number.", 422),
    ({"kind": "robot"}, "Choose a value from the list.", 422),
]


def test_a_refused_caregiver_form_says_why_and_keeps_the_values(coordinator, db, staff):
    for changes, message, status in BAD_CAREGIVER_FORMS:
        form = {"person_id": staff.id, "kind": "professional", "contract_hours": "12", "has_infant_care": "1",
                **changes}
        with nothing_changes(db):
            response = coordinator.post("/c/marolles/caregivers/new", data=form)
        assert response.status_code == status
        page = response.get_data(as_text=True)
        assert message in page
        assert f'value="{form["contract_hours"]}"' in page
        assert re.search(r'name="has_infant_care"[^>]*\bchecked', page)


def test_a_duplicate_profile_on_the_screen_is_a_409_with_the_message(coordinator, make, db, staff, coop):
    make_profile = {"person_id": staff.id, "kind": "staff", "contract_hours": "10"}
    assert coordinator.post("/c/marolles/caregivers/new", data=make_profile).status_code == 302
    with nothing_changes(db):
        response = coordinator.post("/c/marolles/caregivers/new", data=make_profile)
    assert response.status_code == 409
    assert "This person already has a caregiver profile." in response.get_data(as_text=True)


def test_caregiver_api_creates_reads_updates_and_lists(coordinator, make, db, coop, staff):
    household = make.household(coop)
    parent = make.person(coop, "parent", household=household)
    created = coordinator.post(f"{API}/caregivers", json={
        "person_id": parent.id, "kind": "volunteer", "household_id": household.id, "has_first_aid": True})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["name"], body["qualifications"]) == (parent.display_name, ["has_first_aid"])
    updated = coordinator.put(f"{API}/caregivers/{body['id']}", json={
        "person_id": parent.id, "kind": "volunteer", "household_id": household.id, "is_night_certified": True})
    assert updated.get_json()["qualifications"] == ["is_night_certified"]
    assert coordinator.get(f"{API}/caregivers/{body['id']}").get_json()["household_id"] == household.id
    assert [c["id"] for c in coordinator.get(f"{API}/caregivers").get_json()["caregivers"]] == [body["id"]]


def test_caregiver_api_refusals_have_the_error_shape(coordinator, make, db, coop, staff):
    foreign = make.person(make.coop(), "staff")
    with nothing_changes(db):
        error = error_of(coordinator.post(f"{API}/caregivers", json={"person_id": staff.id, "kind": "staff"}))
        assert set(error["fields"]) == {"contract_hours"}
        error = error_of(coordinator.post(f"{API}/caregivers", json={"person_id": foreign.id,
                                                                              "kind": "volunteer"}))
        assert set(error["fields"]) == {"person_id", "household_id"}
        assert error_of(coordinator.put(f"{API}/caregivers/4242", json={"person_id": staff.id,
                                                                                 "kind": "professional"}))[
            "code"] == "not_found"
        assert error_of(coordinator.get(f"{API}/caregivers/4242"))["code"] == "not_found"
    assert coordinator.post(f"{API}/caregivers", json={"person_id": staff.id, "kind": "staff",
                                                                "contract_hours": "19"}).status_code == 201
    with nothing_changes(db):
        duplicate = coordinator.post(f"{API}/caregivers", json={"person_id": staff.id, "kind": "staff",
                                                                         "contract_hours": "19"})
        assert duplicate.status_code == 409 and error_of(duplicate)["code"] == "duplicate_caregiver"
