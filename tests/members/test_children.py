"""Children and pick-up persons: service rules, screens, JSON API, and audit by id only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from coop.audit.models import AuditEntry
from coop.clock import local_today
from coop.errors import NotFound, ValidationFailed
from coop.members import children, pickups
from coop.members.children import ChildInput
from coop.members.models import Child, PickupPerson
from tests.cooperatives.rows import audit_trail, error_of, nothing_changes

TODAY = date(2026, 11, 25)
CHILD_FORM = {"first_name": "Lina", "last_name": "Janssens", "birth_date": "2021-04-02", "allergies": "pinda's"}


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def household(make, coop):
    return make.household(coop, name="Janssens")


@pytest.fixture
def coordinator_person(make, coop):
    return make.person(coop, "coordinator", language="en")


@pytest.fixture
def coordinator(coordinator_person, login_as):
    return login_as(coordinator_person)


def child_path(household, child=None) -> str:
    base = f"/c/marolles/households/{household.id}/children"
    return f"{base}/{child.id}" if child else f"{base}/new"


BAD_CHILDREN = [
    (ChildInput(first_name="", last_name="J", birth_date=date(2022, 1, 1)), "first_name"),
    (ChildInput(first_name="L", last_name="j" * 81, birth_date=date(2022, 1, 1)), "last_name"),
    (ChildInput(first_name="L", last_name="J", birth_date=date(2026, 11, 26)), "birth_date"),
    (ChildInput(first_name="L", last_name="J", birth_date=date(2010, 1, 1)), "birth_date"),
    (ChildInput(first_name="L", last_name="J", birth_date=date(2022, 1, 1), allergies="a" * 501), "allergies"),
    (ChildInput(first_name="L", last_name="J", birth_date=date(2022, 1, 1), notes="n" * 1001), "notes"),
]


def test_bad_child_values_are_refused(db, coop, household):
    for data, field in BAD_CHILDREN:
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            children.save_child(db, coop_id=coop.id, household_id=household.id, child_id=None, data=data, actor_id=None,
                                today=TODAY)
        assert set(caught.value.fields) == {field}


def test_a_child_cannot_be_moved_or_reached_through_another_household(db, make, coop, household):
    kid = make.child(household)
    other_household = make.household(coop)
    foreign_household = make.household(make.coop())
    data = ChildInput(first_name="X", last_name="Y", birth_date=date(2022, 1, 1))
    with nothing_changes(db):
        with pytest.raises(NotFound):
            children.save_child(db, coop_id=coop.id, household_id=other_household.id, child_id=kid.id, data=data,
                                actor_id=None, today=TODAY)
        with pytest.raises(NotFound):
            children.save_child(db, coop_id=coop.id, household_id=foreign_household.id, child_id=None, data=data,
                                actor_id=None, today=TODAY)
        with pytest.raises(NotFound):
            children.read_child(db, coop_id=coop.id, household_id=other_household.id, child_id=kid.id, actor_id=None)
        with pytest.raises(NotFound):
            pickups.add_pickup_person(db, coop_id=coop.id, household_id=other_household.id, child_id=kid.id,
                                      name="Bob", relation="", phone="", is_barred=False, actor_id=None)
        with pytest.raises(NotFound):
            children.get_child(db, coop_id=foreign_household.coop_id, child_id=kid.id)
        db.rollback()


def test_pickup_rules_are_validated_scoped_and_audited(db, make, coop, household):
    kid, other_kid = make.child(household), make.child(make.household(coop))
    allowed = pickups.add_pickup_person(db, coop_id=coop.id, household_id=household.id, child_id=kid.id,
                                        name=" Oma ", relation="grand-mother", phone="", is_barred=False, actor_id=None)
    barred = pickups.add_pickup_person(db, coop_id=coop.id, household_id=household.id, child_id=kid.id,
                                       name="Former partner", relation="", phone="", is_barred=True, actor_id=None)
    db.commit()
    assert [p.name for p in pickups.pickup_persons(db, child_id=kid.id)] == ["Oma", "Former partner"]
    for bad in ({"name": ""}, {"name": "n" * 121}, {"relation": "r" * 81}, {"phone": "5" * 41}):
        with nothing_changes(db), pytest.raises(ValidationFailed) as caught:
            pickups.add_pickup_person(db, coop_id=coop.id, household_id=household.id, child_id=kid.id,
                                      **{"name": "Bob", "relation": "", "phone": "", "is_barred": False, **bad},
                                      actor_id=None)
        assert set(caught.value.fields) == set(bad)
    with nothing_changes(db), pytest.raises(NotFound):
        pickups.remove_pickup_person(db, coop_id=coop.id, household_id=other_kid.household_id,
                                     child_id=other_kid.id, pickup_id=barred.id, actor_id=None)
    pickups.remove_pickup_person(db, coop_id=coop.id, household_id=household.id, child_id=kid.id,
                                 pickup_id=barred.id, actor_id=None)
    db.commit()
    assert pickups.read_pickup_persons(db, coop_id=coop.id, household_id=household.id, child_id=kid.id,
                                       actor_id=None) == [allowed]
    db.commit()
    assert audit_trail(db, object_type="pickup_person") == [
        ("create", "pickup_person", allowed.id), ("create", "pickup_person", barred.id),
        ("delete", "pickup_person", barred.id), ("read", "pickup_person", allowed.id)]


def test_coordinator_adds_and_edits_a_child_through_the_screens(coordinator, coordinator_person, db, household):
    assert coordinator.post(child_path(household), data={**CHILD_FORM, "needs_inclusive_care": "1"}).status_code == 302
    db.rollback()
    kid = db.exec(select(Child)).one()
    db.rollback()
    form = coordinator.get(child_path(household, kid)).get_data(as_text=True)
    assert 'value="2021-04-02"' in form and "pinda&#39;s" in form
    assert coordinator.post(child_path(household, kid), data={**CHILD_FORM, "first_name": "Linaa",
                                                                "needs_inclusive_care": "on"}).status_code == 302
    page = coordinator.get(f"/c/marolles/households/{household.id}").get_data(as_text=True)
    assert "Linaa Janssens" in page and "Inclusive care" in page
    assert audit_trail(db, object_type="child", actor_id=coordinator_person.id) == [
        ("create", "child", kid.id), ("read", "child", kid.id), ("update", "child", kid.id), ("read", "child", kid.id)]
    assert coordinator.get(f"/c/marolles/households/{2**20}/children/new").status_code == 404


BAD_CHILD_FORMS = [
    ({"birth_date": "2030-01-01"}, "The birth date cannot be in the future."),
    ({"birth_date": "01/02/2022"}, "Enter a date like 2026-03-29."),
    ({"birth_date": ""}, "This field is required."),
    ({"first_name": "x" * 81}, "Use at most 80 characters."),
    ({"allergies": "a" * 501}, "Use at most 500 characters."),
]


def test_a_refused_child_form_says_why_and_keeps_the_values(coordinator, db, household):
    for changes, message in BAD_CHILD_FORMS:
        with nothing_changes(db):
            response = coordinator.post(child_path(household), data={**CHILD_FORM, "last_name": "Peeters", **changes})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and 'value="Peeters"' in page


def test_a_child_of_another_household_is_not_found_on_screens(coordinator, make, db, coop, household):
    kid = make.child(make.household(coop))
    with nothing_changes(db):
        assert coordinator.get(child_path(household, kid)).status_code == 404
        assert coordinator.post(child_path(household, kid), data=CHILD_FORM).status_code == 404
        assert coordinator.post(f"/c/marolles/households/{household.id}/children/{kid.id}/pickup",
                                data={"name": "Bob"}).status_code == 404


def test_a_refused_pickup_person_shows_the_household_page_with_the_message(coordinator, make, db, household):
    kid = make.child(household)
    url = f"/c/marolles/households/{household.id}/children/{kid.id}/pickup"
    with nothing_changes(db):
        response = coordinator.post(url, data={"name": "", "relation": "neighbour", "phone": "0" * 50})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This field is required." in page and "Use at most 40 characters." in page
    assert 'value="neighbour"' in page and "<details open>" in page
    assert coordinator.post(url, data={"name": "Oma", "is_barred": ""}).status_code == 302
    db.rollback()
    person = db.exec(select(PickupPerson)).one()
    db.rollback()
    removed = coordinator.post(f"{url}/{person.id}/delete")
    assert removed.status_code == 302
    db.rollback()
    assert db.exec(select(PickupPerson)).all() == []


def test_children_api_lists_reads_creates_and_updates(coordinator, coordinator_person, db, coop, household):
    base = f"/api/v1/coops/marolles/households/{household.id}/children"
    created = coordinator.post(base, json={**CHILD_FORM, "needs_inclusive_care": True})
    assert created.status_code == 201
    kid = created.get_json()
    assert (kid["needs_inclusive_care"], kid["allergies"]) == (True, "pinda's")
    updated = coordinator.put(f"{base}/{kid['id']}", json={**CHILD_FORM, "notes": "naps at 13:00"})
    assert updated.status_code == 200 and updated.get_json()["needs_inclusive_care"] is False
    assert coordinator.get(f"{base}/{kid['id']}").get_json()["notes"] == "naps at 13:00"
    assert [c["id"] for c in coordinator.get(base).get_json()["children"]] == [kid["id"]]
    assert [a for a, _t, _i in audit_trail(db, object_type="child", actor_id=coordinator_person.id)] == [
        "create", "update", "read", "read"]


def test_children_api_refusals_have_the_error_shape(coordinator, make, db, coop, household):
    base = f"/api/v1/coops/marolles/households/{household.id}/children"
    foreign = make.child(make.household(make.coop()))
    sibling_household = make.household(coop)
    cousin = make.child(sibling_household)
    with nothing_changes(db):
        error = error_of(coordinator.post(base, json={"first_name": "", "birth_date": "tomorrow"}))
        assert set(error["fields"]) == {"first_name", "last_name", "birth_date"}
        future = local_today().replace(year=local_today().year + 1).isoformat()
        assert error_of(coordinator.put(f"{base}/{cousin.id}", json={**CHILD_FORM, "birth_date": future}))[
            "code"] in ("validation_failed", "not_found")
        assert error_of(coordinator.put(f"{base}/{cousin.id}", json=CHILD_FORM))["code"] == "not_found"
        assert error_of(coordinator.get(f"{base}/{foreign.id}"))["code"] == "not_found"
        assert error_of(coordinator.get(f"/api/v1/coops/marolles/households/{foreign.household_id}/children"))[
            "code"] == "not_found"


def test_pickup_api_adds_lists_and_removes(coordinator, make, db, household):
    kid = make.child(household)
    base = f"/api/v1/coops/marolles/households/{household.id}/children/{kid.id}/pickup"
    added = coordinator.post(base, json={"name": "Oma", "relation": "grand-mother", "is_barred": False})
    assert added.status_code == 201
    barred = coordinator.post(base, json={"name": "Ex", "is_barred": True}).get_json()
    listed = coordinator.get(base).get_json()["pickup_persons"]
    assert [(p["name"], p["is_barred"]) for p in listed] == [("Oma", False), ("Ex", True)]
    with nothing_changes(db):
        assert set(error_of(coordinator.post(base, json={"name": " ", "phone": "1" * 41}))["fields"]) == {
            "name", "phone"}
        assert error_of(coordinator.delete(f"{base}/987654"))["code"] == "not_found"
    assert coordinator.delete(f"{base}/{barred['id']}").status_code == 204
    assert [p["name"] for p in coordinator.get(base).get_json()["pickup_persons"]] == ["Oma"]


def test_a_parent_manages_their_own_children_only(make, coop, login_as, db, household):
    kid = make.child(household)
    stranger_kid = make.child(make.household(coop))
    parent = login_as(make.person(coop, "parent", household=household, language="en"))
    own = f"/api/v1/coops/marolles/households/{household.id}/children"
    assert parent.put(f"{own}/{kid.id}", json={**CHILD_FORM, "first_name": "Mila"}).status_code == 200
    assert parent.post(f"{own}/{kid.id}/pickup", json={"name": "Oma"}).status_code == 201
    with nothing_changes(db):
        other = f"/api/v1/coops/marolles/households/{stranger_kid.household_id}/children"
        assert error_of(parent.get(other))["code"] == "not_found"
        assert error_of(parent.post(f"{other}/{stranger_kid.id}/pickup", json={"name": "Bob"}))["code"] == "not_found"


def test_audit_entries_hold_ids_and_never_values(coordinator, db, household):
    coordinator.post(f"/api/v1/coops/marolles/households/{household.id}/children", json={
        **CHILD_FORM, "first_name": "Secretname"})
    db.rollback()
    assert db.exec(select(AuditEntry)).all()
    for entry in db.exec(select(AuditEntry)).all():
        assert "Secretname" not in repr(entry.model_dump())
