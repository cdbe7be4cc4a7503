"""ISO weeks as people write them ("2026-W49") and the local Monday a roster is keyed by."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from coop.errors import ValidationFailed

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_week(raw: str, *, field: str = "week") -> date:
    """The Monday of ISO week ``raw`` ("2026-W49"); anything else (week 54, "2026-49",
    week 53 of a 52-week year) is refused."""
    match = WEEK_RE.match(raw.strip().upper())
    if match:
        year, week = int(match.group(1)), int(match.group(2))
        if FIRST_YEAR <= year <= LAST_YEAR:
            try:
                return date.fromisocalendar(year, week, 1)
            except ValueError:
                pass
    message = _l("Enter a week like 2026-W49.")
    raise ValidationFailed(message, code="bad_week", fields={field: message})


def format_week(monday: date) -> str:
    """``2026-W49`` for any day of that ISO week."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
