"""A cooperative with households and their parents, and helpers to open, vote and close."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from coop.auth.models import Person
from coop.cooperatives.models import Cooperative
from coop.governance import service
from coop.governance.models import Proposal
from coop.members.models import Household
from tests.conftest import Factory

TODAY = date(2026, 11, 25)
# The vote below closes at the end of 10 December (Brussels), i.e. 23:00 UTC that day.
VOTING_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AFTER_CLOSE = datetime(2026, 12, 11, 12, 0, tzinfo=UTC)


@dataclass
class Coop:
    coop: Cooperative
    coordinator: Person
    households: list[Household]
    parents: list[Person]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """Notices are written in each reader's language: services need the app's context."""
    with app.app_context():
        yield


@pytest.fixture
def coop(make: Factory) -> Coop:
    cooperative = make.coop("gov")
    coordinator = make.person(cooperative, "coordinator", language="fr")
    households, parents = [], []
    for n in range(6):
        household = make.household(cooperative)
        households.append(household)
        parents.append(make.person(cooperative, "parent", household=household, language="nl" if n % 2 else "fr"))
    return Coop(cooperative, coordinator, households, parents)


def open_proposal(db: Session, c: Coop, *, setting_key: str = "", value: Any = None, target: int | None = None,
                  effective_on: date | None = None, closes_on: date = date(2026, 12, 10)) -> Proposal:
    proposal = service.propose(db, coop=c.coop, author_id=c.parents[0].id, roles={"parent"}, today=TODAY,
                               data=service.ProposalInput(title="Our proposal", text="Because.", closes_on=closes_on,
                                                          setting_key=setting_key, setting_target=target,
                                                          value=value, effective_on=effective_on))
    db.commit()
    return proposal


def vote(db: Session, c: Coop, proposal: Proposal, index: int, choice: str,
         now: datetime = VOTING_NOW) -> None:
    household_id = c.households[index].id
    service.cast_vote(db, coop_id=c.coop.id, proposal_id=proposal.id, household_id=household_id,
                      voter_households={household_id}, choice=choice, now=now)
    db.commit()
