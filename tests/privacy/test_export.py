"""A household's data export: everything of the household, nothing of any other, audited,
and only for its own parents and the cooperative's coordinators."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from coop.members.models import Child
from coop.models import metadata
from coop.privacy.export import EXPORT_FORMAT, EXPORTED_TABLES, NOT_EXPORTED
from tests.conftest import Factory, login
from tests.world import World, build_world

# Columns that tie a row to a household, a child, a person or a caregiver.
OWNER_COLUMNS = frozenset({"household_id", "child_id", "person_id", "caregiver_id", "from_caregiver_id",
                           "to_caregiver_id", "taken_by_id", "author_id"})


def _export(client: FlaskClient, world: World, ids: dict[str, Any] | None = None) -> Any:
    ids = ids or world.rows["family"]
    return client.post(f"/c/{ids['slug']}/households/{ids['household_id']}/privacy/export")


def _values(document: Any) -> list[Any]:
    """Every scalar in the document."""
    if isinstance(document, dict):
        return [v for value in document.values() for v in _values(value)]
    if isinstance(document, list):
        return [v for value in document for v in _values(value)]
    return [document]


def test_a_parent_downloads_the_household_data_and_nothing_of_other_households(
        app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make)
    family = world.rows["family"]
    client = login(app.test_client(), world.people["parent"])
    assert client.get(f"/c/{family['slug']}/households/{family['household_id']}").status_code == 200
    response = _export(client, world)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    document = json.loads(body)
    assert document["format"] == EXPORT_FORMAT
    assert document["household"]["name"] == "Marked family"
    assert world.marker_address in document["household"]["address"]
    assert [p["name"] for p in document["pickup_persons"]] == [world.marker_barred]
    assert [c["id"] for c in document["children"]] == [family["child_id"]]
    assert [p["email"] for p in document["parents"]] == [world.people["parent"].email]
    assert [b["id"] for b in document["bookings"]] == [family["booking_id"]]
    assert [t["id"] for t in document["contribution"]["transactions"]] == [family["transaction_id"]]
    assert sum(e["minutes"] for e in document["contribution"]["transactions"][0]["entries"]) == 0
    assert document["contribution"]["balance_minutes"] == 100  # 25 euros at 15 euros an hour
    assert family["redemption_id"] in [r["id"] for r in document["cheques"]["redemptions"]]
    assert [d["id"] for d in document["cheques"]["disputes"]] == [family["dispute_id"]]
    caregiving = document["caregiving"]
    assert [p["id"] for p in caregiving["profiles"]] == [family["caregiver_id"]]
    assert [w["id"] for w in caregiving["availability_windows"]] == [family["window_id"]]
    assert [e["id"] for e in caregiving["availability_exceptions"]] == [family["exception_id"]]
    assert family["published_assignment_id"] in [a["id"] for a in caregiving["roster_assignments"]]
    assert family["swap_id"] in [s["id"] for s in caregiving["shift_swaps"]]
    assert any(e["object_type"] == "household" and e["action"] == "read" for e in document["access_log"])
    for secret in ("token_hash", "password_hash", "key_hash"):
        assert secret not in body

    neighbour_child = db.get(Child, world.rows["neighbour"]["child_id"])
    for foreign in ("Neighbour family", neighbour_child.first_name, "Nico Neighbour", "Barred neighbour person",
                    "Rue Blaes", world.people["neighbour"].email, world.b_token):
        assert foreign not in body, foreign
    assert world.rows["neighbour"]["household_id"] not in [
        row.get("household_id") for row in _rows_of(document)]

    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        world.people["parent"].id, "household", family["household_id"])


def _rows_of(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        return [document] + [row for value in document.values() for row in _rows_of(value)]
    if isinstance(document, list):
        return [row for value in document for row in _rows_of(value)]
    return []


def test_a_coordinator_downloads_any_household_of_the_cooperative(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make)
    client = login(app.test_client(), world.people["coordinator"])
    neighbour = world.rows["neighbour"]
    response = _export(client, world, neighbour)
    assert response.status_code == 200
    assert response.get_json()["household"]["name"] == "Neighbour family"
    assert world.marker_barred not in response.get_data(as_text=True)
    assert client.get(f"/c/{neighbour['slug']}/households/{neighbour['household_id']}/privacy").status_code == 200
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "export")).one().actor_id == \
        world.people["coordinator"].id


def test_others_are_refused_and_nothing_is_recorded(app: Flask, make: Factory, db: Session) -> None:
    world = build_world(make)
    family = world.rows["family"]
    page = f"/c/{family['slug']}/households/{family['household_id']}/privacy"
    for who in ("neighbour", "coordinator_b"):
        client = login(app.test_client(), world.people[who])
        assert _export(client, world).status_code == 404, who
        assert client.get(page).status_code == 404, who
    b_slug = world.coop_b.slug
    coordinator_b = login(app.test_client(), world.people["coordinator_b"])
    assert coordinator_b.post(f"/c/{b_slug}/households/{family['household_id']}/privacy/export").status_code == 404
    for role in ("staff", "professional", "provider"):
        assert _export(login(app.test_client(), world.people[role]), world).status_code == 403, role
    assert app.test_client().post(f"{page}/export").status_code == 302  # to the login page
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "export")).all() == []


def test_the_household_page_links_to_the_data_page(app: Flask, make: Factory) -> None:
    world = build_world(make, with_others=False)
    family = world.rows["family"]
    base = f"/c/{family['slug']}/households/{family['household_id']}"
    parent_page = login(app.test_client(), world.people["parent"]).get(base).get_data(as_text=True)
    assert f"{base}/privacy" in parent_page
    data_page = login(app.test_client(), world.people["parent"]).get(f"{base}/privacy").get_data(as_text=True)
    assert f"{base}/privacy/export" in data_page and f"{base}/privacy/erase" not in data_page
    coordinator_page = login(app.test_client(), world.people["coordinator"]).get(f"{base}/privacy")
    assert f"{base}/privacy/erase" in coordinator_page.get_data(as_text=True)


def test_every_table_holding_household_or_person_rows_is_exported_or_excluded_with_a_reason() -> None:
    owned = {table.name for table in metadata.sorted_tables if OWNER_COLUMNS & set(table.columns.keys())}
    unclassified = owned - EXPORTED_TABLES - set(NOT_EXPORTED)
    assert not unclassified, f"add these tables to the export or to NOT_EXPORTED: {sorted(unclassified)}"
    assert not EXPORTED_TABLES & set(NOT_EXPORTED)
    assert EXPORTED_TABLES | set(NOT_EXPORTED) <= set(metadata.tables)
