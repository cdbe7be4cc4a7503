"""Joint decisions: the cooperative's voting rules, proposals, one ballot per household, and
the history of every setting a decision (or a coordinator) changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from coop.clock import UTCDateTime, utcnow

PROPOSERS = ("members", "coordinators")
MAJORITIES = ("simple", "two_thirds")
CHOICES = ("yes", "no", "abstain")
STATUSES = ("open", "passed", "rejected", "no_quorum")


class GovernanceRules(SQLModel, table=True):
    """Who may propose, the quorum and the majority (defaults when a cooperative saved none).

    The quorum is a fraction of the cooperative's households (``quorum_numerator`` out of
    ``quorum_denominator``, one third by default) so that "one third" is exact at any size.
    """

    __tablename__ = "governance_rules"
    __table_args__ = (
        CheckConstraint("quorum_numerator >= 0 AND quorum_denominator >= 1 "
                        "AND quorum_numerator <= quorum_denominator", name="ck_governance_rules_quorum"),
    )

    coop_id: int = Field(foreign_key="cooperative.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    proposers: str = Field(default="members", max_length=20)
    quorum_numerator: int = 1
    quorum_denominator: int = 3
    majority: str = Field(default="simple", max_length=20)


class Proposal(SQLModel, table=True):
    """A motion put to the households' vote, optionally changing one setting from a date.

    The tallies are stored when the vote closes, so results never depend on later changes
    (households joining or leaving)."""

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_status_closes", "status", "closes_at"),
        CheckConstraint("status IN ('open', 'passed', 'rejected', 'no_quorum')", name="ck_proposal_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    title: str = Field(max_length=120)
    text: str = Field(max_length=4000)
    author_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    setting_key: str | None = Field(default=None, max_length=40)
    setting_target: int | None = None
    current_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    proposed_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    effective_on: date | None = None
    status: str = Field(default="open", max_length=20)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    households: int = 0
    yes_votes: int = 0
    no_votes: int = 0
    abstentions: int = 0
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    apply_error: str = Field(default="", max_length=300)


class Vote(SQLModel, table=True):
    """A household's ballot: one row per household and proposal, changed in place until the
    close. It names the household only (not which parent voted) and no page shows it to
    anyone but that household."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("proposal_id", "household_id", name="uq_vote_household"),
        CheckConstraint("choice IN ('yes', 'no', 'abstain')", name="ck_vote_choice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    household_id: int = Field(foreign_key="household.id", index=True)
    choice: str = Field(max_length=10)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SettingChange(SQLModel, table=True):
    """One value a setting took, and who set it: a decision (``proposal_id``) or a person
    through a settings screen (``person_id``); both empty for system changes (demo, CLI)."""

    __tablename__ = "setting_change"
    __table_args__ = (Index("ix_setting_change_key", "coop_id", "setting_key", "setting_target"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    setting_key: str = Field(max_length=40)
    setting_target: int | None = None
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
