"""Caregiver profiles: who can work, with which qualifications and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow

KINDS = ("volunteer", "staff", "professional")
QUALIFICATIONS = ("first_aid", "infant_care", "inclusive_care", "night_certified")


class CaregiverProfile(SQLModel, table=True):
    __tablename__ = "caregiver_profile"
    __table_args__ = (
        UniqueConstraint("coop_id", "person_id", name="uq_caregiver_coop_person"),
        CheckConstraint("contract_minutes_per_week >= 0", name="ck_caregiver_contract"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=20)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    has_first_aid: bool = False
    has_infant_care: bool = False
    has_inclusive_care: bool = False
    is_night_certified: bool = False
    contract_minutes_per_week: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AvailabilityWindow(SQLModel, table=True):
    """A weekly window (0 = Monday) in minutes; ``end_minute`` up to 2880 crosses midnight."""

    __tablename__ = "availability_window"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_availability_weekday"),
        CheckConstraint("start_minute >= 0 AND start_minute < 1440 AND end_minute > start_minute "
                        "AND end_minute <= 2880", name="ck_availability_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    caregiver_id: int = Field(foreign_key="caregiver_profile.id", index=True, ondelete="CASCADE")
    weekday: int
    start_minute: int
    end_minute: int


class AvailabilityException(SQLModel, table=True):
    """Dated exception to the weekly windows: away (holiday, illness) or extra availability."""

    __tablename__ = "availability_exception"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="ck_availability_exception_dates"),)

    id: int | None = Field(default=None, primary_key=True)
    caregiver_id: int = Field(foreign_key="caregiver_profile.id", index=True, ondelete="CASCADE")
    start_date: date
    end_date: date
    is_available: bool = False
    note: str = Field(default="", max_length=200)
