"""Every API error answers ``{"error": {"code", "message", "fields"}}`` with its 4xx status,
and no body (malformed JSON, wrong types, huge numbers, NUL bytes), API or form, ever causes
a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import Factory, login
from tests.routes import Action, all_actions
from tests.world import ROLES, Shared, build_world, module_world_fixtures

API_WRITES = [pytest.param(a, id=str(a)) for a in all_actions() if a.is_api and a.is_mutating]
FORM_WRITES = [pytest.param(a, id=str(a)) for a in all_actions()
               if not a.is_api and a.is_mutating and not a.is_public and a.endpoint != "auth.logout"]
FIELDS = ("name", "address", "phone", "capacity", "beds", "is_always_open", "person_id", "kind", "household_id",
          "child_id", "site_id", "provider_id", "service_id", "start", "end", "weeks", "first_name", "last_name",
          "birth_date", "email", "role", "weekday", "start_date", "end_date", "note", "cents", "euros", "on_date",
          "language", "timezone", "contract_hours", "pledge_hours", "pledge_euros", "is_barred", "relation",
          "cheques", "used_on", "code", "key", "memo", "is_single_parent", "single_parent_since", "password")
WRONG_VALUES: list[Any] = [{"nested": {"deep": 1}}, [1, 2, 3], 10**40, -(10**40), -1, 0, None, True, 1e308,
                           "x" * 5000, "nul\x00byte", "2026-02-30", "25:61", "١٢", "²", " "]
MALFORMED = [b"{not json", b"[1, 2", b'{"name": }', b"\xff\xfe\x00", b"null", b'"a string"', b"[]", b"12"]


def assert_error_shape(response: TestResponse, status: int | None = None, code: str | None = None) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    error = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    if status is not None:
        assert response.status_code == status, (response.status_code, body)
    if code is not None:
        assert error["code"] == code, body
    return error


def test_each_kind_of_api_error_has_the_same_shape(app: Flask, make: Factory) -> None:
    world = build_world(make)
    slug = world.coop_a.slug
    coordinator = login(app.test_client(), world.people["coordinator"])
    parent = login(app.test_client(), world.people["parent"])
    assert_error_shape(coordinator.get(f"/api/v1/coops/{slug}/households/987654"), 404, "not_found")
    assert_error_shape(coordinator.get(f"/api/v1/coops/{slug}/households/{10**30}"), 404)
    assert_error_shape(coordinator.get(f"/api/v1/coops/{slug}/sites/{world.of_b['site_id']}"), 404, "not_found")
    assert_error_shape(coordinator.get(f"/api/v1/coops/{world.coop_b.slug}/sites"), 404)
    assert_error_shape(parent.get(f"/api/v1/coops/{slug}/households"), 403, "forbidden")
    invalid = assert_error_shape(coordinator.post(f"/api/v1/coops/{slug}/sites", json={"capacity": -3}), 422,
                                 "validation_failed")
    assert {"name", "address"} <= set(invalid["fields"]), invalid
    duplicate = {"person_id": world.people["staff"].id, "kind": "staff", "contract_hours": "10"}
    assert_error_shape(coordinator.post(f"/api/v1/coops/{slug}/caregivers", json=duplicate), 409)
    assert_error_shape(app.test_client().get(f"/api/v1/coops/{slug}/sites"), 401, "unauthorized")
    assert_error_shape(coordinator.delete(f"/api/v1/coops/{slug}/sites"), 405)
    assert_error_shape(coordinator.get("/api/no/such/route"), 404)
    assert_error_shape(coordinator.post(f"/api/v1/coops/{slug}/sites", data=b"x" * (2 * 1024 * 1024),
                                        content_type="application/json"), 413)


shared, _empty_tables = module_world_fixtures("errors")


def _assert_handled(response: TestResponse, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert_error_shape(response)


@pytest.mark.parametrize("action", API_WRITES)
def test_malformed_and_mistyped_bodies_never_cause_a_500(action: Action, shared: Shared) -> None:
    """Only the answers matter here, so one world serves every action (some bodies may pass).
    The public one (issuing a token) is called anonymously, from an address of its own so its
    failed logins do not rate-limit the others' logins."""
    role = next((r for r in ROLES if action.allows(r)), None)
    client = shared.client(role) if role else shared.app.test_client()
    url, environ = action.url(shared.world.own(role or "parent")), {"REMOTE_ADDR": "192.0.2.30"}
    for raw in MALFORMED:
        response = client.open(url, method=action.method, data=raw, content_type="application/json",
                               environ_base=environ)
        _assert_handled(response, f"{action} with body {raw!r}")
    for value in WRONG_VALUES:
        response = client.open(url, method=action.method, json=dict.fromkeys(FIELDS, value), environ_base=environ)
        _assert_handled(response, f"{action} with every field {value!r:.40}")
    response = client.open(url, method=action.method, data={"name": "form, not JSON"}, environ_base=environ)
    _assert_handled(response, f"{action} with a form body")


@pytest.mark.parametrize("action", FORM_WRITES)
def test_bad_form_values_never_cause_a_500(action: Action, shared: Shared) -> None:
    role = next(r for r in ROLES if action.allows(r))
    client, url = shared.client(role), action.url(shared.world.own(role))
    for value in [v for v in WRONG_VALUES if isinstance(v, str)] + ["99999999999999999999999", "-0", "1e9"]:
        with client.post(url, data=dict.fromkeys(FIELDS, value)) as response:
            assert response.status_code < 500, f"{action} with every field {value!r:.40}: {response.status_code}"


QUERY = {"before": "9" * 25, "site_id": "9" * 25, "household_id": "9" * 25, "week": "2026-13-45", "day": "nul\x00",
         "start": "x", "end": "-1", "month": "2026-99", "page": "-5", "lang": "zz"}
GETS = [pytest.param(a, id=str(a)) for a in all_actions() if a.method == "GET" and not a.is_public]


@pytest.mark.parametrize("action", GETS)
def test_bad_query_strings_never_cause_a_500(action: Action, shared: Shared) -> None:
    role = next(r for r in ROLES if action.allows(r))
    url = action.url(shared.world.own(role))
    with shared.client(role).get(url, query_string=QUERY) as response:
        assert response.status_code < 500, f"{action} with {QUERY}: {response.status_code}"
