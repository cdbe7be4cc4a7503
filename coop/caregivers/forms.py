"""Parsing caregiver and availability forms into service inputs."""

from __future__ import annotations

from typing import Any

from coop.caregivers.models import KINDS, CaregiverProfile
from coop.caregivers.service import CaregiverInput
from coop.forms import FieldParser

CAREGIVER_FIELDS = ["person_id", "kind", "household_id", "has_first_aid", "has_infant_care",
                    "has_inclusive_care", "is_night_certified", "contract_hours"]
WINDOW_FIELDS = ["weekday", "start", "end"]
EXCEPTION_FIELDS = ["start_date", "end_date", "is_available", "note"]


def parse_caregiver(values: dict[str, str]) -> CaregiverInput:
    p = FieldParser(values)
    household_raw = values.get("household_id", "")
    data = CaregiverInput(
        person_id=p.integer("person_id"),
        kind=p.choice("kind", KINDS),
        household_id=p.integer("household_id") if household_raw else None,
        has_first_aid=p.boolean("has_first_aid"),
        has_infant_care=p.boolean("has_infant_care"),
        has_inclusive_care=p.boolean("has_inclusive_care"),
        is_night_certified=p.boolean("is_night_certified"),
        contract_minutes_per_week=p.hours_as_minutes("contract_hours"),
    )
    p.raise_if_errors()
    return data


def caregiver_values(c: CaregiverProfile) -> dict[str, Any]:
    return {"person_id": c.person_id, "kind": c.kind, "household_id": c.household_id or "",
            "has_first_aid": c.has_first_aid, "has_infant_care": c.has_infant_care,
            "has_inclusive_care": c.has_inclusive_care, "is_night_certified": c.is_night_certified,
            "contract_hours": f"{c.contract_minutes_per_week / 60:g}"}


def parse_window(values: dict[str, str]) -> dict[str, int]:
    p = FieldParser(values)
    args = {"weekday": p.integer("weekday"), "start_minute": p.clock_minutes("start"),
            "end_minute": p.clock_minutes("end", allow_24=True)}
    p.raise_if_errors()
    return args  # type: ignore[return-value]


def parse_exception(values: dict[str, str]) -> dict[str, Any]:
    p = FieldParser(values)
    args = {"start_date": p.date("start_date"), "end_date": p.date("end_date"),
            "is_available": p.boolean("is_available"), "note": p.text("note", max_length=200)}
    p.raise_if_errors()
    return args
