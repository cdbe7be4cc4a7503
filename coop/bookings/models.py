"""Bookings (one child at one site for ``[start_at, end_at)``) and each cooperative's booking rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from coop.clock import UTCDateTime, utcnow

#: The longest stay any cooperative may allow: its rules' ``max_minutes`` is capped here (a
#: check constraint) and every booking is checked against those rules, so no active stay
#: is longer.
MAX_STAY_HOURS = 72
MAX_STAY_MINUTES = MAX_STAY_HOURS * 60
#: How long before an instant a stay present at it may have started, so that reads of the
#: stays overlapping a time look back no further (and not over a site's whole history).
#: The rules compare whole minutes (`minutes_between` rounds down), so a stay allowed at the
#: cap may run up to a minute past it: the look-back takes that minute too.
LONGEST_STAY = timedelta(minutes=MAX_STAY_MINUTES + 1)


class Booking(SQLModel, table=True):
    """A child expected at a site. Cancelled bookings stay (with ``cancelled_at``) so the
    coordinator sees cancellations; only active ones count towards capacity and beds."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ck_booking_range"),
        Index("ix_booking_site_start", "site_id", "start_at"),
        Index("ix_booking_child_start", "child_id", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    child_id: int = Field(foreign_key="child.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    is_overnight: bool = False
    is_late: bool = False
    series_id: str | None = Field(default=None, max_length=32, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by_id: int | None = Field(default=None, foreign_key="person.id")


class BookingRules(SQLModel, table=True):
    """A cooperative's booking rules; a cooperative without a row uses the defaults below.

    The weekly deadline (weekday 0 = Monday, minutes after local midnight) is when the next
    ISO week's bookings lock so the roster can be solved: later bookings are flagged late.
    """

    __tablename__ = "booking_rules"
    __table_args__ = (
        CheckConstraint(f"max_minutes BETWEEN 30 AND {MAX_STAY_MINUTES}", name="ck_booking_rules_max_minutes"),
        CheckConstraint("max_days_ahead BETWEEN 1 AND 366", name="ck_booking_rules_days_ahead"),
        CheckConstraint("min_notice_minutes BETWEEN 0 AND 10080", name="ck_booking_rules_notice"),
        CheckConstraint("deadline_weekday BETWEEN 0 AND 6", name="ck_booking_rules_deadline_day"),
        CheckConstraint("deadline_minute BETWEEN 0 AND 1439", name="ck_booking_rules_deadline_minute"),
    )

    coop_id: int = Field(foreign_key="cooperative.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    max_minutes: int = 24 * 60
    max_days_ahead: int = 90
    min_notice_minutes: int = 60
    deadline_weekday: int = 3
    deadline_minute: int = 18 * 60


class CalendarFeed(SQLModel, table=True):
    """A household's private iCalendar feed. Only a hash of the secret token is kept; a new
    token replaces the old one, so the old URL stops working."""

    __tablename__ = "calendar_feed"

    household_id: int = Field(foreign_key="household.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
