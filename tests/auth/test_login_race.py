"""PostgreSQL: wrong passwords for one account sent at the same moment by parallel clients,
each on its own connection: the limit holds exactly, not give or take the ones in flight."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from coop import create_app
from coop.auth.models import LoginAttempt
from coop.auth.service import create_person
from coop.auth.tokens import token_hash
from coop.models import metadata
from tests.conftest import PASSWORD, make_settings

pytestmark = pytest.mark.postgres_only
CLIENTS = 12


def test_a_burst_of_failures_gets_no_attempt_past_the_limit(pg_url_factory, tmp_path):
    app = create_app(make_settings(pg_url_factory(), tmp_path))
    database = app.extensions["coop.db"]
    metadata.create_all(database.engine)
    limit = app.extensions["coop.settings"].login_max_failures_per_account
    try:
        with database.scope() as session:
            create_person(session, email="ada@example.be", display_name="Ada", password=PASSWORD)
        barrier = threading.Barrier(CLIENTS)
        statuses: list[int] = []
        lock = threading.Lock()

        def attempt() -> None:
            client = app.test_client()
            barrier.wait()
            response = client.post("/api/v1/auth/token", json={"email": "ada@example.be", "password": "wrong"})
            with lock:
                statuses.append(response.status_code)

        threads = [threading.Thread(target=attempt) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Counter(statuses) == {401: limit, 429: CLIENTS - limit}
        with database.scope(write=False) as session:
            counted = session.exec(select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.key_hash == token_hash("account:ada@example.be"))).one()
        assert counted == limit
    finally:
        database.dispose()
