"""Monthly lots: quotas, single parents from their effective date, yearly cap, exactly once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from coop.cheques import allocation, jobs
from coop.cheques.models import ChequeCard, ChequeLot
from coop.cheques.scheme import SchemeInput, save_scheme

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def _lots(db) -> list[tuple[int, date, int]]:
    db.rollback()
    return [(lot.household_id, lot.period, lot.allocated)
            for lot in db.exec(select(ChequeLot).order_by(ChequeLot.household_id, ChequeLot.period)).all()]


def test_one_lot_per_household_and_month_with_the_single_parent_quota(app, db, make, world):
    couple = make.household(world.coop)
    single = make.household(world.coop, is_single_parent=True, single_parent_since=date(2026, 10, 3))
    database = app.extensions["coop.db"]
    assert jobs.allocate_cheques(database, period=NOV) == 2
    assert jobs.allocate_cheques(database, period=NOV) == 0
    assert _lots(db) == [(couple.id, NOV, 4), (single.id, NOV, 8)]
    lot = db.exec(select(ChequeLot)).first()
    assert lot.expires_on == date(2027, 5, 1)
    assert len(db.exec(select(ChequeCard)).all()) == 2


def test_single_parent_status_counts_from_the_next_allocation(app, db, make, world):
    household = make.household(world.coop, is_single_parent=True, single_parent_since=date(2026, 11, 15))
    database = app.extensions["coop.db"]
    jobs.allocate_cheques(database, period=NOV)
    jobs.allocate_cheques(database, period=DEC)
    assert _lots(db) == [(household.id, NOV, 4), (household.id, DEC, 8)]


def test_the_yearly_cap_limits_allocation(app, db, make, world):
    save_scheme(db, coop_id=world.coop.id, data=SchemeInput(base_quota=4, yearly_cap=6))
    db.commit()
    household = make.household(world.coop)
    database = app.extensions["coop.db"]
    for month in (10, 11, 12):
        jobs.allocate_cheques(database, period=date(2026, month, 1))
    jobs.allocate_cheques(database, period=date(2027, 1, 1))
    assert [allocated for _, _, allocated in _lots(db)] == [4, 2, 0, 4]
    assert household.id


@pytest.mark.parametrize("batches_before_crash", [0, 1, 3])
def test_a_run_killed_half_way_is_completed_by_the_rerun(app, db, make, world, monkeypatch, batches_before_crash):
    households = [make.household(world.coop) for _ in range(7)]
    database = app.extensions["coop.db"]
    real = allocation.allocate_households
    calls = {"n": 0}

    def killed_after_some_batches(session, **kw):
        calls["n"] += 1
        made = real(session, **kw)
        if calls["n"] > batches_before_crash:
            raise KeyboardInterrupt("killed before this batch committed")
        return made

    monkeypatch.setattr(jobs, "allocate_households", killed_after_some_batches)
    with pytest.raises(KeyboardInterrupt):
        jobs.allocate_cheques(database, period=NOV, batch_size=2)
    assert len(_lots(db)) == 2 * batches_before_crash
    monkeypatch.setattr(jobs, "allocate_households", real)
    assert jobs.allocate_cheques(database, period=NOV, batch_size=2) == 7 - 2 * batches_before_crash
    assert jobs.allocate_cheques(database, period=NOV, batch_size=2) == 0
    assert sorted(hid for hid, _, _ in _lots(db)) == sorted(h.id for h in households)
    assert len(db.exec(select(ChequeCard)).all()) == 7


def test_a_run_killed_while_making_codes_leaves_no_lot_without_its_code(app, db, make, world, monkeypatch):
    make.household(world.coop)
    database = app.extensions["coop.db"]

    def killed(*_args, **_kw):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(allocation, "_make_cards", killed)
    with pytest.raises(KeyboardInterrupt):
        jobs.allocate_cheques(database, period=NOV)
    assert _lots(db) == []
    monkeypatch.undo()
    assert jobs.allocate_cheques(database, period=NOV) == 1


def test_allocating_a_household_twice_in_one_session_inserts_once(db, make, world):
    household = make.household(world.coop)
    assert allocation.allocate_household(db, household_id=household.id, period=date(2026, 11, 17))
    assert not allocation.allocate_household(db, household_id=household.id, period=NOV)
    db.commit()
    assert _lots(db) == [(household.id, NOV, 4)]
