"""Roster tables.

A `Roster` is one cooperative's plan for one ISO week (`week_start` is that Monday, local
time). It holds its shift occurrences (`RosterShift`, with the demand derived from bookings
and how it was derived) and the caregivers assigned to them (`RosterAssignment`). A roster
is a draft until published; publishing a newer one for the same week supersedes the old.
Rosters are made by `SolveRun`s, queued and claimed by the scheduler or worker processes, so
no solve ever runs inside a web request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from coop.clock import UTCDateTime, utcnow

ROSTER_STATUSES = ("draft", "published", "superseded")
RUN_STATUSES = ("queued", "running", "done", "failed")
RUN_KINDS = ("solve", "repair")
SWAP_STATUSES = ("open", "accepted", "declined", "withdrawn", "refused_rules")
ATTENDANCE = ("worked", "absent")


class ShiftTemplate(SQLModel, table=True):
    """A staffing window of a site on one weekday (0 = Monday), in minutes from local midnight.

    `code` names the shift across days (``early``, ``late``, ``night`` by default); a site
    closed on a weekday simply has no template that day.
    """

    __tablename__ = "shift_template"
    __table_args__ = (
        UniqueConstraint("site_id", "weekday", "code", name="uq_shift_template_day_code"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_shift_template_weekday"),
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="ck_shift_template_start"),
        CheckConstraint("length_minutes > 0 AND length_minutes <= 1440", name="ck_shift_template_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True, ondelete="CASCADE")
    weekday: int
    code: str = Field(max_length=20)
    start_minute: int
    length_minutes: int
    is_night: bool = False


class RosterRules(SQLModel, table=True):
    """A cooperative's staffing ratios and rostering rules (defaults when it has no row).

    Ratios are children per caregiver by age band: under 18 months, 18 months to 3 years,
    3 to 12 years. Night hours worked count `night_weight_permille` / 1000 in the
    contribution ledger (that weight lives in `credits.CreditSettings`).
    """

    __tablename__ = "roster_rules"
    __table_args__ = (
        CheckConstraint("infant_ratio BETWEEN 1 AND 20", name="ck_roster_rules_infant"),
        CheckConstraint("toddler_ratio BETWEEN 1 AND 20", name="ck_roster_rules_toddler"),
        CheckConstraint("child_ratio BETWEEN 1 AND 30", name="ck_roster_rules_child"),
        CheckConstraint("night_min_adults BETWEEN 1 AND 10", name="ck_roster_rules_night_adults"),
        CheckConstraint("min_rest_hours BETWEEN 0 AND 24", name="ck_roster_rules_rest"),
        CheckConstraint("solve_seconds BETWEEN 1 AND 600", name="ck_roster_rules_solve_seconds"),
    )

    coop_id: int = Field(foreign_key="cooperative.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    infant_ratio: int = 4
    toddler_ratio: int = 7
    child_ratio: int = 8
    night_min_adults: int = 2
    min_rest_hours: int = 11
    volunteer_max_week_minutes: int = 16 * 60
    solve_seconds: int = 20


class SolveRun(SQLModel, table=True):
    """A queued request to solve (or repair) one week, claimed by one worker at a time.

    A worker claims a queued run (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), marks it running
    with its name and a heartbeat, and stores the resulting draft roster. A run whose
    heartbeat stops is put back in the queue; `attempts` bounds the retries.
    """

    __tablename__ = "solve_run"
    __table_args__ = (Index("ix_solve_run_status_requested", "status", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    week_start: date
    kind: str = Field(default="solve", max_length=10)
    status: str = Field(default="queued", max_length=10)
    requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    time_limit_s: int = 20
    base_roster_id: int | None = Field(default=None, foreign_key="roster.id")
    worker: str = Field(default="", max_length=80)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    progress: str = Field(default="", max_length=200)
    error: str = Field(default="", max_length=500)
    roster_id: int | None = Field(default=None, foreign_key="roster.id")


class Roster(SQLModel, table=True):
    """One week's roster and the solver's account of it (objective, bound, penalties per
    rule, unmet demand with reasons, per-caregiver statistics), stored as the `Solution`
    gave it so the review never re-runs the solver."""

    __tablename__ = "roster"
    __table_args__ = (Index("ix_roster_coop_week", "coop_id", "week_start"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    week_start: date
    status: str = Field(default="draft", max_length=12)
    based_on_id: int | None = Field(default=None, foreign_key="roster.id")
    solver_status: str = Field(default="", max_length=12)
    objective: int | None = None
    bound: int | None = None
    penalties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    unmet: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stats: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by_id: int | None = Field(default=None, foreign_key="person.id")


class RosterShift(SQLModel, table=True):
    """One shift occurrence of a roster and its demand; `derivation` records how the numbers
    follow from the bookings (children per age band at the busiest hour, ratios applied,
    qualifications and why), so the coordinator can check them."""

    __tablename__ = "roster_shift"

    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="roster.id", index=True, ondelete="CASCADE")
    site_id: int = Field(foreign_key="site.id")
    code: str = Field(max_length=20)
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    is_night: bool = False
    required: int = 0
    qualified: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    min_professionals: int = 0
    derivation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RosterAssignment(SQLModel, table=True):
    """A caregiver on a roster shift. `is_pinned` marks a coordinator's fixed choice; attendance
    is confirmed after the shift ends (`attendance` worked/absent)."""

    __tablename__ = "roster_assignment"
    __table_args__ = (UniqueConstraint("shift_id", "caregiver_id", name="uq_roster_assignment_shift_caregiver"),)

    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="roster.id", index=True, ondelete="CASCADE")
    shift_id: int = Field(foreign_key="roster_shift.id", index=True, ondelete="CASCADE")
    caregiver_id: int = Field(foreign_key="caregiver_profile.id", index=True)
    is_pinned: bool = False
    attendance: str | None = Field(default=None, max_length=10)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_by_id: int | None = Field(default=None, foreign_key="person.id")


class ShiftSwap(SQLModel, table=True):
    """A caregiver offers one of their published shifts to a named colleague (`to_caregiver_id`)
    or to anyone qualified (None). Accepting applies it only if every hard rule still holds."""

    __tablename__ = "shift_swap"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    assignment_id: int = Field(foreign_key="roster_assignment.id", index=True)
    from_caregiver_id: int = Field(foreign_key="caregiver_profile.id")
    to_caregiver_id: int | None = Field(default=None, foreign_key="caregiver_profile.id")
    status: str = Field(default="open", max_length=16)
    reason: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    taken_by_id: int | None = Field(default=None, foreign_key="caregiver_profile.id")


class RosterFeed(SQLModel, table=True):
    """A caregiver's private iCalendar feed of published shifts (hash of the secret token only)."""

    __tablename__ = "roster_feed"

    caregiver_id: int = Field(foreign_key="caregiver_profile.id", primary_key=True,
                              sa_column_kwargs={"autoincrement": False})
    coop_id: int = Field(foreign_key="cooperative.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def monday_of(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return date.fromordinal(day.toordinal() - day.weekday())
