"""Memberships (a person's roles per cooperative), households, children, pick-up rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow

ROLES = ("coordinator", "parent", "staff", "professional", "provider")


class Household(SQLModel, table=True):
    """A family. Its address is personal data; ``has_protected_address`` marks families in a
    violence situation, whose address and barred persons only coordinators and the
    household itself may see."""

    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("pledge_minutes >= 0", name="ck_household_pledge_minutes"),
        CheckConstraint("pledge_cents >= 0", name="ck_household_pledge_cents"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    name: str = Field(max_length=120)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    has_protected_address: bool = False
    is_single_parent: bool = False
    single_parent_since: date | None = None
    pledge_minutes: int = 0
    pledge_cents: int = 0
    # The day the household left the cooperative (set when its data is erased): from then on
    # it gets no cheques, owes no pledge and no longer counts towards a vote's quorum.
    left_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("coop_id", "person_id", "role", name="uq_membership_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=20)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Child(SQLModel, table=True):
    __tablename__ = "child"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    birth_date: date
    needs_inclusive_care: bool = False
    allergies: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PickupPerson(SQLModel, table=True):
    """Someone allowed (or, when ``is_barred``, forbidden) to collect a child."""

    __tablename__ = "pickup_person"

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="child.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    relation: str = Field(default="", max_length=80)
    phone: str = Field(default="", max_length=40)
    is_barred: bool = False
