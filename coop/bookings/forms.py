"""Reading a booking request: the API's ISO instants or the page's date and clock times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from coop.bookings.rules import RulesInput
from coop.bookings.times import from_iso, is_sane, to_utc
from coop.errors import DomainError
from coop.forms import FieldParser

API_FIELDS = ("child_id", "site_id", "start", "end", "weeks")
PAGE_FIELDS = ("child_id", "site_id", "day", "start_time", "end_time", "weeks")


@dataclass(frozen=True)
class BookingRequest:
    """A booking request read from a form or a JSON body, times in UTC."""

    child_id: int
    site_id: int
    start_at: datetime
    end_at: datetime
    weeks: int = 1


def _ids(parser: FieldParser) -> tuple[int, int, int]:
    return (parser.integer("child_id", minimum=1), parser.integer("site_id", minimum=1),
            parser.integer("weeks", minimum=0, maximum=10**6, required=False, default=1))


def parse_api(values: dict[str, str], timezone: str) -> BookingRequest:
    """``start``/``end`` in ISO 8601; an instant without offset is local time."""
    parser = FieldParser(values)
    child_id, site_id, weeks = _ids(parser)
    instants = {}
    for name in ("start", "end"):
        raw = values.get(name, "")
        try:
            instants[name] = from_iso(raw, timezone, field=name) if raw else None
        except DomainError as exc:
            parser.error(name, exc.message)
            continue
        if not raw:
            parser.error(name, _l("This field is required."))
        elif instants[name] is None:
            parser.error(name, _l("Enter a date and time like 2026-03-29T18:00+02:00."))
    parser.raise_if_errors()
    return BookingRequest(child_id, site_id, instants["start"], instants["end"], weeks)  # type: ignore[arg-type]


def parse_page(values: dict[str, str], timezone: str) -> BookingRequest:
    """A day with start and end clock times; an end at or before the start means the next day."""
    parser = FieldParser(values)
    child_id, site_id, weeks = _ids(parser)
    day = parser.date("day")
    if day is not None and not is_sane(day):
        parser.error("day", _l("Enter a date like 2026-03-29."))
    start = parser.clock_minutes("start_time")
    end = parser.clock_minutes("end_time")
    parser.raise_if_errors()
    assert day is not None and start is not None and end is not None
    end_day = day + timedelta(days=1) if end <= start else day
    try:
        start_at = to_utc(day, start, timezone, field="start_time")
        end_at = to_utc(end_day, end, timezone, field="end_time")
    except DomainError as exc:
        parser.error(next(iter(exc.fields)), exc.message)
        parser.raise_if_errors()
        raise
    return BookingRequest(child_id, site_id, start_at, end_at, weeks)


def parse_rules(values: dict[str, str]) -> RulesInput:
    """The coordinator's rules form; ranges are checked by the service."""
    parser = FieldParser(values)
    data = RulesInput(max_hours=parser.integer("max_hours"), max_days_ahead=parser.integer("max_days_ahead"),
                      min_notice_minutes=parser.integer("min_notice_minutes"),
                      deadline_weekday=parser.integer("deadline_weekday", minimum=0, maximum=6),
                      deadline_minute=parser.clock_minutes("deadline_time") or 0)
    parser.raise_if_errors()
    return data
