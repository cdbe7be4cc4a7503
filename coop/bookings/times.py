"""Wall-clock time where the cooperative is, converted to and from the UTC we store.

Parents type local times; a time that the spring clock change skips is refused rather than
silently moved, and an ambiguous autumn time means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coop.bookings.errors import TimeDoesNotExist

# Days outside this range are refused as malformed: they could only be typing mistakes, and
# near year 1 or 9999 the conversion to UTC would overflow.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def is_sane(day: date) -> bool:
    """Whether a day typed by someone is in the range the service works with."""
    return FIRST_DAY <= day <= LAST_DAY


def to_utc(day: date, minute: int, timezone: str, *, field: str = "start") -> datetime:
    """Local date + minutes after midnight (1440 = next midnight) as an aware UTC datetime."""
    tz = ZoneInfo(timezone)
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise TimeDoesNotExist(field)
    return aware.astimezone(UTC)


def from_iso(raw: str, timezone: str, *, field: str) -> datetime | None:
    """An ISO 8601 instant; without an offset it is read as local time. None when malformed."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if not is_sane(value.date()):
        return None
    if value.tzinfo is None:
        if value.second or value.microsecond:
            return None
        return to_utc(value.date(), value.hour * 60 + value.minute, timezone, field=field)
    return value.astimezone(UTC)


def local(value: datetime, timezone: str) -> datetime:
    """The same instant on the cooperative's wall clock."""
    return value.astimezone(ZoneInfo(timezone))


def is_overnight(start_at: datetime, end_at: datetime, timezone: str) -> bool:
    """A stay is overnight when a local midnight falls strictly inside it: it needs a bed."""
    start, end = local(start_at, timezone), local(end_at, timezone)
    next_midnight = datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=start.tzinfo)
    return end > next_midnight


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants of local Monday 00:00 and the next Monday 00:00."""
    return to_utc(monday, 0, timezone), to_utc(monday + timedelta(days=7), 0, timezone)


def minutes_between(start_at: datetime, end_at: datetime) -> int:
    """Elapsed minutes (real time: a night over the autumn change is an hour longer)."""
    return int((end_at - start_at).total_seconds() // 60)
