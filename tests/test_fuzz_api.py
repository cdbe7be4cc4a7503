"""The JSON API fuzzed from its own OpenAPI description (``/api/v1/openapi.json``), in
process: every operation, a few generated requests each, anonymously and as a parent and a
coordinator of a small cooperative. No answer may be a server error, every answer must be
one the description lists (JSON errors included), and no operation may answer anything but
401 to a visitor who is not logged in."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks
from werkzeug.exceptions import HTTPException

from tests.world import Shared, module_world_fixtures

# Bounded: 40 operations x 3 callers x a few examples stay well under a minute.
EXAMPLES = 5
CALLERS = ("anonymous", "parent", "coordinator")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]

shared, _empty_tables = module_world_fixtures("fuzz")


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
    assert all(item[m]["security"] == [{"session": []}] for item in described["paths"].values()
               for m in item if m != "parameters"), "every API operation needs a login"


def _has_route(app: Flask, case: Any) -> bool:
    """Whether the generated request reaches one of the app's views (as opposed to a path or
    method that no route takes, which the app refuses before anything else)."""
    try:
        app.url_map.bind("localhost").match(unquote(case.formatted_path), method=case.method.upper())
    except HTTPException:
        return False
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_operation_never_fails_nor_ignores_the_login(case: Any, shared: Shared) -> None:
    """Each generated request is sent as each caller."""
    own = shared.world.own("parent")
    generated = dict(case.path_parameters or {})
    if "slug" in generated:
        generated["slug"] = own["slug"]
    for caller in CALLERS:
        case.path_parameters = dict(generated)
        # Schemathesis fills the session cookie itself (the description names it); replaced
        # here by no cookie at all, or by the caller's real one.
        case.cookies = {}
        if caller != "anonymous":
            # The rows named in the path are the parent's own, so requests reach the services.
            case.path_parameters.update({k: v for k, v in own.items() if k in generated})
            case.cookies = {"coop": shared.client(caller).get_cookie("coop").value}
        routed = _has_route(shared.app, case)
        response = case.call_and_validate(checks=CHECKS)
        where = f"{case.method} {case.formatted_path} as {caller}: {response.status_code}"
        if caller == "anonymous" and case.method.upper() == "OPTIONS":
            # Flask's automatic answer: the allowed methods, no data.
            assert response.status_code == 200 and not response.content, where
        elif caller == "anonymous" and routed:
            assert response.status_code == 401, where
        elif caller == "anonymous":
            # No route for this method or path (an id that is not a number...): nothing to guard.
            assert response.status_code in (404, 405), where
        else:
            assert response.status_code != 401, f"{where}: the login was not honoured"
