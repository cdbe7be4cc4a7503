"""Proposals, votes, closing and applying decisions.

Counting (documented for members on the decisions page):

* Each household has one vote: yes, no or abstain, changeable until the close.
* **Quorum**: the households that voted (abstentions included: they took part) must be at
  least the quorum fraction of all the cooperative's households at the close
  (``voted * denominator >= households * numerator``).
* **Majority** counts yes and no only; abstentions count for neither side. ``simple``:
  more yes than no (an exact tie is rejected). ``two_thirds``: yes at least two thirds of
  yes plus no (and at least one yes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.cooperatives.models import Cooperative
from coop.credits.service import insert_ignoring_conflicts
from coop.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coop.governance import history
from coop.governance.models import CHOICES, MAJORITIES, PROPOSERS, GovernanceRules, Proposal, Vote
from coop.governance.settings import get_setting, validate
from coop.members.models import Household, Membership
from coop.outbox.service import in_language, notify

MIN_VOTING_DAYS = 2
MAX_VOTING_DAYS = 90
MAX_EFFECT_DAYS = 2 * 366


def get_rules(session: Session, *, coop_id: int) -> GovernanceRules:
    """The cooperative's voting rules (defaults when none were saved)."""
    return session.get(GovernanceRules, coop_id) or GovernanceRules(coop_id=coop_id)


def save_rules(session: Session, *, coop_id: int, proposers: str, quorum_numerator: int, quorum_denominator: int,
               majority: str) -> GovernanceRules:
    """Change who may propose, the quorum and the majority (coordinators); open votes count
    with the rules in force when they close."""
    errors = {}
    if proposers not in PROPOSERS:
        errors["proposers"] = _l("Choose a value from the list.")
    if majority not in MAJORITIES:
        errors["majority"] = _l("Choose a value from the list.")
    if not 1 <= quorum_denominator <= 1000:
        errors["quorum_denominator"] = _l("Enter a number between %(lo)d and %(hi)d.", lo=1, hi=1000)
    elif not 0 <= quorum_numerator <= quorum_denominator:
        errors["quorum_numerator"] = _l("Enter a number between %(lo)d and %(hi)d.", lo=0, hi=quorum_denominator)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    rules = session.get(GovernanceRules, coop_id) or GovernanceRules(coop_id=coop_id)
    rules.proposers, rules.majority = proposers, majority
    rules.quorum_numerator, rules.quorum_denominator = quorum_numerator, quorum_denominator
    session.add(rules)
    session.flush()
    return rules


def decide(*, yes: int, no: int, abstain: int, households: int, rules: GovernanceRules) -> str:
    """The outcome of a count: ``passed``, ``rejected`` or ``no_quorum`` (see the module doc)."""
    if (yes + no + abstain) * rules.quorum_denominator < households * rules.quorum_numerator:
        return "no_quorum"
    if rules.majority == "two_thirds":
        return "passed" if yes > 0 and 3 * yes >= 2 * (yes + no) else "rejected"
    return "passed" if yes > no else "rejected"


@dataclass(frozen=True)
class ProposalInput:
    title: str
    text: str
    closes_on: date | None
    setting_key: str = ""
    setting_target: int | None = None
    value: Any = None
    effective_on: date | None = None


def closing_instant(closes_on: date, timezone: str) -> datetime:
    """A vote stays open to the end of its last day, local time."""
    return datetime.combine(closes_on + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _check_proposal(data: ProposalInput, today: date) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not data.title.strip() or len(data.title.strip()) > 120:
        errors["title"] = _l("Enter a title of 1 to 120 characters.")
    if not data.text.strip() or len(data.text.strip()) > 4000:
        errors["text"] = _l("Explain the proposal in 1 to 4000 characters.")
    if data.closes_on is None or not (today + timedelta(days=MIN_VOTING_DAYS) <= data.closes_on
                                      <= today + timedelta(days=MAX_VOTING_DAYS)):
        errors["closes_on"] = _l("The vote must last between %(lo)d and %(hi)d days.", lo=MIN_VOTING_DAYS,
                                 hi=MAX_VOTING_DAYS)
    if data.setting_key and data.closes_on is not None and "closes_on" not in errors:
        if data.effective_on is None or data.effective_on <= data.closes_on:
            errors["effective_on"] = _l("Choose a date after the vote closes: a decision never applies before it "
                                        "is taken.")
        elif data.effective_on > data.closes_on + timedelta(days=MAX_EFFECT_DAYS):
            errors["effective_on"] = _l("Choose a date within two years of the vote.")
    return errors


def propose(session: Session, *, coop: Cooperative, author_id: int, roles: set[str], data: ProposalInput,
            today: date) -> Proposal:
    """Open a vote; with a settings change, its value is checked now by the setting's own
    service (nothing is changed) and the current value is kept beside it."""
    rules = get_rules(session, coop_id=coop.id)
    if rules.proposers == "coordinators" and "coordinator" not in roles:
        raise Forbidden(_l("In this cooperative only coordinators make proposals."), code="proposers_only")
    errors = _check_proposal(data, today)
    current = None
    setting = get_setting(data.setting_key) if data.setting_key else None
    if setting is not None:
        target = data.setting_target if setting.per_site else None
        try:
            current = setting.read(session, coop.id, target)
        except NotFound:
            raise ValidationFailed(_l("Check the form."), fields={"site_id": _l("Choose a site from the list.")}) \
                from None
        try:
            validate(session, setting, coop_id=coop.id, target=target, value=data.value)
        except ValidationFailed as exc:
            errors.update(exc.fields or {setting.fields[0]: exc.message})
        if not errors and data.value == current:
            errors[setting.fields[0]] = _l("This is already the current value.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    assert data.closes_on is not None
    proposal = Proposal(coop_id=coop.id, title=data.title.strip(), text=data.text.strip(), author_id=author_id,
                        closes_at=closing_instant(data.closes_on, coop.timezone),
                        setting_key=setting.key if setting else None,
                        setting_target=data.setting_target if setting and setting.per_site else None,
                        current_value=current, proposed_value=data.value if setting else None,
                        effective_on=data.effective_on if setting else None)
    session.add(proposal)
    session.flush()
    _tell_members(session, coop, proposal, opened=True)
    return proposal


def _tell_members(session: Session, coop: Cooperative, proposal: Proposal, *, opened: bool) -> None:
    """Tell every parent and coordinator, each in their language."""
    people = session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                          .where(Membership.coop_id == coop.id, col(Membership.role).in_(("parent", "coordinator")))
                          .distinct().order_by(col(Person.id))).all()
    link = f"/c/{coop.slug}/decisions/{proposal.id}"
    for person in people:
        with in_language(person, coop):
            if opened:
                closes = format_date(proposal.closes_at.astimezone(ZoneInfo(coop.timezone)) - timedelta(seconds=1),
                                     "long")
                subject = str(_l("Vote open: %(title)s", title=proposal.title))
                body = str(_l("A proposal is put to the households' vote until %(date)s included: %(title)s. "
                              "Your household can vote, and change its vote, until then.", date=closes,
                              title=proposal.title))
            else:
                subject = str(_l("Vote closed: %(title)s", title=proposal.title))
                body = str(_l("The vote on \u201c%(title)s\u201d is closed: %(outcome)s (yes %(yes)d, no %(no)d, "
                              "abstentions %(abstain)d, out of %(households)d households).", title=proposal.title,
                              outcome=OUTCOME_LABELS[proposal.status], yes=proposal.yes_votes, no=proposal.no_votes,
                              abstain=proposal.abstentions, households=proposal.households))
        notify(session, coop_id=coop.id, person_id=person.id, topic="governance", subject=subject, body=body,
               link=link)


OUTCOME_LABELS = {"open": _l("vote open"), "passed": _l("passed"), "rejected": _l("rejected"),
                  "no_quorum": _l("quorum not reached")}


def get_proposal(session: Session, *, coop_id: int, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.coop_id != coop_id:
        raise NotFound(_l("This proposal does not exist."))
    return proposal


def list_proposals(session: Session, *, coop_id: int) -> Sequence[Proposal]:
    """Every proposal of the cooperative, newest first: the decisions record."""
    return session.exec(select(Proposal).where(Proposal.coop_id == coop_id)
                        .order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())).all()


def cast_vote(session: Session, *, coop_id: int, proposal_id: int, household_id: int, voter_households: set[int],
              choice: str, now: datetime) -> Vote:
    """Record (or change) a household's vote. One row per household and proposal holds even
    under simultaneous requests: the insert updates the existing row on conflict. The
    proposal row is locked (shared) so that a close never counts half-way through a vote."""
    proposal = session.exec(select(Proposal).where(Proposal.id == proposal_id).with_for_update(read=True)
                            .execution_options(populate_existing=True)).first()
    if proposal is None or proposal.coop_id != coop_id:
        raise NotFound(_l("This proposal does not exist."))
    if household_id not in voter_households:
        raise NotFound(_l("This household does not exist."))
    if choice not in CHOICES:
        raise ValidationFailed(_l("Check the form."), fields={"choice": _l("Choose yes, no or abstain.")})
    if proposal.status != "open" or now >= proposal.closes_at:
        raise Conflict(_l("This vote is closed."), code="vote_closed")
    stmt = (insert_ignoring_conflicts(session, Vote)
            .values(proposal_id=proposal.id, household_id=household_id, choice=choice, cast_at=now)
            .on_conflict_do_update(index_elements=["proposal_id", "household_id"],
                                   set_={"choice": choice, "cast_at": now}))
    session.execute(stmt)
    return session.exec(select(Vote).where(Vote.proposal_id == proposal.id, Vote.household_id == household_id)
                        .execution_options(populate_existing=True)).one()


def vote_of(session: Session, *, proposal_id: int, household_ids: set[int]) -> Vote | None:
    """The caller's own household's vote (never anyone else's)."""
    if not household_ids:
        return None
    return session.exec(select(Vote).where(Vote.proposal_id == proposal_id,
                                           col(Vote.household_id).in_(household_ids))).first()


def due_to_close(session: Session, *, now: datetime) -> Sequence[int]:
    return session.exec(select(Proposal.id).where(Proposal.status == "open", Proposal.closes_at <= now)
                        .order_by(col(Proposal.id))).all()


def close_vote(session: Session, *, proposal_id: int, now: datetime) -> bool:
    """Count and close one vote whose time is up; says whether it closed it now (a second
    run, or a second scheduler, finds it closed and does nothing)."""
    proposal = session.exec(select(Proposal).where(Proposal.id == proposal_id).with_for_update()).first()
    if proposal is None or proposal.status != "open" or proposal.closes_at > now:
        return False
    counts = dict(session.exec(select(Vote.choice, func.count()).where(Vote.proposal_id == proposal.id)
                               .group_by(col(Vote.choice))).all())
    households = session.exec(select(func.count()).select_from(Household)
                              .where(Household.coop_id == proposal.coop_id, col(Household.left_on).is_(None))).one()
    proposal.yes_votes, proposal.no_votes = counts.get("yes", 0), counts.get("no", 0)
    proposal.abstentions, proposal.households = counts.get("abstain", 0), int(households)
    proposal.status = decide(yes=proposal.yes_votes, no=proposal.no_votes, abstain=proposal.abstentions,
                             households=proposal.households, rules=get_rules(session, coop_id=proposal.coop_id))
    proposal.closed_at = now
    session.add(proposal)
    session.flush()
    coop = session.get(Cooperative, proposal.coop_id)
    assert coop is not None
    _tell_members(session, coop, proposal, opened=False)
    return True


def due_to_apply(session: Session, *, today_of: dict[int, date]) -> list[tuple[int, int]]:
    """(proposal id, coop id) of passed changes whose date has come in their cooperative
    (``today_of``: coop id to its local date), oldest date first."""
    rows = session.exec(select(Proposal.id, Proposal.coop_id, Proposal.effective_on)
                        .where(Proposal.status == "passed", col(Proposal.setting_key).is_not(None),
                               col(Proposal.applied_at).is_(None))
                        .order_by(col(Proposal.effective_on), col(Proposal.closed_at), col(Proposal.id))).all()
    return [(pid, coop_id) for pid, coop_id, effective_on in rows
            if effective_on is not None and coop_id in today_of and effective_on <= today_of[coop_id]]


def apply_decision(session: Session, *, proposal_id: int, today: date, now: datetime) -> bool:
    """Apply one passed change on (or after) its date, once, through the setting's service,
    and record it in the history with the decision. A value the service refuses by then
    (a site closed since) is not applied; the reason is kept on the proposal."""
    proposal = session.exec(select(Proposal).where(Proposal.id == proposal_id).with_for_update()).first()
    if (proposal is None or proposal.status != "passed" or proposal.applied_at is not None
            or proposal.setting_key is None or proposal.effective_on is None or proposal.effective_on > today):
        return False
    setting = get_setting(proposal.setting_key)
    # The value before, when no change of this setting was recorded yet: the history then
    # shows what the decision changed from.
    history.record(session, coop_id=proposal.coop_id, setting=setting, target=proposal.setting_target,
                   proposal_id=None, person_id=None)
    proposal.applied_at = now
    try:
        with session.begin_nested():
            setting.apply(session, proposal.coop_id, proposal.setting_target, proposal.proposed_value)
            session.flush()
    except (ValidationFailed, NotFound) as exc:
        messages = [str(message) for message in exc.fields.values()] or [str(exc.message)]
        proposal.apply_error = "; ".join(messages)[:300]
    else:
        history.record(session, coop_id=proposal.coop_id, setting=setting, target=proposal.setting_target,
                       proposal_id=proposal.id, person_id=None)
    session.add(proposal)
    session.flush()
    return True
