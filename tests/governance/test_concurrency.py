"""PostgreSQL: the same household votes from several phones at the same instant. One row
remains (the unique constraint and the upsert), holding one of the choices sent, and no
request fails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from coop import create_app
from coop.auth.service import add_membership, create_person
from coop.clock import utcnow
from coop.cooperatives.service import create_cooperative
from coop.governance.models import Proposal, Vote
from coop.members.service import HouseholdInput, save_household
from coop.models import metadata
from tests.conftest import PASSWORD, make_settings

pytestmark = pytest.mark.postgres_only
WORKERS = 8


@pytest.fixture
def pg_app(pg_url_factory, tmp_path):
    application = create_app(make_settings(pg_url_factory(), tmp_path))
    application.config["WTF_CSRF_ENABLED"] = False
    metadata.create_all(application.extensions["coop.db"].engine)
    yield application
    application.extensions["coop.db"].dispose()


def test_simultaneous_votes_of_one_household_leave_one_row(pg_app):
    database = pg_app.extensions["coop.db"]
    with database.scope() as s:
        coop = create_cooperative(s, slug="race", name="Race")
        household = save_household(s, coop_id=coop.id, household_id=None, data=HouseholdInput(name="F"),
                                   actor_id=None)
        person = create_person(s, email="parent@example.be", display_name="Parent", password=PASSWORD)
        add_membership(s, coop_id=coop.id, person_id=person.id, role="parent", household_id=household.id)
        proposal = Proposal(coop_id=coop.id, title="T", text="X", author_id=person.id,
                            closes_at=utcnow() + timedelta(days=3))
        s.add(proposal)
        s.flush()
        proposal_id, household_id = proposal.id, household.id
    clients = []
    for _ in range(WORKERS):
        client = pg_app.test_client()
        client.post("/login", data={"email": "parent@example.be", "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(WORKERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        for _ in range(3):
            response = clients[n].post(f"/c/race/decisions/{proposal_id}/vote",
                                       data={"choice": ("yes", "no", "abstain")[n % 3]})
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * (3 * WORKERS)
    with database.scope(write=False) as s:
        votes = s.exec(select(Vote).where(Vote.proposal_id == proposal_id)).all()
        assert len(votes) == 1 and votes[0].household_id == household_id
        assert votes[0].choice in {"yes", "no", "abstain"}
