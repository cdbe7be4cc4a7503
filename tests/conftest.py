"""Layered fixtures: database URL (SQLite always, PostgreSQL when COOP_TEST_DATABASE_URL is
set) → app → session → client → logged-in clients per role, plus factories.

Each engine gets a fresh database per test process (a new PostgreSQL database created from
the server named by COOP_TEST_DATABASE_URL, dropped at the end), so parallel runs never
collide; every table is emptied after each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from coop import create_app
from coop.auth.models import Person
from coop.auth.service import add_membership, create_person
from coop.cooperatives.models import Cooperative, Site
from coop.cooperatives.service import create_cooperative, save_site
from coop.members.children import ChildInput, save_child
from coop.members.models import Child, Household
from coop.members.service import HouseholdInput, save_household
from coop.models import metadata

PASSWORD = "correct horse battery staple"
PG_URL = os.environ.get("COOP_TEST_DATABASE_URL", "")
ENGINES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _pg_admin_url() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def create_pg_database() -> str:
    """A new empty PostgreSQL database on the test server; returns its SQLAlchemy URL."""
    name = f"coop_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = _pg_admin_url().rsplit("/", 1)[0]
    return f"postgresql+psycopg://{base.removeprefix('postgresql://')}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_only`` tests run only against PostgreSQL: their SQLite cases, and all of
    them when no server is configured, are deselected (not skipped: there is nothing to
    test there, e.g. a trigger that only PostgreSQL has)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("database_url") if callspec else None
        postgres_only = item.get_closest_marker("postgres_only") is not None
        (drop if postgres_only and (not PG_URL or engine == "sqlite") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_url_factory() -> Iterator[Callable[[], str]]:
    """Make extra empty PostgreSQL databases (migration and concurrency tests)."""
    assert PG_URL, "mark tests using pg_url_factory as postgres_only"
    made: list[str] = []

    def make() -> str:
        made.append(create_pg_database())
        return made[-1]

    yield make
    for url in made:
        drop_pg_database(url)


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'coop.sqlite3'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def make_settings(database_url: str, instance_path: Path, **extra: Any) -> dict[str, Any]:
    return {"env": "testing", "database_url": database_url, "instance_path": instance_path,
            "secret_key": "test-secret-key-" + "x" * 32, "run_scheduler": False, **extra}


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app(make_settings(database_url, tmp_path_factory.mktemp("instance")))
    application.config["WTF_CSRF_ENABLED"] = False
    metadata.create_all(application.extensions["coop.db"].engine)
    yield application
    application.extensions["coop.db"].dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used the app, empty every table (fast, and commits stay real)."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    engine = application.extensions["coop.db"].engine
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # One round trip of DELETEs is ~10x faster than TRUNCATE on small tables; the
            # replica role skips the append-only ledger triggers, for this clean-up only.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica; "
                                 + "; ".join(f'DELETE FROM "{t.name}"' for t in tables))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data: commit (or roll back) before requests run,
    so it holds no lock or stale snapshot. No app context is pushed here on purpose: the
    test client's requests would then share it (and its ``g``) instead of getting their own."""
    session = app.extensions["coop.db"].session(write=False)
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Factory:
    """Rows made through the real services, as a coordinator would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def coop(self, slug: str | None = None, **kw: Any) -> Cooperative:
        n = self._next()
        coop = create_cooperative(self.session, slug=slug or f"coop-{n}", name=kw.pop("name", f"Coop {n}"), **kw)
        self.session.commit()
        return coop

    def person(self, coop: Cooperative | None = None, role: str | None = None, household: Household | None = None,
               email: str | None = None, language: str | None = None) -> Person:
        n = self._next()
        person = create_person(self.session, email=email or f"person{n}@example.be", display_name=f"Person {n}",
                               password=PASSWORD, language=language)
        if coop is not None and role is not None:
            add_membership(self.session, coop_id=coop.id, person_id=person.id, role=role,
                           household_id=household.id if household else None)
        self.session.commit()
        return person

    def household(self, coop: Cooperative, **kw: Any) -> Household:
        data = HouseholdInput(**{"name": f"Family {self._next()}", **kw})
        household = save_household(self.session, coop_id=coop.id, household_id=None, data=data, actor_id=None)
        self.session.commit()
        return household

    def child(self, household: Household, **kw: Any) -> Child:
        data = ChildInput(**{"first_name": f"Kid{self._next()}", "last_name": household.name,
                             "birth_date": date(2022, 5, 1), **kw})
        child = save_child(self.session, coop_id=household.coop_id, household_id=household.id, child_id=None,
                           data=data, actor_id=None, today=date(2026, 11, 25))
        self.session.commit()
        return child

    def site(self, coop: Cooperative, **kw: Any) -> Site:
        args = {"name": f"Site {self._next()}", "address": "Rue Haute 1, 1000 Bruxelles", "capacity": 10,
                "beds": 4, **kw}
        site = save_site(self.session, coop_id=coop.id, site_id=None, **args)
        self.session.commit()
        return site


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)


def login(client: FlaskClient, person: Person, password: str = PASSWORD) -> FlaskClient:
    response = client.post("/login", data={"email": person.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return client


@pytest.fixture
def login_as(app: Flask) -> Callable[[Person], FlaskClient]:
    """A new client logged in as ``person``."""
    return lambda person: login(app.test_client(), person)
