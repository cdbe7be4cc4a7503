"""PostgreSQL: several clients with their own connections redeem the same household's last
cheques at once, and replay the same idempotency keys: no cheque is used twice, no balance
goes below zero, and no request fails with a server error."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from coop import create_app
from coop.auth.service import add_membership, create_person
from coop.cheques import allocation, service
from coop.cheques.jobs import allocate_cheques
from coop.cheques.models import ChequeLot, ChequeMovement, ChequeRedemption, Provider
from coop.cheques.scheme import SchemeInput, card_of, list_services, save_provider, save_scheme
from coop.cheques.service import RedemptionInput
from coop.clock import local_today
from coop.cooperatives.service import create_cooperative
from coop.db import make_engine
from coop.errors import Conflict
from coop.members.service import HouseholdInput, save_household
from coop.models import metadata
from coop.schema import upgrade
from tests.conftest import PASSWORD, make_settings

pytestmark = pytest.mark.postgres_only
WORKERS = 8
# A bound on waiting for the other transaction, never a speed target: a loaded CI machine
# may take seconds to get the second redemption to its INSERT.
WAIT_S = 30.0


@pytest.fixture
def pg_app(pg_url_factory, tmp_path):
    application = create_app(make_settings(pg_url_factory(), tmp_path))
    application.config["WTF_CSRF_ENABLED"] = False
    metadata.create_all(application.extensions["coop.db"].engine)
    yield application
    application.extensions["coop.db"].dispose()


def _seed(database) -> tuple[str, str, int, str]:
    with database.scope() as s:
        coop = create_cooperative(s, slug="race", name="Race")
        person = create_person(s, email="provider@example.be", display_name="Provider", password=PASSWORD)
        add_membership(s, coop_id=coop.id, person_id=person.id, role="provider")
        save_scheme(s, coop_id=coop.id, data=SchemeInput(base_quota=5))
        service_id = list_services(s, coop_id=coop.id)[0].id
        save_provider(s, coop_id=coop.id, provider_id=None, name="P", service_ids={service_id},
                      person_ids={person.id})
        household = save_household(s, coop_id=coop.id, household_id=None, data=HouseholdInput(name="F"),
                                   actor_id=None)
        today = local_today()
        for period in (allocation.add_months(today.replace(day=1), -1), today.replace(day=1)):
            allocation.allocate_household(s, household_id=household.id, period=period)
        code = card_of(s, coop_id=coop.id, household_id=household.id).code
        return person.email, code, service_id, today.isoformat()


def test_racing_redemptions_and_replays_never_overspend(pg_app):
    database = pg_app.extensions["coop.db"]
    email, code, service_id, today = _seed(database)
    clients = []
    for _ in range(WORKERS):
        client = pg_app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(WORKERS)
    answers: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        key = f"visit-{n % 4}"
        body = {"household_code": code, "service_id": service_id, "cheques": 3, "used_on": today,
                "idempotency_key": key}
        barrier.wait()
        for _ in range(3):
            response = clients[n].post("/api/v1/coops/race/cheques/redemptions", json=body)
            with lock:
                answers.append((key, response.status_code, response.get_json()))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {200, 201, 409}, statuses
    assert statuses[201] == 3
    for _key, status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "insufficient_cheques"
    ids_per_key: dict[str, set[int]] = {}
    for key, status, body in answers:
        if status in (200, 201):
            ids_per_key.setdefault(key, set()).add(body["id"])
    assert all(len(found) == 1 for found in ids_per_key.values())
    with database.scope(write=False) as s:
        assert s.exec(select(func.count()).select_from(ChequeRedemption)).one() == 3
        assert -s.exec(select(func.sum(ChequeMovement.cheques))).one() == 9
        household_id = s.exec(select(ChequeRedemption.household_id)).first()
        assert [left for _, left in allocation.lot_remainders(s, household_id=household_id)] == [0, 1]


def test_the_migration_creates_the_append_only_triggers(pg_url_factory):
    url = pg_url_factory()
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%append_only'")).scalars())
    finally:
        engine.dispose()
    assert names == {f"{t}_append_only" for t in ("credit_transaction", "credit_entry", "cheque_lot",
                                                  "cheque_redemption", "cheque_movement")}


def test_two_schedulers_allocating_at_once_make_each_lot_once(pg_app):
    database = pg_app.extensions["coop.db"]
    _seed(database)
    with database.scope() as s:
        coop_id = s.exec(select(ChequeLot.coop_id)).first()
        for n in range(40):
            save_household(s, coop_id=coop_id, household_id=None, data=HouseholdInput(name=f"H{n}"), actor_id=None)
    period = date(2027, 3, 1)
    barrier = threading.Barrier(2)
    made: list[int] = []

    def scheduler() -> None:
        barrier.wait()
        made.append(allocate_cheques(database, period=period, batch_size=7))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.scope(write=False) as s:
        lots = s.exec(select(ChequeLot.household_id).where(ChequeLot.period == period)).all()
    assert sum(made) == 41 and len(lots) == 41 == len(set(lots))


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_one_key_for_two_households_at_once_is_used_once(pg_app, first_ends):
    """The lots' lock does not order redemptions of different households: the unique key
    does. The second waits for the first, then replays it (a mismatch) or, if the first
    rolled back, redeems."""
    database = pg_app.extensions["coop.db"]
    _email, code, service_id, today = _seed(database)
    with database.scope() as s:
        coop_id = s.exec(select(ChequeLot.coop_id)).first()
        other = save_household(s, coop_id=coop_id, household_id=None, data=HouseholdInput(name="G"), actor_id=None)
        allocation.allocate_household(s, household_id=other.id, period=local_today().replace(day=1))
        other_code = card_of(s, coop_id=coop_id, household_id=other.id).code
        provider_id = s.exec(select(Provider.id)).one()

    def redeem(session, household_code: str):
        data = RedemptionInput(household_code=household_code, service_id=service_id, cheques=1,
                               used_on=date.fromisoformat(today), idempotency_key="same-key")
        return service.redeem(session, coop_id=coop_id, provider_id=provider_id, data=data, actor_id=None,
                              today=date.fromisoformat(today))

    first = database.session()
    assert redeem(first, code)[1] is True
    outcome: dict[str, object] = {}

    def second() -> None:
        with database.scope() as s:
            try:
                outcome["new"] = redeem(s, other_code)[1]
            except Conflict as exc:
                outcome["refused"] = exc.code

    thread = threading.Thread(target=second)
    thread.start()
    waiting, deadline = 0, time.monotonic() + WAIT_S
    try:
        with database.engine.connect() as watcher:
            while not waiting and thread.is_alive() and time.monotonic() < deadline:
                waiting = watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                               "current_database() AND wait_event_type = 'Lock'")).scalar_one()
                # PostgreSQL keeps one snapshot of pg_stat_activity per transaction: without
                # ending it, a poll made before the second redemption blocked would be repeated
                # unchanged until the deadline.
                watcher.commit()
                time.sleep(0.05)
        assert waiting == 1, f"the second redemption did not wait for the first: {outcome}"
    finally:
        # Whatever happened, end the first transaction so the second (and the teardown) can go on.
        getattr(first, first_ends)()
        first.close()
        thread.join(timeout=WAIT_S)
    assert outcome == ({"refused": "idempotency_mismatch"} if first_ends == "commit" else {"new": True})
    with database.scope(write=False) as s:
        assert s.exec(select(func.count()).select_from(ChequeRedemption)).one() == 1
        assert -s.exec(select(func.sum(ChequeMovement.cheques))).one() == 1
