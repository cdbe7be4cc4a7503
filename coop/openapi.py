"""The OpenAPI 3 description of the JSON API, served at ``/api/v1/openapi.json``.

Paths, methods and path parameters come from the app's own URL map, so no operation can be
missing from it; what each operation reads from its body or query string is listed here
beside the field lists the API modules use. The schemathesis run in ``tests/test_fuzz_api.py``
calls every operation it describes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.routing import Rule

from coop.auth.api import TOKEN_FIELDS
from coop.auth.permissions import PUBLIC, Access, access_of, public
from coop.bookings.forms import API_FIELDS as BOOKING_FIELDS
from coop.caregivers.forms import CAREGIVER_FIELDS, EXCEPTION_FIELDS, WINDOW_FIELDS
from coop.cheques.views import REDEEM_FIELDS
from coop.cooperatives.forms import COOPERATIVE_FIELDS, SITE_FIELDS
from coop.db import MAX_ID
from coop.members.forms import CHILD_FIELDS, HOUSEHOLD_FIELDS, INVITATION_FIELDS, PICKUP_FIELDS

bp = Blueprint("openapi", __name__)

# What each writing operation reads from its JSON body (or form), by endpoint.
BODIES: dict[str, Sequence[str]] = {
    "auth_api.issue_token": TOKEN_FIELDS,
    "bookings_api.create": BOOKING_FIELDS,
    "bookings_api.create_series": BOOKING_FIELDS,
    "caregivers_api.create_caregiver": CAREGIVER_FIELDS,
    "caregivers_api.update_caregiver": CAREGIVER_FIELDS,
    "caregivers_api.add_exception": EXCEPTION_FIELDS,
    "caregivers_api.add_window": WINDOW_FIELDS,
    "cheques_api.create_redemption": REDEEM_FIELDS,
    "cooperatives_api.update_settings": COOPERATIVE_FIELDS,
    "cooperatives_api.create_site": SITE_FIELDS,
    "cooperatives_api.update_site": SITE_FIELDS,
    "credits_api.record_payment": ("cents", "on_date", "memo", "idempotency_key"),
    "members_api.create_household": HOUSEHOLD_FIELDS,
    "members_api.update_household": HOUSEHOLD_FIELDS,
    "members_api.create_child": CHILD_FIELDS,
    "members_api.update_child": CHILD_FIELDS,
    "members_api.add_pickup": PICKUP_FIELDS,
    "members_api.create_invitation": INVITATION_FIELDS,
}
# What each reading operation takes from the query string, by endpoint.
QUERIES: dict[str, Sequence[str]] = {
    "bookings_api.index": ("from", "to", "site_id", "cancelled"),
    "bookings_api.availability": ("date", "site_id"),
    "cheques_api.list_redemptions": ("month", "provider_id"),
}
INTEGER_FIELDS = frozenset({"capacity", "beds", "weeks", "weekday", "cents", "cheques", "contract_hours"})
DATE_FIELDS = frozenset({"birth_date", "start_date", "end_date", "on_date", "used_on", "date"})
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
ERROR = {"$ref": "#/components/schemas/Error"}
# Either credential works: a bearer token from POST /api/v1/auth/token, or the web session.
SECURITY = [{"bearerAuth": []}, {"session": []}]
STATUSES = {"400": "Bad request", "401": "Not logged in", "403": "Not allowed for this role",
            "404": "Not found, or not yours", "405": "Method not allowed here",
            "409": "Conflicts with the current state", "422": "Invalid fields",
            "429": "Too many failed attempts"}


def field_schema(name: str) -> dict[str, Any]:
    """Fields arrive as text (numbers and booleans are accepted too), so the types are hints."""
    if name.endswith("_id") or name in INTEGER_FIELDS:
        return {"type": "integer"}
    if name.startswith(("is_", "has_", "needs_")) or name == "cancelled":
        return {"type": "boolean"}
    if name in DATE_FIELDS:
        return {"type": "string", "format": "date"}
    return {"type": "string"}


def _parameter(converter: str | None, name: str) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if converter == "int" else {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(rule: Rule, method: str, access: Access | str | None) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
    if method == "POST":
        responses["201"] = {"description": "Created", "content": {"application/json": {"schema": {}}}}
    if method == "DELETE":
        responses["204"] = {"description": "Removed"}
    responses.update({code: {"description": text, "content": {"application/json": {"schema": ERROR}}}
                      for code, text in STATUSES.items()})
    operation: dict[str, Any] = {"operationId": f"{rule.endpoint}.{method.lower()}", "responses": responses,
                                 "security": [] if access == PUBLIC else SECURITY}
    if isinstance(access, Access) and access.roles:
        operation["description"] = "Roles: " + ", ".join(sorted(access.roles))
    if rule.endpoint in QUERIES:
        operation["parameters"] = [{"name": name, "in": "query", "required": False, "schema": field_schema(name)}
                                   for name in QUERIES[rule.endpoint]]
    if method in ("POST", "PUT", "PATCH"):
        properties = {name: field_schema(name) for name in BODIES.get(rule.endpoint, ())}
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"type": "object", "properties": properties}}}}
    return operation


def describe() -> dict[str, Any]:
    """The description of every ``/api/`` rule of the running app."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or rule.endpoint == "openapi.document":
            continue
        path = PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        item = paths.setdefault(path, {})
        item["parameters"] = [_parameter(m.group(1), m.group(2)) for m in PARAM.finditer(rule.rule)]
        access = access_of(current_app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(rule, method, access)
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cooparentive API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": error},
            # Apps send a token from POST /api/v1/auth/token; pages of the site may use the
            # web session's cookie instead (with the CSRF token on writes).
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie",
                                            "name": current_app.config["SESSION_COOKIE_NAME"]}},
        },
    }


@bp.get("/api/v1/openapi.json")
@public
def document():
    return jsonify(describe())
