"""The JSON API fuzzed from its own OpenAPI description (``/api/v1/openapi.json``), in
process: every operation, a few generated requests each, anonymously and as a parent and a
coordinator of a small cooperative, who authenticate with bearer tokens obtained from
``POST /api/v1/auth/token``. No answer may be a server error, every answer must be one the
description lists (JSON errors included), and no operation but that public one may answer
anything but 401 to a visitor who is not logged in."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from werkzeug.exceptions import HTTPException

from coop.auth.permissions import PUBLIC, access_of
from tests.conftest import PASSWORD
from tests.world import Shared, module_world_fixtures

# Bounded: 40 operations x 3 callers x a few examples stay well under a minute.
EXAMPLES = 5
CALLERS = ("anonymous", "parent", "coordinator")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]

# Tokens are issued from another address than the fuzzed requests', whose failed logins
# soon reach the per-address limit.
ISSUER = {"REMOTE_ADDR": "192.0.2.10"}
REVOKE = ("DELETE", "/api/v1/auth/token")

shared, _empty_tables = module_world_fixtures("fuzz")


def issue_token(client: FlaskClient, shared: Shared, caller: str) -> str:
    response = client.post("/api/v1/auth/token", environ_base=ISSUER,
                           json={"email": shared.world.people[caller].email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


@pytest.fixture(scope="module")
def tokens(shared: Shared) -> dict[str, str]:
    """One bearer token per logged-in caller, through the real token endpoint."""
    client = shared.app.test_client()
    return {caller: issue_token(client, shared, caller) for caller in CALLERS if caller != "anonymous"}


@pytest.fixture(scope="module")
def api_schema(app: Flask, shared: Shared) -> Any:
    """The description the app serves, with requests going straight to the app (WSGI)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_description_covers_every_api_route(app: Flask) -> None:
    described = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = {(method.upper(), path) for path, item in described["paths"].items() for method in item
                  if method != "parameters"}
    rules = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
             and rule.endpoint != "openapi.document" for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    assert len(operations) == len(rules) >= 40
    assert set(described["components"]["securitySchemes"]) == {"bearerAuth", "session"}
    assert described["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    security = {(method.upper(), path): op["security"] for path, item in described["paths"].items()
                for method, op in item.items() if method != "parameters"}
    assert {key for key, needs in security.items() if not needs} == {("POST", "/api/v1/auth/token")}
    assert all(needs == [{"bearerAuth": []}, {"session": []}] for needs in security.values() if needs), \
        "every other API operation needs a login: a bearer token or the session cookie"


def _route(app: Flask, case: Any) -> str | None:
    """The endpoint the generated request reaches, None for a path or method that no route
    takes (which the app refuses before anything else)."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(unquote(case.formatted_path), method=case.method.upper())
    except HTTPException:
        return None
    return endpoint


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_operation_never_fails_nor_ignores_the_login(case: Any, shared: Shared, tokens: dict[str, str]) -> None:
    """Each generated request is sent as each caller."""
    own = shared.world.own("parent")
    generated = dict(case.path_parameters or {})
    if "slug" in generated:
        generated["slug"] = own["slug"]
    for caller in CALLERS:
        case.path_parameters = dict(generated)
        # Schemathesis fills the credentials the description names itself (a cookie, a bearer
        # header); replaced here by none at all, or by the caller's real token.
        case.cookies = {}
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if caller != "anonymous":
            # The rows named in the path are the parent's own, so requests reach the services.
            case.path_parameters.update({k: v for k, v in own.items() if k in generated})
            # Revoking spends the token: a fresh one, so the caller's stays valid for the rest.
            fresh = (case.method.upper(), case.path) == REVOKE
            token = issue_token(shared.app.test_client(), shared, caller) if fresh else tokens[caller]
            case.headers["Authorization"] = f"Bearer {token}"
        endpoint = _route(shared.app, case)
        is_public = endpoint is not None and access_of(shared.app.view_functions[endpoint]) == PUBLIC
        response = case.call_and_validate(checks=CHECKS)
        where = f"{case.method} {case.formatted_path} as {caller}: {response.status_code}"
        if is_public:
            # Trading credentials for a token: refusals (401, 422, 429) are the answers it lists.
            continue
        if caller == "anonymous" and case.method.upper() == "OPTIONS":
            # Flask's automatic answer: the allowed methods, no data.
            assert response.status_code == 200 and not response.content, where
        elif caller == "anonymous" and endpoint is not None:
            assert response.status_code == 401, where
        elif caller == "anonymous":
            # No route for this method or path (an id that is not a number...): nothing to guard.
            assert response.status_code in (404, 405), where
        else:
            assert response.status_code != 401, f"{where}: the login was not honoured"
