"""The marker-leak test. A household with a protected address and a barred pick-up person
carries unique marker strings; every other role (a parent of another household, staff, a
flying professional, a provider, the coordinator of another cooperative) GETs every GET
route, HTML and API, with every id filled in, and no answer may contain a marker. Only the
coordinator and the household's own parent see them. Whoever asks, no log record and no
audit entry ever holds a marker, while every read of the household is audited."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from coop.audit.models import AuditEntry
from tests.conftest import Factory, login
from tests.routes import all_actions
from tests.world import Ids, World, build_world

GET_ACTIONS = [a for a in all_actions() if a.method == "GET"]
OUTSIDERS = {"neighbour": "parent", "staff": "staff", "professional": "professional", "provider": "provider",
             "coordinator_b": "coordinator"}
INSIDERS = ("coordinator", "parent")
FIXED = {"token": "no-such-token", "filename": "coop.css"}


def own_ids(world: World, who: str) -> Ids:
    if who == "coordinator_b":
        return world.of_b
    if who == "neighbour":
        return world.rows["neighbour"]
    return world.own(OUTSIDERS.get(who, who))


def id_sets(world: World, who: str) -> list[Ids]:
    """The marked family's ids, alone and mixed with the person's own ids (their slug too)."""
    family, own = world.rows["family"], own_ids(world, who)
    return [family, {**family, **own}, {**family, "slug": own["slug"]}]


def urls_for(world: World, who: str) -> list[str]:
    urls: dict[str, None] = {}
    for ids in id_sets(world, who):
        for action in GET_ACTIONS:
            urls[action.url({**FIXED, **ids})] = None
    return list(urls)


def assert_no_marker_logged(app: Flask, world: World, caplog: pytest.LogCaptureFixture) -> None:
    app.logger.debug("privacy test: end of run")
    assert caplog.records and caplog.records[-1].name == app.logger.name, "the log capture is not wired"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''} {record.stack_info or ''}"
        for marker in world.markers:
            assert marker not in text, f"log record of {record.name} holds a marker: {text[:300]}"
    for marker in world.markers:
        assert marker not in caplog.text


def assert_audit_holds_no_marker(db: Session, world: World) -> list[AuditEntry]:
    db.rollback()
    entries = list(db.exec(select(AuditEntry)).all())
    for entry in entries:
        for marker in world.markers:
            assert marker not in repr(entry.model_dump())
    return entries


@pytest.fixture
def captured(app: Flask, caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG through the root, and the app's own logger explicitly."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    return caplog


@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_no_other_role_ever_sees_a_marker(who: str, app: Flask, make: Factory, db: Session,
                                          captured: pytest.LogCaptureFixture) -> None:
    world = build_world(make)
    client = login(app.test_client(), world.people[who])
    seen = 0
    for url in urls_for(world, who):
        with client.get(url) as response:
            body = response.get_data().decode("utf-8", "replace")  # PDFs too
        assert response.status_code < 500, f"{url} as {who}: {response.status_code}"
        seen += response.status_code == 200
        for marker in world.markers:
            assert marker not in body, f"GET {url} as {who} shows {marker}"
    assert seen, f"{who} was refused everything: the test proves nothing"
    assert_no_marker_logged(app, world, captured)
    assert_audit_holds_no_marker(db, world)


@pytest.mark.parametrize("who", INSIDERS)
def test_coordinator_and_household_see_the_markers_and_reads_are_audited(
        who: str, app: Flask, make: Factory, db: Session, captured: pytest.LogCaptureFixture) -> None:
    world = build_world(make)
    person = world.people[who]
    client = login(app.test_client(), person)
    family = world.rows["family"]
    slug, household_id, child_id = family["slug"], family["household_id"], family["child_id"]
    page = client.get(f"/c/{slug}/households/{household_id}").get_data(as_text=True)
    assert world.marker_address in page and world.marker_barred in page
    api = client.get(f"/api/v1/coops/{slug}/households/{household_id}").get_json()
    assert world.marker_address in api["address"]
    pickup = client.get(f"/api/v1/coops/{slug}/households/{household_id}/children/{child_id}/pickup").get_json()
    assert world.marker_barred in {p["name"] for p in pickup["pickup_persons"]}
    for url in urls_for(world, who):
        with client.get(url) as response:
            assert response.status_code < 500, url
    if who == "coordinator":
        _write_markers_through_the_pages(client, world)
    assert_no_marker_logged(app, world, captured)
    entries = assert_audit_holds_no_marker(db, world)
    reads = {(e.actor_id, e.object_type, e.object_id) for e in entries if e.action == "read"}
    assert (person.id, "household", household_id) in reads
    assert (person.id, "pickup_person", family["pickup_id"]) in reads


def _write_markers_through_the_pages(client: FlaskClient, world: World) -> None:
    """Saving, and failing to save, marked values must not log them either."""
    family = world.rows["family"]
    base = f"/c/{family['slug']}/households/{family['household_id']}"
    household = {"name": "Marked family", "address": f"Rue Neuve 1 {world.marker_address}",
                 "has_protected_address": "1"}
    assert client.post(f"{base}/edit", data=household).status_code == 302
    too_long = {**household, "address": world.marker_address * 40}
    assert client.post(f"{base}/edit", data=too_long).status_code == 422
    pickup = {"name": f"{world.marker_barred} 2", "is_barred": "1"}
    assert client.post(f"{base}/children/{family['child_id']}/pickup", data=pickup).status_code == 302
    assert client.put(f"/api/v1/coops/{family['slug']}/households/{family['household_id']}",
                      json={**household, "phone": world.marker_barred * 10}).status_code == 422
