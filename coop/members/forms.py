"""Parsing household, child and pick-up forms (HTML or JSON) into service inputs."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from coop.forms import FieldParser
from coop.members.children import ChildInput
from coop.members.models import Child, Household
from coop.members.service import HouseholdInput

HOUSEHOLD_FIELDS = ["name", "address", "phone", "has_protected_address", "is_single_parent",
                    "single_parent_since", "pledge_hours", "pledge_euros"]
CHILD_FIELDS = ["first_name", "last_name", "birth_date", "needs_inclusive_care", "allergies", "notes"]
PICKUP_FIELDS = ["name", "relation", "phone", "is_barred"]
INVITATION_FIELDS = ["email", "role", "household_id"]


def parse_household(values: dict[str, str]) -> HouseholdInput:
    p = FieldParser(values)
    data = HouseholdInput(
        name=p.text("name", required=True, max_length=120),
        address=p.text("address", max_length=300),
        phone=p.text("phone", max_length=40),
        has_protected_address=p.boolean("has_protected_address"),
        is_single_parent=p.boolean("is_single_parent"),
        single_parent_since=p.date("single_parent_since", required=False),
        pledge_minutes=p.hours_as_minutes("pledge_hours"),
        pledge_cents=p.decimal_hundredths("pledge_euros"),
    )
    p.raise_if_errors()
    return data


def household_values(h: Household) -> dict[str, Any]:
    return {"name": h.name, "address": h.address, "phone": h.phone,
            "has_protected_address": h.has_protected_address, "is_single_parent": h.is_single_parent,
            "single_parent_since": h.single_parent_since.isoformat() if h.single_parent_since else "",
            "pledge_hours": f"{h.pledge_minutes / 60:g}", "pledge_euros": f"{h.pledge_cents / 100:.2f}"}


def parse_child(values: dict[str, str]) -> ChildInput:
    p = FieldParser(values)
    first = p.text("first_name", required=True, max_length=80)
    last = p.text("last_name", required=True, max_length=80)
    birth = p.date("birth_date")
    data = {"first_name": first, "last_name": last, "needs_inclusive_care": p.boolean("needs_inclusive_care"),
            "allergies": p.text("allergies", max_length=500), "notes": p.text("notes", max_length=1000)}
    p.raise_if_errors()
    return ChildInput(birth_date=birth, **data)


def child_values(c: Child) -> dict[str, Any]:
    return {"first_name": c.first_name, "last_name": c.last_name, "birth_date": c.birth_date.isoformat(),
            "needs_inclusive_care": c.needs_inclusive_care, "allergies": c.allergies, "notes": c.notes}


def parse_pickup(values: dict[str, str]) -> dict[str, Any]:
    p = FieldParser(values)
    data = {"name": p.text("name", required=True, max_length=120), "relation": p.text("relation", max_length=80),
            "phone": p.text("phone", max_length=40), "is_barred": p.boolean("is_barred")}
    p.raise_if_errors()
    return data


def parse_invitation(values: dict[str, str]) -> dict[str, Any]:
    """E-mail, role and optional household id; the service checks that they exist here."""
    p = FieldParser(values)
    household_id = p.integer("household_id", required=False, default=0)
    if "household_id" in p.errors:
        p.errors["household_id"] = _l("Choose a household from the list.")
    p.raise_if_errors()
    return {"email": values.get("email", ""), "role": values.get("role", ""), "household_id": household_id or None}
