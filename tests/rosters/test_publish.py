"""From bookings to a published roster: solve, check, publish, notify; refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from coop.audit.models import AuditEntry
from coop.clock import local_today
from coop.demo import load_demo, publish_demo_rosters
from coop.errors import Conflict
from coop.outbox.models import OutboxMessage
from coop.rosters import edits, service
from coop.rosters.models import Roster, RosterAssignment, RosterShift
from coop.rosters.weeks import format_week
from tests.rosters.solving import TUESDAY, Week, at, make_week

EARLY_AND_LATE = ((1, 7 * 60, 23 * 60),)  # Tuesday 07:00-23:00


@pytest.fixture
def week(app: Flask, db: Session, make) -> Iterator[Week]:
    with app.app_context():
        yield make_week(app, db, make)


def two_caregivers_one_day(week: Week) -> None:
    """A school child from 08:00 to 17:00 on Tuesday: one caregiver early, one late."""
    week.caregiver("ana", windows=EARLY_AND_LATE, household=week.make.household(week.coop))
    week.caregiver("bram", "staff", windows=EARLY_AND_LATE, contract_minutes_per_week=8 * 60)
    week.book(at(TUESDAY, "08:00"), at(TUESDAY, "17:00"))


def publish(week: Week, roster_id: int) -> Roster:
    with week.database.scope() as session:
        return service.publish(session, coop_id=week.coop.id, roster_id=roster_id, actor_id=week.coordinator.id)


def test_solve_stores_a_full_draft_that_publishes_and_tells_each_caregiver(week: Week):
    two_caregivers_one_day(week)
    run = week.solve()
    assert run.status == "done", run.error
    assert run.kind == "solve"
    week.db.rollback()
    draft = week.db.get(Roster, run.roster_id)
    assert draft.status == "draft"
    assert draft.solver_status in ("optimal", "feasible")
    assert draft.objective is not None and draft.bound is not None and draft.bound <= draft.objective
    assert draft.unmet == [], repr((draft.unmet, draft.stats))
    assert {"under_coverage", "fairness", "stability"} <= set(draft.penalties)
    shifts = week.db.exec(select(RosterShift).where(RosterShift.roster_id == draft.id)).all()
    assert len(shifts) == 21  # early, late and night on seven days, the empty ones included
    busy = {s.code: s for s in shifts if s.required}
    assert set(busy) == {"early", "late"}
    assert busy["early"].qualified == {"first_aid": 1}
    assert busy["early"].derivation["required"] == 1
    assert week.placements(draft.id) in ({"ana": {"early@1"}, "bram": {"late@1"}},
                                         {"ana": {"late@1"}, "bram": {"early@1"}})
    by_caregiver = {s["caregiver_id"]: s for s in draft.stats}
    assert by_caregiver[week.caregivers["ana"].id]["minutes"] == 480
    assert by_caregiver[week.caregivers["ana"].id]["household_id"] == week.caregivers["ana"].household_id
    assert by_caregiver[week.caregivers["bram"].id]["contract_minutes"] == 480

    assert service.violations(week.db, draft) == []
    publish(week, draft.id)
    week.db.rollback()
    assert week.db.get(Roster, draft.id).status == "published"
    current = service.current_rosters(week.db, coop_id=week.coop.id, week_start=draft.week_start)
    assert current.published.id == draft.id and current.draft is None
    notices = week.db.exec(select(OutboxMessage).where(OutboxMessage.coop_id == week.coop.id)).all()
    assert sorted(n.person_id for n in notices) == sorted([week.people["ana"].id, week.people["bram"].id])
    assert all("2026-W50" in n.subject and week.site.name in n.body for n in notices)
    assert sorted("07:00" in n.body for n in notices) == [False, True]  # one early, one late
    assert week.db.exec(select(AuditEntry).where(AuditEntry.object_type == "roster",
                                                 AuditEntry.object_id == draft.id)).first() is not None


def test_publish_refuses_a_caregiver_put_twice_on_one_day(week: Week):
    two_caregivers_one_day(week)
    run = week.solve()
    week.db.rollback()
    ana = week.caregivers["ana"]
    shifts = week.db.exec(select(RosterShift).where(RosterShift.roster_id == run.roster_id,
                                                    col(RosterShift.required) > 0)).all()
    placed = set(week.db.exec(select(RosterAssignment.shift_id).where(RosterAssignment.caregiver_id == ana.id)).all())
    other = next(s for s in shifts if s.id not in placed)
    with week.database.scope() as session:
        edits.add_assignment(session, coop_id=week.coop.id, shift_id=other.id, caregiver_id=ana.id,
                             actor_id=week.coordinator.id)
    week.db.rollback()
    draft = week.db.get(Roster, run.roster_id)
    found = service.violations(week.db, draft)
    assert "one_shift_per_day" in {v.rule for v in found}
    twice = next(v for v in found if v.rule == "one_shift_per_day")
    assert twice.caregiver_id == ana.id and twice.day == TUESDAY
    assert week.people["ana"].display_name in twice.message
    with pytest.raises(Conflict) as refused:
        publish(week, draft.id)
    assert refused.value.code == "roster_has_violations"
    week.db.rollback()
    assert week.db.get(Roster, draft.id).status == "draft"
    assert week.db.exec(select(OutboxMessage).where(OutboxMessage.coop_id == week.coop.id)).all() == []


def test_publish_refuses_a_roster_already_published(week: Week):
    two_caregivers_one_day(week)
    run = week.solve()
    publish(week, run.roster_id)
    with pytest.raises(Conflict) as refused:
        publish(week, run.roster_id)
    assert refused.value.code == "roster_not_draft"


def test_an_assignment_the_caregiver_can_no_longer_work_blocks_publishing(week: Week):
    two_caregivers_one_day(week)
    run = week.solve()
    week.away("ana", TUESDAY)
    week.db.rollback()
    found = service.violations(week.db, week.db.get(Roster, run.roster_id))
    assert [(v.rule, v.caregiver_id) for v in found] == [("availability", week.caregivers["ana"].id)]


def test_the_demo_publishes_a_valid_roster_for_this_week_and_the_next(app: Flask, db: Session):
    with app.app_context():
        with app.extensions["coop.db"].scope() as session:
            load_demo(session)
        today = local_today()  # the demo books from tomorrow on
        weeks = [format_week(today), format_week(today + timedelta(days=7))]
        assert publish_demo_rosters(app.extensions["coop.db"], today=today, time_limit_s=1) == [
            f"{slug} {week}" for slug in ("marolles", "schaerbeek") for week in weeks]
        assert publish_demo_rosters(app.extensions["coop.db"], today=today, time_limit_s=1) == []
        db.rollback()
        rosters = db.exec(select(Roster)).all()
        assert [r.status for r in rosters] == ["published"] * 4
        assert all(service.violations(db, r) == [] for r in rosters)
        staffed = db.exec(select(RosterAssignment)).all()
        assert len(staffed) > 20  # the demo's caregivers cover much of the demand
