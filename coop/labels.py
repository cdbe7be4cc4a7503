"""Translated names of the domain's codes (roles, kinds, qualifications...) for templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_currency, format_decimal, format_number
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "coordinator": _l("Coordinator"),
    "parent": _l("Parent"),
    "staff": _l("Paid staff"),
    "professional": _l("Flying professional"),
    "provider": _l("Provider"),
}
KIND_LABELS = {
    "volunteer": _l("Volunteer parent"),
    "staff": _l("Paid staff"),
    "professional": _l("Flying professional"),
}
QUALIFICATION_LABELS = {
    "has_first_aid": _l("First aid"),
    "has_infant_care": _l("Infant care"),
    "has_inclusive_care": _l("Inclusive care"),
    "is_night_certified": _l("Night certified"),
}
AUDIT_ACTION_LABELS = {
    "read": _l("read"),
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "export": _l("exported"),
}
OBJECT_TYPE_LABELS = {
    "household": _l("Household"),
    "child": _l("Child"),
    "pickup_person": _l("Pick-up person"),
    "caregiver": _l("Caregiver"),
    "membership": _l("Membership"),
    "availability_window": _l("Availability"),
    "availability_exception": _l("Availability"),
    "site": _l("Site"),
    "pledge_scale": _l("Pledge scale"),
    "roster": _l("Roster"),
    "roster_rules": _l("Staffing ratios and rules"),
    "roster_assignment": _l("Shift assignment"),
    "shift_swap": _l("Shift swap"),
    "handover": _l("Handover (children and pick-up persons)"),
}
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(format_number=format_number, format_decimal=format_decimal,
                                 format_currency=format_currency)
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS, KIND_LABELS=KIND_LABELS, QUALIFICATION_LABELS=QUALIFICATION_LABELS,
        WEEKDAY_LABELS=WEEKDAY_LABELS,
        audit_action_label=lambda code: AUDIT_ACTION_LABELS.get(code, code),
        object_type_label=lambda code: OBJECT_TYPE_LABELS.get(code, code),
        minutes_label=lambda m: f"{m // 60:02d}:{m % 60:02d}",
        roles_options=lambda: list(ROLE_LABELS.items()),
    )
