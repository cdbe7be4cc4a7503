"""Turning a posted site form (HTML or JSON) into the service's typed arguments."""

from __future__ import annotations

from typing import Any

from coop.forms import FieldParser

COOPERATIVE_FIELDS = ["name", "language", "timezone"]
SITE_FIELDS = ["name", "address", "capacity", "beds", "is_always_open"] + [
    f"{edge}_{day}" for day in range(7) for edge in ("opens", "closes")
]


def parse_site(values: dict[str, str]) -> dict[str, Any]:
    """Typed site arguments; a day with both times empty is closed."""
    p = FieldParser(values)
    hours: dict[int, tuple[int, int]] = {}
    is_always_open = p.boolean("is_always_open")
    for day in range(7):
        if values.get(f"opens_{day}") or values.get(f"closes_{day}"):
            opens = p.clock_minutes(f"opens_{day}")
            closes = p.clock_minutes(f"closes_{day}", allow_24=True)
            if opens is not None and closes is not None:
                hours[day] = (opens, closes)
    args = {
        "name": p.text("name", required=True, max_length=120),
        "address": p.text("address", required=True, max_length=300),
        "capacity": p.integer("capacity"),
        "beds": p.integer("beds", required=False),
        "is_always_open": is_always_open,
        "hours": hours,
    }
    p.raise_if_errors()
    return args


def site_values(site: Any, hours: dict[int, Any]) -> dict[str, Any]:
    """A stored site as form values, to edit it."""
    values: dict[str, Any] = {"name": site.name, "address": site.address, "capacity": site.capacity,
                              "beds": site.beds, "is_always_open": site.is_always_open}
    for day, row in hours.items():
        values[f"opens_{day}"] = f"{row.opens_minute // 60:02d}:{row.opens_minute % 60:02d}"
        values[f"closes_{day}"] = f"{row.closes_minute // 60:02d}:{row.closes_minute % 60:02d}"
    return values
