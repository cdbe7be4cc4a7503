"""Members, roles and invitations: duplicates, malformed e-mails and foreign ids are refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from coop.auth.models import Invitation
from coop.auth.service import add_membership
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members import service
from coop.members.models import Membership
from tests.cooperatives.rows import error_of, nothing_changes


@pytest.fixture
def coop(make):
    return make.coop(slug="marolles")


@pytest.fixture
def coordinator_person(make, coop):
    return make.person(coop, "coordinator", language="en")


@pytest.fixture
def coordinator(coordinator_person, login_as):
    return login_as(coordinator_person)


def test_one_person_holds_several_roles_in_several_cooperatives(db, make, coop):
    other = make.coop()
    pro = make.person(coop, "professional")
    add_membership(db, coop_id=coop.id, person_id=pro.id, role="staff")
    add_membership(db, coop_id=other.id, person_id=pro.id, role="professional")
    db.commit()
    row = service.get_member(db, coop_id=coop.id, person_id=pro.id)
    assert sorted(m.role for m in row.roles) == ["professional", "staff"]
    with nothing_changes(db), pytest.raises(Conflict) as caught:
        add_membership(db, coop_id=coop.id, person_id=pro.id, role="staff")
    assert caught.value.code == "duplicate_membership"
    with nothing_changes(db), pytest.raises(ValidationFailed):
        add_membership(db, coop_id=coop.id, person_id=pro.id, role="king")


def test_members_of_another_cooperative_are_not_found(db, make, coop):
    stranger = make.person(make.coop(), "parent")
    with pytest.raises(NotFound):
        service.get_member(db, coop_id=coop.id, person_id=stranger.id)
    membership = db.exec(select(Membership).where(Membership.person_id == stranger.id)).one()
    with nothing_changes(db), pytest.raises(NotFound):
        service.remove_membership(db, coop_id=coop.id, membership_id=membership.id, actor_id=None)


def test_a_coordinator_cannot_remove_their_own_coordinator_role(db, coop, coordinator_person):
    own = db.exec(select(Membership).where(Membership.person_id == coordinator_person.id)).one()
    with nothing_changes(db), pytest.raises(ValidationFailed):
        service.remove_membership(db, coop_id=coop.id, membership_id=own.id, actor_id=coordinator_person.id)


BAD_INVITATIONS = [
    ({"email": "not-an-address", "role": "parent"}, "email", "Enter a valid e-mail address", 422),
    ({"email": "a@" + "b" * 260 + ".be", "role": "parent"}, "email", "This e-mail address is too long.", 422),
    ({"email": "new@example.be", "role": "emperor"}, "role", "Choose a role from the list.", 422),
    ({"email": "new@example.be", "role": "parent", "household_id": "abc"}, "household_id",
     "Choose a household from the list.", 422),
    ({"email": "new@example.be", "role": "parent", "household_id": "987654"}, "household_id",
     "Choose a household from the list.", 422),
]


def test_a_refused_invitation_says_why_and_keeps_the_values(coordinator, db):
    for form, field, message, status in BAD_INVITATIONS:
        with nothing_changes(db):
            response = coordinator.post("/c/marolles/invite", data=form)
        assert response.status_code == status
        page = response.get_data(as_text=True)
        assert message in page and f'id="e-{field}"' in page
        assert f'value="{form["email"]}"' in page
        db.rollback()
        assert db.exec(select(Invitation)).all() == []


def test_invitations_to_another_cooperatives_household_or_a_held_role_are_refused(coordinator, make, db, coop):
    foreign = make.household(make.coop())
    parent = make.person(coop, "parent")
    with nothing_changes(db):
        error = error_of(coordinator.post("/api/v1/coops/marolles/invitations", json={
            "email": "x@example.be", "role": "parent", "household_id": foreign.id}))
        assert set(error["fields"]) == {"household_id"}
        duplicate = coordinator.post("/api/v1/coops/marolles/invitations", json={"email": parent.email.upper(),
                                                                          "role": "parent"})
        assert duplicate.status_code == 409 and error_of(duplicate)["code"] == "duplicate_membership"
        assert coordinator.post("/c/marolles/invite", data={"email": parent.email, "role": "parent"}).status_code == 409
    db.rollback()
    assert db.exec(select(Invitation)).all() == []


def test_members_api_lists_invites_and_removes_roles(coordinator, make, db, coop, coordinator_person):
    household = make.household(coop)
    invited = coordinator.post("/api/v1/coops/marolles/invitations", json={"email": "nour@example.be", "role": "parent",
                                                                    "household_id": household.id})
    assert invited.status_code == 201
    assert "/invitation/" in invited.get_json()["link"]
    db.rollback()
    assert db.exec(select(Invitation.household_id)).one() == household.id
    staff = make.person(coop, "staff")
    members = coordinator.get("/api/v1/coops/marolles/members").get_json()["members"]
    by_person = {m["person_id"]: m for m in members}
    assert [r["role"] for r in by_person[staff.id]["roles"]] == ["staff"]
    role_id = by_person[staff.id]["roles"][0]["id"]
    own_role = by_person[coordinator_person.id]["roles"][0]["id"]
    with nothing_changes(db):
        assert error_of(coordinator.delete(f"/api/v1/coops/marolles/memberships/{own_role}"))["code"] == \
            "own_coordinator_role"
        assert error_of(coordinator.delete("/api/v1/coops/marolles/memberships/987654"))["code"] == "not_found"
    assert coordinator.delete(f"/api/v1/coops/marolles/memberships/{role_id}").status_code == 204
    db.rollback()
    assert db.exec(select(Membership).where(Membership.person_id == staff.id)).all() == []


def test_members_screen_lists_people_with_their_roles(coordinator, make, coop):
    pro = make.person(coop, "professional")
    page = coordinator.get("/c/marolles/members").get_data(as_text=True)
    assert pro.display_name in page and "Flying professional" in page
