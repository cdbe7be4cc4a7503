"""The scheduler's daily tick applies today's decisions before today's allocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from coop.cheques.models import ChequeLot
from coop.clock import local_today
from coop.governance import service
from coop.governance.models import Proposal
from coop.jobs import register_jobs, run_daily_ledgers
from tests.governance.conftest import Coop

pytestmark = pytest.mark.usefixtures("ctx")


def test_the_governance_job_is_registered(app):
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, app)
    assert {"governance", "monthly_ledgers"} <= {job.id for job in scheduler.get_jobs()}


def pass_seven_cheques_from_today(db, coop: Coop) -> Proposal:
    """A vote, closed yesterday with two yes, for a base quota of 7 cheques from today."""
    today = local_today("Europe/Brussels")
    proposal = service.propose(db, coop=coop.coop, author_id=coop.parents[0].id, roles={"parent"},
                               today=today - timedelta(days=10),
                               data=service.ProposalInput(title="Seven cheques", text="Please.",
                                                          closes_on=today - timedelta(days=1),
                                                          setting_key="cheque_base_quota", value=7,
                                                          effective_on=today))
    db.commit()
    for household in coop.households[:2]:
        service.cast_vote(db, coop_id=coop.coop.id, proposal_id=proposal.id, household_id=household.id,
                          voter_households={household.id}, choice="yes",
                          now=proposal.closes_at - timedelta(hours=1))
    db.commit()
    return proposal


def assert_applied_and_allocated_at_seven(db, coop: Coop, proposal: Proposal) -> None:
    """The decision is applied and this month's only lot holds the new quota."""
    db.expire_all()
    assert db.get(Proposal, proposal.id).applied_at is not None
    lots = db.exec(select(ChequeLot).where(ChequeLot.coop_id == coop.coop.id)).all()
    month = local_today("Europe/Brussels").replace(day=1)
    assert {(lot.period, lot.allocated) for lot in lots} == {(month, 7)}


def test_a_quota_effective_today_is_in_force_for_todays_allocation(app, db, coop: Coop):
    proposal = pass_seven_cheques_from_today(db, coop)
    run_daily_ledgers(app)
    assert_applied_and_allocated_at_seven(db, coop, proposal)


def test_allocating_by_hand_applies_todays_decisions_first(app, db, coop: Coop):
    proposal = pass_seven_cheques_from_today(db, coop)
    result = app.test_cli_runner().invoke(args=["cheques", "allocate"])
    assert result.exit_code == 0, result.output
    assert "decisions applied: 1" in result.output
    assert_applied_and_allocated_at_seven(db, coop, proposal)
