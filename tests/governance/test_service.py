"""Proposals and votes through the services: bad input changes nothing, one row per
household, closing and applying once, and a change that takes effect on its date only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, func, select

from coop.cheques.allocation import allocate_households
from coop.cheques.models import ChequeLot
from coop.cheques.scheme import get_scheme
from coop.credits import scale
from coop.credits.scale import BandInput, get_scale
from coop.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coop.governance import service
from coop.governance.jobs import run_governance
from coop.governance.models import Proposal, SettingChange, Vote
from coop.outbox.models import OutboxMessage
from coop.rosters.rules import get_rules
from coop.rosters.templates import templates_of
from tests.governance.conftest import AFTER_CLOSE, TODAY, open_proposal, vote

pytestmark = pytest.mark.usefixtures("ctx")


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_opening_a_vote_tells_every_member_in_their_language(db, coop):
    proposal = open_proposal(db, coop)
    notices = db.exec(select(OutboxMessage).where(OutboxMessage.topic == "governance")).all()
    assert sorted(n.person_id for n in notices) == sorted([coop.coordinator.id] + [p.id for p in coop.parents])
    dutch = {p.id for p in coop.parents if p.language == "nl"}
    assert all(n.subject.startswith("Stemming open") for n in notices if n.person_id in dutch)
    assert all(n.subject.startswith("Vote ouvert") for n in notices if n.person_id not in dutch)
    assert all(n.link == f"/c/gov/decisions/{proposal.id}" for n in notices)


@pytest.mark.parametrize(("key", "value", "field"), [
    ("cheque_base_quota", -1, "base_quota"),
    ("cheque_validity", 0, "validity_months"),
    ("cheque_single_parent", 50, "single_parent_percent"),
    ("night_weight", 500, "night_weight"),
    ("booking_deadline", {"weekday": 7, "minute": 60}, "deadline_weekday"),
    ("ratios", {"infant_ratio": 0, "toddler_ratio": 7, "child_ratio": 8}, "infant_ratio"),
    ("pledge_scale", [{"code": "A", "label": "Low", "income_up_to_cents": None, "base_minutes": -60,
                       "per_child_minutes": 0}], "base-0"),
])
def test_a_value_out_of_range_is_refused_and_nothing_changes(db, coop, key, value, field):
    scheme_before = get_scheme(db, coop_id=coop.coop.id).model_dump()
    with pytest.raises(ValidationFailed) as refused:
        open_proposal(db, coop, setting_key=key, value=value, effective_on=date(2027, 1, 1))
    db.rollback()
    assert field in refused.value.fields
    assert _count(db, Proposal) == 0 and _count(db, OutboxMessage) == 0 and _count(db, SettingChange) == 0
    assert get_scheme(db, coop_id=coop.coop.id).model_dump() == scheme_before


def test_a_change_cannot_take_effect_before_the_vote_closes(db, coop):
    with pytest.raises(ValidationFailed) as refused:
        open_proposal(db, coop, setting_key="cheque_base_quota", value=6, effective_on=date(2026, 12, 10))
    assert "effective_on" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        open_proposal(db, coop, closes_on=TODAY)
    assert "closes_on" in refused.value.fields


def test_the_current_value_is_kept_beside_the_proposed_one(db, coop, make):
    site = make.site(coop.coop)
    hours = {"always_open": False, "days": [[0, 420, 1140], [1, 420, 1140]]}
    proposal = open_proposal(db, coop, setting_key="site_hours", target=site.id, value=hours,
                             effective_on=date(2027, 1, 1))
    assert proposal.current_value == {"always_open": True, "days": []}
    assert proposal.proposed_value == hours
    with pytest.raises(ValidationFailed) as refused:
        open_proposal(db, coop, setting_key="site_hours", target=site.id, value={"always_open": False, "days": []},
                      effective_on=date(2027, 1, 1))
    assert "is_always_open" in refused.value.fields


def test_only_coordinators_propose_when_the_cooperative_says_so(db, coop):
    service.save_rules(db, coop_id=coop.coop.id, proposers="coordinators", quorum_numerator=1,
                       quorum_denominator=3, majority="simple")
    db.commit()
    with pytest.raises(Forbidden):
        open_proposal(db, coop)


def test_voting_again_changes_the_households_single_vote(db, coop):
    proposal = open_proposal(db, coop)
    vote(db, coop, proposal, 0, "yes")
    vote(db, coop, proposal, 0, "no")
    rows = db.exec(select(Vote).where(Vote.proposal_id == proposal.id)).all()
    assert [(v.household_id, v.choice) for v in rows] == [(coop.households[0].id, "no")]


def test_bad_votes_are_refused(db, coop, make):
    proposal = open_proposal(db, coop)
    mine, other = coop.households[0].id, coop.households[1].id
    with pytest.raises(NotFound):  # another household
        service.cast_vote(db, coop_id=coop.coop.id, proposal_id=proposal.id, household_id=other,
                          voter_households={mine}, choice="yes", now=AFTER_CLOSE.replace(day=1))
    elsewhere = make.coop("elsewhere")
    with pytest.raises(NotFound):  # through another cooperative
        service.cast_vote(db, coop_id=elsewhere.id, proposal_id=proposal.id, household_id=mine,
                          voter_households={mine}, choice="yes", now=AFTER_CLOSE.replace(day=1))
    with pytest.raises(ValidationFailed):
        service.cast_vote(db, coop_id=coop.coop.id, proposal_id=proposal.id, household_id=mine,
                          voter_households={mine}, choice="maybe", now=AFTER_CLOSE.replace(day=1))
    with pytest.raises(Conflict) as late:  # after the close, even before the job counted it
        service.cast_vote(db, coop_id=coop.coop.id, proposal_id=proposal.id, household_id=mine,
                          voter_households={mine}, choice="yes", now=datetime(2026, 12, 10, 23, 0, tzinfo=UTC))
    assert late.value.code == "vote_closed"
    db.rollback()
    assert _count(db, Vote) == 0


def test_closing_counts_once_and_tells_everyone_once(app, db, coop):
    proposal = open_proposal(db, coop)
    for index, choice in enumerate(["yes", "yes", "no"]):
        vote(db, coop, proposal, index, choice)
    assert run_governance(app, now=datetime(2026, 12, 10, 22, 59, tzinfo=UTC)) == (0, 0)
    assert run_governance(app, now=AFTER_CLOSE) == (1, 0)
    assert run_governance(app, now=AFTER_CLOSE) == (0, 0)
    db.expire_all()
    closed = db.get(Proposal, proposal.id)
    assert (closed.status, closed.yes_votes, closed.no_votes, closed.abstentions, closed.households) == (
        "passed", 2, 1, 0, 6)
    assert _count(db, OutboxMessage, col(OutboxMessage.subject).contains("Our proposal")) == 2 * 7
    with pytest.raises(Conflict):
        vote(db, coop, proposal, 4, "yes", now=AFTER_CLOSE)


def test_a_tie_and_a_missed_quorum_change_nothing(app, db, coop):
    tie = open_proposal(db, coop, setting_key="cheque_base_quota", value=6, effective_on=date(2026, 12, 15))
    vote(db, coop, tie, 0, "yes")
    vote(db, coop, tie, 1, "no")
    too_few = open_proposal(db, coop, setting_key="cheque_base_quota", value=8, effective_on=date(2026, 12, 15))
    vote(db, coop, too_few, 0, "yes")  # 1 of 6 households: a third needs 2
    assert run_governance(app, now=datetime(2026, 12, 20, 12, tzinfo=UTC)) == (2, 0)
    db.expire_all()
    assert [db.get(Proposal, p.id).status for p in (tie, too_few)] == ["rejected", "no_quorum"]
    assert get_scheme(db, coop_id=coop.coop.id).base_quota == 4


def test_a_passed_quota_applies_on_its_date_never_before(app, db, coop):
    """December's allocation (before the date) uses the old quota, January's the new one."""
    household_ids = [h.id for h in coop.households]
    proposal = open_proposal(db, coop, setting_key="cheque_base_quota", value=6, effective_on=date(2027, 1, 1))
    for index in range(3):
        vote(db, coop, proposal, index, "yes")
    assert run_governance(app, now=AFTER_CLOSE) == (1, 0)
    # 1 December's tick: the decision is taken but not yet in force.
    assert run_governance(app, now=datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == (0, 0)
    allocate_households(db, household_ids=household_ids, period=date(2026, 12, 1))
    db.commit()
    # Brussels' 1 January starts at 23:00 UTC on 31 December: the change applies, once.
    assert run_governance(app, now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == (0, 1)
    assert run_governance(app, now=datetime(2027, 1, 1, 9, tzinfo=UTC)) == (0, 0)
    allocate_households(db, household_ids=household_ids, period=date(2027, 1, 1))
    db.commit()
    lots = {(lot.period, lot.allocated) for lot in db.exec(select(ChequeLot)).all()}
    assert lots == {(date(2026, 12, 1), 4), (date(2027, 1, 1), 6)}
    history = db.exec(select(SettingChange).where(SettingChange.setting_key == "cheque_base_quota")
                      .order_by(col(SettingChange.id))).all()
    assert [(h.value, h.proposal_id) for h in history] == [(4, None), (6, proposal.id)]


def test_a_change_refused_by_then_is_kept_with_its_reason(app, db, coop, make):
    site = make.site(coop.coop)
    hours = {"always_open": False, "days": [[0, 420, 1140]]}
    proposal = open_proposal(db, coop, setting_key="site_hours", target=site.id, value=hours,
                             effective_on=date(2027, 1, 1))
    for index in range(3):
        vote(db, coop, proposal, index, "yes")
    db.delete(db.get(type(site), site.id))
    db.commit()
    assert run_governance(app, now=datetime(2027, 1, 2, tzinfo=UTC)) == (1, 1)
    db.expire_all()
    kept = db.get(Proposal, proposal.id)
    assert kept.applied_at is not None and kept.apply_error


def test_passed_ratios_scale_and_shifts_apply_through_their_services(app, db, coop, make):
    site = make.site(coop.coop)
    week = [[["day", 480, 600, False]] for _ in range(5)] + [[], [["night", 1380, 480, True]]]
    bands = [{"code": "A", "label": "Low", "income_up_to_cents": 150000, "base_minutes": 120, "per_child_minutes": 60},
             {"code": "B", "label": "High", "income_up_to_cents": None, "base_minutes": 240, "per_child_minutes": 60}]
    proposals = [open_proposal(db, coop, setting_key=key, value=value, target=target, effective_on=date(2027, 1, 1))
                 for key, value, target in [("ratios", {"infant_ratio": 3, "toddler_ratio": 6, "child_ratio": 8}, None),
                                            ("pledge_scale", bands, None), ("shift_templates", week, site.id)]]
    for proposal in proposals:
        for index in range(2):
            vote(db, coop, proposal, index, "yes")
    assert run_governance(app, now=datetime(2027, 1, 1, 12, tzinfo=UTC)) == (3, 3)
    db.expire_all()
    assert [db.get(Proposal, p.id).apply_error for p in proposals] == ["", "", ""]
    rules = get_rules(db, coop_id=coop.coop.id)
    assert (rules.infant_ratio, rules.toddler_ratio, rules.child_ratio) == (3, 6, 8)
    assert [(b.code, b.base_minutes) for b in get_scale(db, coop_id=coop.coop.id)] == [("A", 120), ("B", 240)]
    days = templates_of(db, coop_id=coop.coop.id, site_id=site.id)
    assert [[(t.code, t.start_minute, t.length_minutes, t.is_night) for t in days[d]] for d in range(7)] == [
        [tuple(shift) for shift in day] for day in week]


def test_households_that_left_do_not_count_towards_the_quorum(app, db, coop):
    proposal = open_proposal(db, coop, setting_key="cheque_base_quota", value=6, effective_on=date(2026, 12, 15))
    vote(db, coop, proposal, 0, "yes")  # 1 of 6 households: short of a third...
    for household in coop.households[2:6]:  # ...until four of the others have left: 1 of 2
        household.left_on = date(2026, 11, 20)
        db.add(household)
    db.commit()
    assert run_governance(app, now=datetime(2026, 12, 20, 12, tzinfo=UTC)) == (1, 1)  # closed, and applied
    db.expire_all()
    closed = db.get(Proposal, proposal.id)
    assert (closed.status, closed.households) == ("passed", 2)


def test_removing_the_whole_pledge_scale_is_in_the_history(db, coop):
    scale.save_scale(db, coop_id=coop.coop.id, bands=[BandInput("A", "Everyone", None, 120, 60)], actor_id=None)
    db.commit()
    scale.save_scale(db, coop_id=coop.coop.id, bands=[], actor_id=None)
    db.commit()
    history = db.exec(select(SettingChange).where(SettingChange.coop_id == coop.coop.id,
                                                  SettingChange.setting_key == "pledge_scale")
                      .order_by(col(SettingChange.id))).all()
    assert [len(change.value) for change in history] == [1, 0]
