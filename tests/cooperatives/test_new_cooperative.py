"""Coordinators start new cooperatives; nobody else can."""

from __future__ import annotations

from sqlmodel import select

from coop.cooperatives.models import Cooperative
from coop.members.models import Membership


def test_a_coordinator_starts_a_cooperative_and_coordinates_it(make, login_as, db):
    coordinator = make.person(make.coop(slug="marolles"), "coordinator")
    client = login_as(coordinator)
    response = client.post("/cooperatives/new", data={"name": "Cooparentive Forest", "slug": "forest",
                                                      "language": "nl"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/forest/sites")
    assert client.get("/c/forest/sites").status_code == 200
    coop = db.exec(select(Cooperative).where(Cooperative.slug == "forest")).one()
    assert coop.language == "nl"
    roles = db.exec(select(Membership.role).where(Membership.coop_id == coop.id,
                                                  Membership.person_id == coordinator.id)).all()
    assert roles == ["coordinator"]


def test_bad_or_taken_short_names_come_back_with_the_message(make, login_as, db):
    coordinator = make.person(make.coop(slug="marolles"), "coordinator")
    client = login_as(coordinator)
    bad = client.post("/cooperatives/new", data={"name": "Forest", "slug": "Not A Slug!", "language": "fr"})
    assert bad.status_code == 422
    assert 'value="Forest"' in bad.get_data(as_text=True)
    taken = client.post("/cooperatives/new", data={"name": "Again", "slug": "marolles", "language": "fr"})
    assert taken.status_code == 409
    assert len(db.exec(select(Cooperative)).all()) == 1


def test_a_parent_cannot_start_a_cooperative(make, login_as, db):
    parent = make.person(make.coop(slug="marolles"), "parent")
    response = login_as(parent).post("/cooperatives/new", data={"name": "Mine", "slug": "mine", "language": "fr"})
    assert response.status_code == 403
    assert len(db.exec(select(Cooperative)).all()) == 1
