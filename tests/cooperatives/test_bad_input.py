"""No input produces a 500: every write endpoint of sites, members and caregivers, HTML and
JSON, fed malformed values of every type, answers with a page or a 4xx error object."""

from __future__ import annotations

from datetime import date

import pytest

from coop.caregivers.availability import add_exception, add_window
from coop.caregivers.forms import CAREGIVER_FIELDS, EXCEPTION_FIELDS, WINDOW_FIELDS
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.cooperatives.forms import COOPERATIVE_FIELDS, SITE_FIELDS
from coop.members.forms import CHILD_FIELDS, HOUSEHOLD_FIELDS, INVITATION_FIELDS, PICKUP_FIELDS
from coop.members.pickups import add_pickup_person
from tests.cooperatives.rows import error_of

BLUEPRINTS = {"cooperatives", "members", "caregivers", "cooperatives_api", "members_api", "caregivers_api"}
FIELDS = sorted(set(SITE_FIELDS + COOPERATIVE_FIELDS + HOUSEHOLD_FIELDS + CHILD_FIELDS + PICKUP_FIELDS
                    + INVITATION_FIELDS + CAREGIVER_FIELDS + WINDOW_FIELDS + EXCEPTION_FIELDS))
JSON_VALUES = [None, True, 10**30, "\x00", "9" * 5000, ["a"], {"a": 1}, "2026-02-30", "-0,5"]
FORM_VALUES = ["", "\x00\x01", "9" * 5000, "-1", "99:99", "١٢"]


@pytest.fixture
def urls(app, db, make):
    """Every write URL of the three concepts, with ids of real rows of the coordinator's cooperative."""
    coop = make.coop(slug="marolles")
    household = make.household(coop)
    child = make.child(household)
    staff = make.person(coop, "staff")
    profile = save_caregiver(db, coop_id=coop.id, caregiver_id=None, actor_id=None,
                             data=CaregiverInput(person_id=staff.id, kind="staff", contract_minutes_per_week=60))
    ids = {"slug": "marolles", "household_id": household.id, "child_id": child.id, "caregiver_id": profile.id,
           "site_id": make.site(coop).id, "person_id": staff.id,
           "pickup_id": add_pickup_person(db, coop_id=coop.id, household_id=household.id, child_id=child.id,
                                          name="Oma", relation="", phone="", is_barred=False, actor_id=None).id,
           "window_id": add_window(db, coop_id=coop.id, caregiver_id=profile.id, weekday=0, start_minute=0,
                                   end_minute=60, actor_id=None).id,
           "exception_id": add_exception(db, coop_id=coop.id, caregiver_id=profile.id, start_date=date(2026, 1, 1),
                                         end_date=date(2026, 1, 2), is_available=False, note="", actor_id=None).id,
           "membership_id": 10**6}
    db.commit()
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS or "DELETE" in rule.methods:
            continue
        for method in sorted(rule.methods & {"POST", "PUT"}):
            found.append((method, rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]))
    return make.person(coop, "coordinator"), sorted(found)


def test_every_write_endpoint_answers_malformed_json_with_a_4xx_error_object(login_as, urls):
    coordinator, endpoints = urls
    client = login_as(coordinator)
    api = [(m, u) for m, u in endpoints if u.startswith("/api/")]
    assert len(api) >= 12
    for method, url in api:
        for value in JSON_VALUES:
            response = client.open(url, method=method, json=dict.fromkeys(FIELDS, value))
            assert response.status_code < 500, (method, url, value)
            if response.status_code >= 400:
                error_of(response)


def test_every_write_screen_answers_malformed_forms_without_a_500(login_as, urls):
    coordinator, endpoints = urls
    client = login_as(coordinator)
    screens = [(m, u) for m, u in endpoints if not u.startswith("/api/")]
    assert len(screens) >= 10
    for method, url in screens:
        for value in FORM_VALUES:
            response = client.open(url, method=method, data=dict.fromkeys(FIELDS, value))
            assert response.status_code < 500, (method, url, value)
