"""The demo: the cooperatives the README promises, deterministic, and safe to load twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from coop.auth.models import Person
from coop.caregivers.models import CaregiverProfile
from coop.clock import local_today
from coop.cooperatives.models import Cooperative, Site
from coop.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from coop.members.models import Child, Household, Membership
from coop.models import metadata


def _load(app) -> tuple[list[str], bool]:
    with app.extensions["coop.db"].scope() as session:
        return load_demo(session)


def _summary(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, minus what is random or clock-bound (salts, timestamps, the
    households' secret cheque codes)."""
    with engine.connect() as conn:
        return {table.name: sorted(repr(tuple(value for column, value in row._mapping.items()
                                              if not column.endswith(("_at", "_hash"))
                                              and column not in ("at", "code")))
                                   for row in conn.execute(table.select()))
                for table in metadata.sorted_tables}


def _wipe(engine: Engine) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def _count(db: Session, model, *where) -> int:
    return int(db.exec(select(func.count()).select_from(model).where(*where)).one())


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@pytest.fixture
def demo(app, db):
    assert _load(app) == (["marolles", "schaerbeek"], True)
    db.rollback()
    coops = {c.slug: c for c in db.exec(select(Cooperative)).all()}
    db.rollback()
    return coops


def test_the_demo_has_what_the_readme_promises(demo, db):
    marolles, schaerbeek = demo["marolles"], demo["schaerbeek"]
    assert len(demo) == 2
    households = db.exec(select(Household).where(Household.coop_id == marolles.id)).all()
    assert 36 <= len(households) <= 44
    assert 0.25 <= sum(h.is_single_parent for h in households) / len(households) <= 0.4
    assert all(h.single_parent_since is not None for h in households if h.is_single_parent)
    kids = db.exec(select(Child).where(Child.coop_id == marolles.id)).all()
    assert len(kids) == 60
    today = local_today()
    assert all(0 <= _age(k.birth_date, today) <= 12 for k in kids)
    assert 1 <= sum(k.needs_inclusive_care for k in kids) <= 10
    staff = _count(db, CaregiverProfile, CaregiverProfile.coop_id == marolles.id, CaregiverProfile.kind == "staff")
    assert staff == 5
    assert all(p.contract_minutes_per_week > 0 for p in db.exec(select(CaregiverProfile).where(
        CaregiverProfile.kind == "staff")).all())
    pros = db.exec(select(Membership.person_id).where(Membership.role == "professional")
                   .group_by(col(Membership.person_id)).having(func.count() == 2)).all()
    assert len(pros) == 3
    for coop in (marolles, schaerbeek):
        assert _count(db, CaregiverProfile, CaregiverProfile.coop_id == coop.id,
                      col(CaregiverProfile.person_id).in_(pros)) == 3
    sites = db.exec(select(Site).where(Site.coop_id == marolles.id)).all()
    assert len(sites) == 2
    assert all(0 < s.beds <= s.capacity for s in sites)
    hashes = db.exec(select(Person.password_hash).where(col(Person.password_hash).is_not(None))).all()
    assert hashes and all(h.startswith("$argon2") and DEMO_PASSWORD not in h for h in hashes)


def test_the_demo_logins_exist_and_work(demo, app):
    for email, _label in DEMO_LOGINS:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/").status_code in (200, 302)
    coordinator = app.test_client()
    coordinator.post("/login", data={"email": "coordinator@demo.coop", "password": DEMO_PASSWORD})
    assert coordinator.get("/c/marolles/households").status_code == 200
    assert coordinator.get("/c/schaerbeek/caregivers/").status_code == 200


def test_loading_the_demo_twice_adds_nothing(demo, app):
    engine = app.extensions["coop.db"].engine
    before = _summary(engine)
    assert _load(app) == (["marolles", "schaerbeek"], False)
    assert _summary(engine) == before


def test_the_demo_is_the_same_in_two_fresh_databases(demo, app):
    engine = app.extensions["coop.db"].engine
    _wipe(engine)  # ids restart from 1 on both engines, whatever earlier tests used
    assert _load(app)[1] is True
    first = _summary(engine)
    _wipe(engine)
    assert _load(app)[1] is True
    assert _summary(engine) == first
    assert len(first["household"]) > 40 and len(first["child"]) > 60
