"""A cooperative's booking rules: length, how far ahead, notice, and the weekly deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from coop.bookings import errors
from coop.bookings.models import MAX_STAY_HOURS, BookingRules
from coop.bookings.times import local, minutes_between, week_start
from coop.errors import ValidationFailed


def get_rules(session: Session, *, coop_id: int) -> BookingRules:
    """The cooperative's rules, or the defaults when it never changed them (not saved)."""
    return session.get(BookingRules, coop_id) or BookingRules(coop_id=coop_id)


@dataclass(frozen=True)
class RulesInput:
    """The coordinator's rules form, before the service checks the ranges."""

    max_hours: int
    max_days_ahead: int
    min_notice_minutes: int
    deadline_weekday: int
    deadline_minute: int


def save_rules(session: Session, *, coop_id: int, data: RulesInput) -> BookingRules:
    """Change the cooperative's booking rules (coordinators)."""
    checks = {
        "max_hours": (1, MAX_STAY_HOURS, data.max_hours), "max_days_ahead": (1, 366, data.max_days_ahead),
        "min_notice_minutes": (0, 10080, data.min_notice_minutes), "deadline_weekday": (0, 6, data.deadline_weekday),
        "deadline_minute": (0, 1439, data.deadline_minute),
    }
    fields = {name: _l("Enter a number between %(lo)d and %(hi)d.", lo=lo, hi=hi)
              for name, (lo, hi, value) in checks.items() if not lo <= value <= hi}
    if fields:
        raise ValidationFailed(_l("Check the form."), fields=fields)
    rules = session.get(BookingRules, coop_id) or BookingRules(coop_id=coop_id)
    rules.max_minutes = data.max_hours * 60
    rules.max_days_ahead = data.max_days_ahead
    rules.min_notice_minutes = data.min_notice_minutes
    rules.deadline_weekday = data.deadline_weekday
    rules.deadline_minute = data.deadline_minute
    session.add(rules)
    session.flush()
    return rules


def check_times(rules: BookingRules, *, start_at: datetime, end_at: datetime, now: datetime) -> None:
    """Refuse a stay that breaks the order of its ends or one of the cooperative's rules."""
    if end_at <= start_at:
        raise errors.EndBeforeStart()
    if start_at < now:
        raise errors.InPast()
    if start_at < now + timedelta(minutes=rules.min_notice_minutes):
        raise errors.TooLate(rules.min_notice_minutes)
    if start_at > now + timedelta(days=rules.max_days_ahead):
        raise errors.TooFarAhead(rules.max_days_ahead)
    if minutes_between(start_at, end_at) > rules.max_minutes:
        raise errors.TooLong(rules.max_minutes // 60)


def deadline_for(rules: BookingRules, start_at: datetime, timezone: str) -> datetime:
    """When bookings of ``start_at``'s week lock: the deadline day and time of the week before."""
    monday = week_start(local(start_at, timezone).date())
    day = monday - timedelta(days=7 - rules.deadline_weekday)
    # Not to_utc: a deadline in the skipped spring hour simply means the hour after.
    wall = datetime.combine(day, time()) + timedelta(minutes=rules.deadline_minute)
    return wall.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def is_late(rules: BookingRules, *, start_at: datetime, now: datetime, timezone: str) -> bool:
    """Booked after its week's deadline: allowed while there is room, but the roster needs repair."""
    return now > deadline_for(rules, start_at, timezone)
