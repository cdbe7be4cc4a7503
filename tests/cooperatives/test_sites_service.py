"""Sites and cooperative settings through the service layer: every refusal names its field."""

from __future__ import annotations

import pytest
from sqlmodel import select

from coop.cooperatives import service
from coop.cooperatives.models import Site, SiteHours
from coop.errors import Conflict, NotFound, ValidationFailed
from tests.cooperatives.rows import domain_rows

GOOD = {"name": "Maison des Marolles", "address": "Rue Haute 120, 1000 Bruxelles", "capacity": 24, "beds": 8}


def refused_fields(db, coop_id, site_id=None, **overrides) -> set[str]:
    with pytest.raises(ValidationFailed) as caught:
        service.save_site(db, coop_id=coop_id, site_id=site_id, **{**GOOD, **overrides})
    db.rollback()
    return set(caught.value.fields)


def test_a_site_open_24_7_keeps_no_opening_hours(db, make):
    coop = make.coop()
    site = service.save_site(db, coop_id=coop.id, site_id=None, **GOOD, is_always_open=True, hours={0: (420, 1140)})
    db.commit()
    assert (site.capacity, site.beds, site.is_always_open) == (24, 8, True)
    assert service.site_hours(db, site_id=site.id) == {}


def test_opening_hours_replace_the_old_ones(db, make):
    coop = make.coop()
    site = service.save_site(db, coop_id=coop.id, site_id=None, **GOOD, is_always_open=False,
                             hours={0: (420, 1140), 5: (480, 1440)})
    db.commit()
    service.save_site(db, coop_id=coop.id, site_id=site.id, **GOOD, is_always_open=False, hours={2: (0, 600)})
    db.commit()
    rows = db.exec(select(SiteHours).where(SiteHours.site_id == site.id)).all()
    assert [(r.weekday, r.opens_minute, r.closes_minute) for r in rows] == [(2, 0, 600)]


BAD_SITES = [
    ({"beds": 25}, "beds"),
    ({"capacity": -1}, "capacity"),
    ({"beds": -3}, "beds"),
    ({"capacity": 501, "beds": 0}, "capacity"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"address": "y" * 301}, "address"),
    ({"address": ""}, "address"),
    ({"is_always_open": False, "hours": {}}, "is_always_open"),
    ({"is_always_open": False, "hours": {3: (1140, 420)}}, "closes_3"),
    ({"is_always_open": False, "hours": {3: (600, 600)}}, "closes_3"),
    ({"is_always_open": False, "hours": {7: (0, 600)}}, "closes_7"),
]


def test_bad_site_values_are_refused_on_their_field(db, make):
    for overrides, field in BAD_SITES:
        coop = make.coop()
        before = domain_rows(db)
        assert field in refused_fields(db, coop.id, **overrides)
        assert domain_rows(db) == before


def test_a_site_name_is_unique_within_a_cooperative_only(db, make):
    coop, other = make.coop(), make.coop()
    make.site(coop, name="Kinderhuis")
    assert refused_fields(db, coop.id, name=" Kinderhuis ") == {"name"}
    assert service.save_site(db, coop_id=other.id, site_id=None, **{**GOOD, "name": "Kinderhuis"}).id


def test_renaming_a_site_onto_its_own_name_is_fine(db, make):
    coop = make.coop()
    site = make.site(coop, name="Kinderhuis")
    updated = service.save_site(db, coop_id=coop.id, site_id=site.id, **{**GOOD, "name": "Kinderhuis", "beds": 0})
    assert updated.beds == 0


def test_another_cooperatives_site_is_not_found_and_stays_unchanged(db, make):
    mine, theirs = make.coop(), make.coop()
    site = make.site(theirs, capacity=10, beds=2)
    with pytest.raises(NotFound):
        service.get_site(db, coop_id=mine.id, site_id=site.id)
    with pytest.raises(NotFound):
        service.save_site(db, coop_id=mine.id, site_id=site.id, **GOOD)
    db.rollback()
    assert (db.get(Site, site.id).capacity, db.get(Site, site.id).name) == (10, site.name)
    with pytest.raises(NotFound):
        service.save_site(db, coop_id=mine.id, site_id=987654, **GOOD)


def test_sites_are_listed_by_name_and_per_cooperative(db, make):
    coop, other = make.coop(), make.coop()
    make.site(coop, name="Zebra")
    make.site(coop, name="Atelier")
    make.site(other, name="Elsewhere")
    assert [s.name for s in service.list_sites(db, coop_id=coop.id)] == ["Atelier", "Zebra"]


BAD_SETTINGS = [
    ({"name": ""}, "name"),
    ({"name": "n" * 121}, "name"),
    ({"language": "de"}, "language"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
]


def test_cooperative_settings_are_validated(db, make):
    for overrides, field in BAD_SETTINGS:
        coop = make.coop(name="Coop Marolles")
        args = {"name": "Coop Marolles", "language": "nl", "timezone": "Europe/Brussels", **overrides}
        with pytest.raises(ValidationFailed) as caught:
            service.update_cooperative(db, coop=coop, **args)
        assert set(caught.value.fields) == {field}
        db.rollback()
        db.refresh(coop)
        assert (coop.name, coop.language) == ("Coop Marolles", "fr")


BAD_SLUGS = ["", "-x", "x-", "a b", "x" * 41, "été"]


def test_bad_slugs_are_refused(db):
    for slug in BAD_SLUGS:
        with pytest.raises(ValidationFailed) as caught:
            service.create_cooperative(db, slug=slug, name="Coop")
        assert "slug" in caught.value.fields


def test_a_taken_slug_is_a_conflict(db, make):
    make.coop(slug="marolles")
    with pytest.raises(Conflict) as caught:
        service.create_cooperative(db, slug="MAROLLES", name="Again")
    assert caught.value.code == "slug_taken"
