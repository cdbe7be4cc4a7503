"""Deny by default, proved on the real ``app.url_map``: every route is either on a short
public list or declares who may use it; anonymous visitors are sent to the login page (or
get a JSON 401); and no GET changes anything but the audit log of reads."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from coop.audit.models import AuditEntry
from coop.auth.permissions import PUBLIC, Access
from tests.routes import PUBLIC_ENDPOINTS, Action, actions_of, all_actions, protected_actions
from tests.world import ROLES, Shared, changed_tables, module_world_fixtures, snapshot

PROTECTED = protected_actions()
# Values for URL parameters when no row is needed: an anonymous request is refused first.
ANY_VALUES = {"slug": "any-coop", "token": "any-token", "filename": "coop.css"}


def _role_for(action: Action) -> str:
    """The first role (coordinator first) that may use the action."""
    return next((role for role in ROLES if action.allows(role)), "coordinator")


def test_every_route_is_public_or_declares_who_may_use_it(app: Flask) -> None:
    actions = actions_of(app)
    unclassified = sorted({f"{a.endpoint} ({a})" for a in actions
                           if a.endpoint not in PUBLIC_ENDPOINTS and not isinstance(a.access, Access)})
    assert not unclassified, f"routes neither on the public list nor protected: {unclassified}"
    public_but_unlisted = sorted({a.endpoint for a in actions if a.access == PUBLIC} - PUBLIC_ENDPOINTS)
    assert not public_but_unlisted, f"@public routes missing from the reviewed public list: {public_but_unlisted}"
    assert PUBLIC_ENDPOINTS <= {a.endpoint for a in actions}, "the public list names endpoints that do not exist"


def test_cooperative_routes_check_the_cooperative(app: Flask) -> None:
    """A protected route under a cooperative's slug must check the person's role in that
    cooperative, and only such routes do."""
    wrong = sorted({str(a) for a in actions_of(app) if not a.is_public
                    and ("<slug>" in a.rule) != (isinstance(a.access, Access) and a.access.in_coop)})
    assert not wrong, f"routes whose <slug> and roles_required disagree: {wrong}"


def test_no_route_mixes_get_with_put_patch_or_delete(app: Flask) -> None:
    """GET shares a rule only with POST, for a page whose form posts back to itself."""
    methods: dict[str, set[str]] = {}
    for action in actions_of(app):
        methods.setdefault(f"{action.endpoint} {action.rule}", set()).add(action.method)
    mixed = sorted(rule for rule, used in methods.items() if "GET" in used and used & {"PUT", "PATCH", "DELETE"})
    assert not mixed, mixed
    api_forms = sorted(rule for rule, used in methods.items() if "GET" in used and "POST" in used and "/api/" in rule)
    assert not api_forms, f"API rules answering both GET and POST: {api_forms}"


@pytest.mark.parametrize("action", [pytest.param(a, id=str(a)) for a in PROTECTED])
def test_anonymous_request_is_sent_to_login(action: Action, app: Flask) -> None:
    url = action.url({p: ANY_VALUES.get(p, 1) for p in action.params})
    response = app.test_client().open(url, method=action.method)
    if action.is_api:
        assert response.status_code == 401, f"{action}: {response.status_code}"
        error = response.get_json()["error"]
        assert set(error) == {"code", "message", "fields"} and error["code"] == "unauthorized"
    else:
        assert response.status_code == 302, f"{action}: {response.status_code}"
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]


shared, _empty_tables = module_world_fixtures("route")


GETS = [pytest.param(a, id=str(a)) for a in all_actions() if a.method == "GET" and a.endpoint != "static"]


@pytest.mark.parametrize("action", GETS)
def test_get_changes_nothing_but_the_audit_of_reads(action: Action, shared: Shared) -> None:
    """Protected pages as a role allowed to see them; public ones as a visitor."""
    role = "anonymous" if action.is_public else _role_for(action)
    client = shared.app.test_client() if action.is_public else shared.client(role)
    before = snapshot(shared.app)
    with client.get(action.url({**ANY_VALUES, **shared.world.own(_role_for(action))})) as response:
        status = response.status_code
    assert status in (200, 302) or (action.is_public and status == 404), f"{action} as {role}: {status}"
    after = snapshot(shared.app)
    changed = changed_tables(before, after)
    assert set(changed) <= {AuditEntry.__tablename__}, f"GET {action.rule} changed {changed}"
    new_entries = set(after[AuditEntry.__tablename__]) - set(before[AuditEntry.__tablename__])
    assert all("'read'" in entry for entry in new_entries), f"GET {action.rule} audited a change: {new_entries}"


FORMS = [pytest.param(a, id=str(a)) for a in all_actions()
         if a.method == "GET" and not a.is_public and any(
             b.endpoint == a.endpoint and b.rule == a.rule and b.method == "POST" for b in all_actions())]


@pytest.mark.parametrize("action", FORMS)
def test_a_rule_taking_get_and_post_renders_its_form_on_get(action: Action, shared: Shared) -> None:
    role = _role_for(action)
    response = shared.client(role).get(action.url(shared.world.own(role)))
    assert response.status_code == 200 and response.mimetype == "text/html", action
    forms = re.findall(r"<form[^>]*>", response.get_data(as_text=True))
    assert any('method="post"' in form and 'class="lang"' not in form and "logout" not in form
               for form in forms), f"GET {action.rule} shows no form of its own: {forms}"
