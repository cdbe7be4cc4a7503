"""A cooperative's roster rules: ratios per age band, adults at night, rest between shifts,
the volunteers' weekly cap and how long a solve may run.

`save_rules` is the single way they change: the coordinator's form and a governance vote
both go through it, so the same ranges hold and every change is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from coop.audit.service import record
from coop.errors import ValidationFailed
from coop.rosters.models import RosterRules

RATIOS = ("infant_ratio", "toddler_ratio", "child_ratio")
# (lowest, highest) allowed; the ratios and counts match the table's CHECK constraints.
RANGES: dict[str, tuple[int, int]] = {
    "infant_ratio": (1, 20),
    "toddler_ratio": (1, 20),
    "child_ratio": (1, 30),
    "night_min_adults": (1, 10),
    "min_rest_hours": (0, 24),
    "volunteer_max_week_minutes": (0, 80 * 60),
    "solve_seconds": (1, 600),
}


@dataclass(frozen=True)
class RulesInput:
    """The rules as given by a form or a vote, before the service checks the ranges."""

    infant_ratio: int
    toddler_ratio: int
    child_ratio: int
    night_min_adults: int
    min_rest_hours: int
    volunteer_max_week_minutes: int
    solve_seconds: int

    @classmethod
    def of(cls, rules: RosterRules) -> RulesInput:
        """The current rules as an input, to change one of them with ``dataclasses.replace``."""
        return cls(**{f.name: getattr(rules, f.name) for f in fields(cls)})


def get_rules(session: Session, *, coop_id: int) -> RosterRules:
    """The cooperative's rules, or the defaults when it never changed them (not saved)."""
    return session.get(RosterRules, coop_id) or RosterRules(coop_id=coop_id)


def check_rules(data: RulesInput) -> dict[str, object]:
    """Field errors of ``data`` (empty when every value is in its range)."""
    errors: dict[str, object] = {}
    for name, (lo, hi) in RANGES.items():
        value = getattr(data, name)
        if lo <= value <= hi:
            continue
        if name in RATIOS and value < 1:
            errors[name] = _l("A ratio is the number of children one caregiver looks after: enter at least 1 "
                              "(at most %(hi)d).", hi=hi)
        elif name == "volunteer_max_week_minutes":
            errors[name] = _l("Enter a number of hours between %(lo)d and %(hi)d.", lo=lo // 60, hi=hi // 60)
        else:
            errors[name] = _l("Enter a number between %(lo)d and %(hi)d.", lo=lo, hi=hi)
    return errors


def save_rules(session: Session, *, coop_id: int, data: RulesInput, actor_id: int | None) -> RosterRules:
    """Change the cooperative's roster rules; refused whole (nothing changed) when a value
    is out of range. Recorded in the audit log with the person who changed them (or None
    for a change applied by a vote without one acting person)."""
    errors = check_rules(data)
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    rules = session.get(RosterRules, coop_id) or RosterRules(coop_id=coop_id)
    for f in fields(RulesInput):
        setattr(rules, f.name, getattr(data, f.name))
    session.add(rules)
    record(session, coop_id=coop_id, actor_id=actor_id, action="update", object_type="roster_rules",
           object_id=coop_id)
    session.flush()
    return rules
