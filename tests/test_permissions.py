"""The permission matrix: every protected action (each route and method, HTML and API) for
every role, on real rows.

Refused cases: a role the route does not allow (403); cooperative B's rows through B's slug
and through A's (404, and nothing of B in the answer); for parents and caregivers, another
household's or caregiver's rows (404). A refused request changes nothing in the database.
Allowed case: the role's own rows are served, and a mutating action really changes them.

Refused cases and allowed reads share one world per test module (they change nothing);
every allowed write gets a fresh world of its own beside it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coop.auth.service import add_membership
from coop.caregivers.models import CaregiverProfile
from coop.clock import local_today
from tests.conftest import PASSWORD, Factory, login
from tests.routes import Action, protected_actions
from tests.world import (
    ROLES,
    SCOPED_PARAMS,
    Ids,
    Shared,
    World,
    build_world,
    changed_tables,
    module_world_fixtures,
    snapshot,
)

ACTIONS = protected_actions()
REFUSED = (403, 404)
NOT_SERVED = (401, 403, 404, 405)
_prefixes = itertools.count(1)

Payload = Callable[[World, Ids, Action], dict[str, Any]]


def _next_week() -> str:
    return (local_today() + timedelta(days=7)).isoformat()


def _caregiver(world: World, ids: Ids, action: Action) -> dict[str, Any]:
    if "caregiver_id" in action.params:
        return {"person_id": ids["person_id"], "kind": "volunteer", "household_id": ids["household_id"],
                "has_first_aid": "1"}
    return {"person_id": world.people["provider"].id, "kind": "professional"}


def _booking(world: World, ids: Ids, action: Action) -> dict[str, Any]:
    day = _next_week()
    if action.is_api:
        return {"child_id": ids["child_id"], "site_id": ids["site_id"], "start": f"{day}T09:00",
                "end": f"{day}T12:00", "weeks": "2" if action.rule.endswith("/series") else "1"}
    return {"child_id": ids["child_id"], "site_id": ids["site_id"], "day": day, "start_time": "09:00",
            "end_time": "12:00"}


def _fixed(values: dict[str, Any]) -> Payload:
    return lambda world, ids, action: dict(values)


SETTINGS = _fixed({"name": "Renamed cooperative", "language": "nl", "timezone": "Europe/Brussels"})
SITE = _fixed({"name": "Renamed site", "address": "Rue Neuve 2, 1000 Bruxelles", "capacity": "8", "beds": "2",
               "is_always_open": "1"})
WINDOW = _fixed({"weekday": "2", "start": "07:00", "end": "15:00"})
EXCEPTION = _fixed({"start_date": "2027-01-04", "end_date": "2027-01-08", "note": "holiday"})
HOUSEHOLD = _fixed({"name": "Renamed family", "address": "Rue Neuve 3, 1000 Bruxelles", "pledge_hours": "4"})
CHILD = _fixed({"first_name": "Zoe", "last_name": "Family", "birth_date": "2021-03-04"})
PICKUP = _fixed({"name": "Grandma Jo", "relation": "grandmother"})
INVITATION = _fixed({"email": "new.member@example.be", "role": "parent"})
EMPTY = _fixed({})

# A body that makes each known write succeed for an allowed role. A write missing here is
# still checked (refused cases, and access granted when allowed), only less strictly.
PAYLOADS: dict[str, Payload] = {
    "auth.account": _fixed({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
    "auth.logout": EMPTY,
    "cooperatives.settings": SETTINGS, "cooperatives_api.update_settings": SETTINGS,
    "cooperatives.edit_site": SITE, "cooperatives_api.create_site": SITE, "cooperatives_api.update_site": SITE,
    "caregivers.edit": _caregiver, "caregivers_api.create_caregiver": _caregiver,
    "caregivers_api.update_caregiver": _caregiver,
    "caregivers.add_window": WINDOW, "caregivers_api.add_window": WINDOW,
    "caregivers.add_exception": EXCEPTION, "caregivers_api.add_exception": EXCEPTION,
    "caregivers.remove_window": EMPTY, "caregivers_api.remove_window": EMPTY,
    "caregivers.remove_exception": EMPTY, "caregivers_api.remove_exception": EMPTY,
    "members.edit_household": HOUSEHOLD, "members_api.create_household": HOUSEHOLD,
    "members_api.update_household": HOUSEHOLD,
    "members.edit_child": CHILD, "members_api.create_child": CHILD, "members_api.update_child": CHILD,
    "members.add_pickup": PICKUP, "members_api.add_pickup": PICKUP,
    "members.remove_pickup": EMPTY, "members_api.remove_pickup": EMPTY,
    "members.invite": INVITATION, "members_api.create_invitation": INVITATION,
    "members.remove_role": EMPTY, "members_api.remove_membership": EMPTY, "members.reset_link": EMPTY,
    "bookings.new": _booking, "bookings_api.create": _booking, "bookings_api.create_series": _booking,
    "bookings.cancel": EMPTY, "bookings_api.cancel": EMPTY,
    "bookings.new_feed": lambda world, ids, action: {"household_id": ids["household_id"]},
    "rosters.solve": EMPTY, "rosters.pin": EMPTY, "rosters.unpin": EMPTY, "rosters.remove": EMPTY,
    "rosters.assign": lambda world, ids, action: {"caregiver_id": ids["caregiver_id"]},
    "rosters.publish": lambda world, ids, action: {"roster_id": ids["roster_id"]},
    "home.new_cooperative": lambda world, ids, action: {"slug": f"new-{world.coop_a.slug}", "name": "New cooperative",
                                                        "language": "fr"},
}


shared, _empty_tables = module_world_fixtures("perm")


def send(client: FlaskClient, action: Action, ids: Ids, payload: dict[str, Any] | None = None) -> TestResponse:
    """The action's request on the rows ``ids``: JSON bodies for the API, forms for pages."""
    url = action.url(ids)
    if not action.is_mutating:
        return client.open(url, method=action.method)
    if action.is_api:
        return client.open(url, method=action.method, json=payload or {})
    return client.open(url, method=action.method, data=payload or {})


def sends_to_login(response: TestResponse) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def refused_cases(world: World, action: Action, role: str) -> list[tuple[str, Ids]]:
    """(why, ids) of requests the role must be refused on this action."""
    own = world.own(role)
    if not action.allows(role):
        return [("a route its role may not use", own)]
    cases = [("cooperative B's rows through B's slug", world.of_b)]
    if action.id_params:
        cases.append(("cooperative B's rows through A's slug", {**world.of_b, "slug": own["slug"]}))
        leaf = action.id_params[-1]
        if len(action.id_params) > 1:
            cases.append((f"its own rows but {leaf} of cooperative B", {**own, leaf: world.of_b[leaf]}))
    neighbours = world.neighbours(role)
    scoped = [p for p in action.id_params if p in SCOPED_PARAMS]
    if neighbours is not None and scoped:
        cases.append(("another household's or caregiver's rows", neighbours))
        if len(scoped) > 1:
            cases.append((f"its own rows but {scoped[-1]} of another", {**own, scoped[-1]: neighbours[scoped[-1]]}))
    return cases


def assert_refused(response: TestResponse, world: World, where: str, *, has_payload: bool) -> None:
    """403 or 404 with nothing of B or of the neighbours. Without a valid body for the action,
    a validation refusal (400, 422) is accepted too: the view may check the body first."""
    body = response.get_data().decode("utf-8", "replace")
    expected = REFUSED if has_payload else (*REFUSED, 400, 422)
    assert response.status_code in expected, f"{where}: {response.status_code} {body[:300]}"
    for foreign in (world.b_token, "Neighbour family", "Barred neighbour person"):
        assert foreign not in body, f"{where}: the refusal shows {foreign!r}"
    if response.is_json:
        assert set(response.get_json()) == {"error"}, where


@pytest.mark.parametrize(("action", "role"), [pytest.param(a, r, id=f"{r} {a}") for a in ACTIONS for r in ROLES])
def test_role_is_refused_what_it_may_not_do(action: Action, role: str, shared: Shared) -> None:
    world = shared.world
    client = shared.client(role) if action.in_coop else shared.app.test_client()
    before = snapshot(shared.app) if action.is_mutating else None
    payload = PAYLOADS.get(action.endpoint, EMPTY)(world, world.own(role), action)
    if not action.in_coop:
        response = send(client, action, world.own(role), payload)
        if action.is_api:
            assert response.status_code == 401, f"{action} anonymous: {response.status_code}"
        else:
            assert sends_to_login(response), f"{action} anonymous: {response.status_code}"
        if not action.allows(role):
            assert_refused(send(shared.client(role), action, world.own(role), payload), world,
                           f"{action} as {role}", has_payload=True)
    else:
        for why, ids in refused_cases(world, action, role):
            assert_refused(send(client, action, ids, payload), world, f"{action} as {role} on {why}",
                           has_payload=not action.is_mutating or action.endpoint in PAYLOADS)
    if before is not None:
        assert not changed_tables(before, snapshot(shared.app)), f"a refused {action} as {role} changed the database"


ALLOWED = [pytest.param(a, r, id=f"{r} {a}") for a in ACTIONS for r in ROLES if a.allows(r)]


@pytest.mark.parametrize(("action", "role"), ALLOWED)
def test_role_may_do_what_its_route_allows(action: Action, role: str, shared: Shared, make: Factory) -> None:
    if action.is_mutating:
        world = build_world(make, prefix=f"w{next(_prefixes)}", with_others=False)
        client = login(shared.app.test_client(), world.people[role])
    else:
        world, client = shared.world, shared.client(role)
    ids = world.own(role)
    payload = PAYLOADS.get(action.endpoint)
    before = snapshot(shared.app) if action.is_mutating else None
    response = send(client, action, ids, payload(world, ids, action) if payload else None)
    where = f"{action} as {role}"
    body = response.get_data().decode("utf-8", "replace")
    assert response.status_code not in NOT_SERVED and response.status_code < 500, \
        f"{where}: {response.status_code} {body[:300]}"
    assert world.b_token not in body, f"{where} shows cooperative B's data"
    if not action.is_mutating:
        assert response.status_code in (200, 302) and not sends_to_login(response), \
            f"{where}: {response.status_code}"
    elif payload is None:
        assert not sends_to_login(response), where
    else:
        assert response.status_code < 400, f"{where}: {response.status_code} {body[:300]}"
        assert changed_tables(before, snapshot(shared.app)), f"{where} changed nothing"


def test_flying_professional_reaches_each_cooperative_only_through_its_own_slug(make: Factory, app: Flask) -> None:
    """A professional shared by A and B sees their B availability through B's slug, never A's."""
    world = build_world(make)
    professional = world.people["professional"]
    add_membership(make.session, coop_id=world.coop_b.id, person_id=professional.id, role="professional")
    profile_b = CaregiverProfile(coop_id=world.coop_b.id, person_id=professional.id, kind="professional")
    make.session.add(profile_b)
    make.session.commit()
    client = login(app.test_client(), professional)
    own_b = f"caregivers/{profile_b.id}/availability"
    assert client.get(f"/c/{world.coop_b.slug}/{own_b}").status_code == 200
    assert client.get(f"/api/v1/coops/{world.coop_b.slug}/{own_b}").status_code == 200
    assert client.get(f"/c/{world.coop_a.slug}/{own_b}").status_code == 404
    assert client.get(f"/api/v1/coops/{world.coop_a.slug}/{own_b}").status_code == 404
    assert client.get(f"/c/{world.coop_b.slug}/caregivers/{world.rows['b']['caregiver_id']}/availability"
                      ).status_code == 404
