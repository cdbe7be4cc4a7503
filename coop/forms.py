"""Reading submitted forms at the boundary: strings in, services validate and convert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from coop.db import MAX_ID
from coop.errors import ValidationFailed

MAX_FIELD_LENGTH = 2000


def form_values(names: Iterable[str]) -> dict[str, str]:
    """The named fields of the posted form (or JSON body), stripped; missing ones are ''.
    NUL characters are dropped: they mean nothing in text and PostgreSQL refuses them."""
    source: Any = request.get_json(silent=True) if request.is_json else request.form
    source = source if isinstance(source, dict) or hasattr(source, "get") else {}
    values = {}
    for name in names:
        raw = source.get(name, "")
        if isinstance(raw, bool):
            raw = "1" if raw else ""
        values[name] = str(raw if raw is not None else "").replace("\x00", "").strip()[: MAX_FIELD_LENGTH + 1]
    return values


def id_arg(name: str) -> int | None:
    """An id from the query string or form: None when absent or not a whole number, and 0
    (no row has it) when beyond what an id column holds, so lookups simply find nothing."""
    value = request.values.get(name, type=int)
    if value is None:
        return None
    return value if 0 < value <= MAX_ID else 0


def safe_next(target: str | None, default: str) -> str:
    """Only local paths: an open redirect would let a phishing link borrow our name."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


class FieldParser:
    """Converts form strings to typed values, collecting one message per bad field."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors: dict[str, Any] = {}

    def text(self, name: str, *, required: bool = False, max_length: int = 120) -> str:
        value = (self.values.get(name) or "").strip()
        if required and not value:
            self.errors[name] = _l("This field is required.")
        elif len(value) > max_length:
            self.errors[name] = _l("Use at most %(n)d characters.", n=max_length)
        return value

    def integer(self, name: str, *, minimum: int = -(10**9), maximum: int = 10**9, required: bool = True,
                default: int = 0) -> int:
        raw = (self.values.get(name) or "").strip()
        if not raw:
            if required:
                self.errors[name] = _l("This field is required.")
            return default
        try:
            value = int(raw)
        except ValueError:
            self.errors[name] = _l("Enter a whole number.")
            return default
        if value < minimum or value > maximum:
            self.errors[name] = _l("Enter a number between %(lo)d and %(hi)d.", lo=minimum, hi=maximum)
        return value

    def decimal_hundredths(self, name: str, *, maximum: int = 10**8) -> int:
        """A non-negative amount like '12,50' or '12.5' as an integer of hundredths."""
        raw = (self.values.get(name) or "").strip().replace(",", ".")
        if not raw:
            return 0
        try:
            whole, _, frac = raw.partition(".")
            if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
                raise ValueError(raw)
            value = int(whole) * 100 + int((frac + "00")[:2])
        except ValueError:
            self.errors[name] = _l("Enter an amount like 12.50.")
            return 0
        if value > maximum:
            self.errors[name] = _l("This amount is too large.")
        return value

    def hours_as_minutes(self, name: str, *, maximum_hours: int = 10**6) -> int:
        """Hours like '6,5' as whole minutes (390), rounded to the nearest minute; integer
        arithmetic only, so no typed number can overflow a float."""
        hundredths = self.decimal_hundredths(name, maximum=maximum_hours * 100)
        return 0 if name in self.errors else (hundredths * 3 + 2) // 5

    def boolean(self, name: str) -> bool:
        return (self.values.get(name) or "").lower() in {"1", "on", "true", "yes"}

    def date(self, name: str, *, required: bool = True) -> date | None:
        raw = (self.values.get(name) or "").strip()
        if not raw:
            if required:
                self.errors[name] = _l("This field is required.")
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _l("Enter a date like 2026-03-29.")
            return None

    def clock_minutes(self, name: str, *, required: bool = True, allow_24: bool = False) -> int | None:
        """'07:30' as 450 minutes after midnight ('24:00' allowed as an end when asked)."""
        raw = (self.values.get(name) or "").strip()
        if not raw:
            if required:
                self.errors[name] = _l("This field is required.")
            return None
        if allow_24 and raw in {"24:00", "24:00:00"}:
            return 1440
        try:
            t = time.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _l("Enter a time like 07:30.")
            return None
        return t.hour * 60 + t.minute

    def choice(self, name: str, options: Iterable[str], *, required: bool = True) -> str:
        value = (self.values.get(name) or "").strip()
        if value not in set(options) and (required or value):
            self.errors[name] = _l("Choose a value from the list.")
        return value

    def error(self, name: str, message: Any) -> None:
        self.errors.setdefault(name, message)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(_l("Check the form."), fields=self.errors)
