"""Site and settings screens and their JSON API: refusals show the form again (message next
to the field, typed values kept) or answer a 4xx error object, and change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from coop.cooperatives.models import Site
from tests.cooperatives.rows import error_of, nothing_changes

SITE_FORM = {"name": "Maison Haute", "address": "Rue Haute 120", "capacity": "20", "beds": "6",
             "is_always_open": "1"}


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def coordinator(make, coop, login_as):
    return login_as(make.person(coop, "coordinator", language="en"))


def test_coordinator_adds_edits_and_lists_a_site(coordinator, db):
    created = coordinator.post("/c/marolles/sites/new", data=SITE_FORM)
    assert created.status_code == 302
    site_id = db.exec(select(Site.id)).one()
    db.rollback()
    edited = coordinator.post(f"/c/marolles/sites/{site_id}", data={
        **SITE_FORM, "capacity": "30", "is_always_open": "", "opens_0": "07:00", "closes_0": "19:30"})
    assert edited.status_code == 302
    listing = coordinator.get("/c/marolles/sites").get_data(as_text=True)
    assert "Maison Haute" in listing
    form = coordinator.get(f"/c/marolles/sites/{site_id}").get_data(as_text=True)
    assert 'value="30"' in form and 'value="07:00"' in form and 'value="19:30"' in form
    site = db.get(Site, site_id)
    assert (site.capacity, site.is_always_open) == (30, False)


BAD_SITE_FORMS = [
    ({"beds": "21"}, "A site cannot have more beds than places."),
    ({"capacity": "-5"}, "Enter a number between 0 and 500."),
    ({"capacity": "lots"}, "Enter a whole number."),
    ({"capacity": "99999999999999999999999"}, "Enter a number between"),
    ({"name": "n" * 2500}, "Use at most 120 characters."),
    ({"is_always_open": "", "opens_2": "19:00", "closes_2": "07:00"},
     "The closing time must come after the opening time."),
    ({"is_always_open": "", "opens_2": "25:99", "closes_2": "07:00"}, "Enter a time like 07:30."),
    ({"is_always_open": ""}, "Give opening hours for at least one day, or tick open 24/7."),
]


def test_a_refused_site_form_says_why_and_keeps_the_values(coordinator, db):
    for changes, message in BAD_SITE_FORMS:
        with nothing_changes(db):
            response = coordinator.post("/c/marolles/sites/new",
                                        data={**SITE_FORM, "address": "Rue Blaes 7", **changes})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page
        assert 'class="error"' in page
        assert 'value="Rue Blaes 7"' in page


def test_another_cooperatives_site_is_not_found(coordinator, make, db):
    other_site = make.site(make.coop(slug="schaerbeek"), name="Huis Josaphat")
    assert coordinator.get(f"/c/marolles/sites/{other_site.id}").status_code == 404
    with nothing_changes(db):
        assert coordinator.post(f"/c/marolles/sites/{other_site.id}", data=SITE_FORM).status_code == 404
        assert error_of(coordinator.put(f"/api/v1/coops/marolles/sites/{other_site.id}", json=SITE_FORM))["code"] == \
            "not_found"
        assert coordinator.get(f"/api/v1/coops/marolles/sites/{other_site.id}").status_code == 404
        error_of(coordinator.put(f"/api/v1/coops/marolles/sites/{2**70}", json=SITE_FORM))
    assert coordinator.get(f"/c/marolles/sites/{2**70}").status_code == 404


def test_site_api_creates_reads_updates_and_lists(coordinator):
    created = coordinator.post("/api/v1/coops/marolles/sites", json={
        "name": "Kinderhuis", "address": "Rue d'Anderlecht 40", "capacity": 18, "beds": 6,
        "is_always_open": False, "opens_4": "07:00", "closes_4": "24:00"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["hours"] == [{"weekday": 4, "opens_minute": 420, "closes_minute": 1440}]
    updated = coordinator.put(f"/api/v1/coops/marolles/sites/{body['id']}", json={
        "name": "Kinderhuis", "address": "Rue d'Anderlecht 40", "capacity": 18, "beds": 18, "is_always_open": True})
    assert updated.status_code == 200 and updated.get_json()["beds"] == 18
    listed = coordinator.get("/api/v1/coops/marolles/sites").get_json()["sites"]
    assert [(s["name"], s["is_always_open"], s["hours"]) for s in listed] == [("Kinderhuis", True, [])]
    assert coordinator.get(f"/api/v1/coops/marolles/sites/{body['id']}").get_json()["capacity"] == 18


BAD_SITE_PAYLOADS = [
    ({"capacity": -1}, "capacity"),
    ({"capacity": 3, "beds": 4}, "beds"),
    ({"capacity": "3.5"}, "capacity"),
    ({"name": ""}, "name"),
    ({"address": ["not", "text"], "name": "x" * 121}, "name"),
]


def test_site_api_refuses_bad_fields_with_the_error_object(coordinator, db):
    for payload, field in BAD_SITE_PAYLOADS:
        with nothing_changes(db):
            error = error_of(coordinator.post("/api/v1/coops/marolles/sites", json={**SITE_FORM, **payload}))
        assert error["code"] == "validation_failed"
        assert field in error["fields"]


MALFORMED_BODIES4 = [b"{not json", b"[1, 2, 3]", b"null", b'"text"']


def test_site_api_answers_malformed_bodies_with_422(coordinator, db):
    for body in MALFORMED_BODIES4:
        with nothing_changes(db):
            response = coordinator.post("/api/v1/coops/marolles/sites", data=body, content_type="application/json")
        assert response.status_code in (400, 422)
        error_of(response)


def test_cooperative_settings_screen_and_api(coordinator, coop, db):
    refused = coordinator.post("/c/marolles/settings", data={"name": "Coop M", "language": "fr",
                                                             "timezone": "Europe/Atlantis"})
    assert refused.status_code == 422
    assert 'value="Coop M"' in refused.get_data(as_text=True)
    with nothing_changes(db):
        error = error_of(coordinator.put("/api/v1/coops/marolles/settings", json={"name": "", "language": "xx",
                                                                          "timezone": "Europe/Brussels"}))
    assert set(error["fields"]) == {"name", "language"}
    saved = coordinator.put("/api/v1/coops/marolles/settings", json={"name": "Coop M", "language": "nl",
                                                              "timezone": "Europe/Brussels"})
    assert saved.get_json() == {"id": coop.id, "slug": "marolles", "name": "Coop M", "language": "nl",
                                "timezone": "Europe/Brussels"}
    assert coordinator.post("/c/marolles/settings", data={"name": "Coop M2", "language": "en",
                                                          "timezone": "Europe/Brussels"}).status_code == 302
    assert coordinator.get("/api/v1/coops/marolles/settings").get_json()["name"] == "Coop M2"


def test_parents_cannot_change_sites(make, coop, login_as, db):
    parent = login_as(make.person(coop, "parent", language="en"))
    with nothing_changes(db):
        assert parent.post("/api/v1/coops/marolles/sites", json=SITE_FORM).status_code == 403
        assert parent.post("/c/marolles/sites/new", data=SITE_FORM).status_code == 403
