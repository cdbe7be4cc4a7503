"""The two settings made of rows: the pledge sliding scale (bands) and a site's weekly shift
templates. Their form fields are named as on the coordinator's own screens; the rows of a
value are the filled rows of the form, in order."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from coop.credits.models import PledgeScaleBand
from coop.credits.scale import MAX_BANDS, BandInput, get_scale, save_scale
from coop.errors import ValidationFailed
from coop.forms import FieldParser
from coop.governance.kinds import Setting, hhmm, site_row
from coop.labels import WEEKDAY_LABELS
from coop.rosters.models import ShiftTemplate
from coop.rosters.templates import MAX_SHIFTS_PER_DAY, ShiftInput, save_day_templates, templates_of

SCALE_COLUMNS = ("code", "label", "income", "base", "per_child")
SHIFT_COLUMNS = ("code", "start", "end", "night")


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}"


# --- pledge sliding scale ---------------------------------------------------------------

def _read_scale(session: Session, coop_id: int, target: int | None) -> list[dict[str, Any]]:
    return [{"code": b.code, "label": b.label, "income_up_to_cents": b.income_up_to_cents,
             "base_minutes": b.base_minutes, "per_child_minutes": b.per_child_minutes}
            for b in get_scale(session, coop_id=coop_id)]


def _parse_scale(values: dict[str, str]) -> list[dict[str, Any]]:
    p = FieldParser(values)
    bands = []
    for i in range(MAX_BANDS):
        if not any(values.get(f"{column}-{i}") for column in SCALE_COLUMNS):
            continue
        income = p.decimal_hundredths(f"income-{i}") if values.get(f"income-{i}") else None
        bands.append({"code": (values.get(f"code-{i}") or "").upper(),
                      "label": (values.get(f"label-{i}") or "").strip(), "income_up_to_cents": income,
                      "base_minutes": p.hours_as_minutes(f"base-{i}"),
                      "per_child_minutes": p.hours_as_minutes(f"per_child-{i}")})
    p.raise_if_errors()
    return bands


def _scale_form(value: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, band in enumerate(value):
        income = band["income_up_to_cents"]
        values.update({f"code-{i}": band["code"], f"label-{i}": band["label"],
                       f"income-{i}": "" if income is None else f"{income / 100:.2f}",
                       f"base-{i}": _hours(band["base_minutes"]), f"per_child-{i}": _hours(band["per_child_minutes"])})
    return values


def _show_scale(value: list[dict[str, Any]]) -> str:
    if not value:
        return str(_l("No scale: the plain minimum applies"))
    parts = []
    for band in value:
        income = band["income_up_to_cents"]
        limit = str(_l("up to %(euros)s euros", euros=f"{income / 100:.2f}") if income is not None
                    else _l("above"))
        parts.append(str(_l("%(code)s (%(limit)s): %(base)s h + %(per_child)s h per child", code=band["code"],
                            limit=limit, base=_hours(band["base_minutes"]),
                            per_child=_hours(band["per_child_minutes"]))))
    return "; ".join(parts)


def _apply_scale(session: Session, coop_id: int, target: int | None, value: list[dict[str, Any]]) -> None:
    save_scale(session, coop_id=coop_id, bands=[BandInput(**band) for band in value], actor_id=None)


# --- shift templates of a site ----------------------------------------------------------

def _read_shifts(session: Session, coop_id: int, target: int | None) -> list[list[list[Any]]]:
    """Seven days, each a list of [code, start minute, length in minutes, is night]."""
    days = templates_of(session, coop_id=coop_id, site_id=target or 0)
    return [[[t.code, t.start_minute, t.length_minutes, t.is_night] for t in days[weekday]] for weekday in range(7)]


def _parse_shifts(values: dict[str, str]) -> list[list[list[Any]]]:
    p = FieldParser(values)
    week: list[list[list[Any]]] = []
    for day in range(7):
        shifts = []
        for i in range(MAX_SHIFTS_PER_DAY):
            if not any(values.get(f"{column}_{day}_{i}") for column in ("code", "start", "end")):
                continue
            code = p.text(f"code_{day}_{i}", required=True, max_length=20).lower()
            start = p.clock_minutes(f"start_{day}_{i}")
            end = p.clock_minutes(f"end_{day}_{i}", allow_24=True)
            if start is not None and end is not None:
                # An end at or before the start is on the next day (23:00 to 07:00 is a night).
                shifts.append([code, start, (end - start) % 1440 or 1440, p.boolean(f"night_{day}_{i}")])
        week.append(sorted(shifts, key=lambda s: (s[1], s[0])))
    p.raise_if_errors()
    return week


def _shifts_form(value: list[list[list[Any]]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for day, shifts in enumerate(value):
        for i, (code, start, length, is_night) in enumerate(shifts):
            values.update({f"code_{day}_{i}": code, f"start_{day}_{i}": hhmm(start),
                           f"end_{day}_{i}": hhmm((start + length) % 1440), f"night_{day}_{i}": is_night})
    return values


def _show_shifts(value: list[list[list[Any]]]) -> str:
    days = []
    for day, shifts in enumerate(value):
        listed = ", ".join(f"{code} {hhmm(start)}–{hhmm((start + length) % 1440)}{' ☾' if is_night else ''}"
                           for code, start, length, is_night in shifts) or str(_l("no shift"))
        days.append(f"{WEEKDAY_LABELS[day]}: {listed}")
    return "; ".join(days)


def _apply_shifts(session: Session, coop_id: int, target: int | None, value: list[list[list[Any]]]) -> None:
    """Save each day that differs; a day's refusal is reported on that day's rows."""
    current = _read_shifts(session, coop_id, target)
    for day, shifts in enumerate(value):
        if shifts == current[day]:
            continue
        try:
            save_day_templates(session, coop_id=coop_id, site_id=target or 0, weekday=day, actor_id=None,
                               shifts=[ShiftInput(code=c, start_minute=s, length_minutes=n, is_night=bool(night))
                                       for c, s, n, night in shifts])
        except ValidationFailed as exc:
            fields = {}
            for key, message in exc.fields.items():
                name, _sep, position = key.rpartition("_")
                column = {"length": "end"}.get(name, name) if name else "code"
                fields[f"{column}_{day}_{position if name else 0}"] = message
            raise ValidationFailed(exc.message, fields=fields) from None


LIST_SETTINGS = (
    Setting(key="pledge_scale", label=_l("Pledge sliding scale"),
            fields=tuple(f"{column}-{i}" for i in range(MAX_BANDS) for column in SCALE_COLUMNS),
            read=_read_scale, parse=_parse_scale, form=_scale_form, show=_show_scale, apply=_apply_scale,
            watches=(PledgeScaleBand,)),
    Setting(key="shift_templates", label=_l("Shifts of a site"),
            fields=tuple(f"{column}_{day}_{i}" for day in range(7) for i in range(MAX_SHIFTS_PER_DAY)
                         for column in SHIFT_COLUMNS),
            read=_read_shifts, parse=_parse_shifts, form=_shifts_form, show=_show_shifts, apply=_apply_shifts,
            watches=(ShiftTemplate,), locate=site_row, per_site=True),
)
