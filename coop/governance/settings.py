"""The settings a proposal may change: per key, its label, how to read the current value, how
to read a proposed value from a form, how to show a value, and how to apply one.

Applying always goes through the service the coordinator's own settings screen uses, so a
decision can never set what a coordinator could not; a proposed value is validated by that
same service inside a savepoint that is rolled back (:func:`validate`). Values are small
JSON-able structures, stored with the proposal and in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from coop.bookings.models import BookingRules
from coop.bookings.rules import RulesInput, get_rules
from coop.bookings.rules import save_rules as save_booking_rules
from coop.cheques.models import ChequeScheme
from coop.cheques.scheme import SchemeInput, get_scheme, save_scheme
from coop.cooperatives.forms import parse_site, site_values
from coop.cooperatives.models import Site, SiteHours
from coop.cooperatives.service import get_site, save_site, site_hours
from coop.credits.models import CreditSettings
from coop.credits.service import get_settings, save_settings
from coop.errors import ValidationFailed
from coop.forms import FieldParser
from coop.governance.kinds import DRY_RUN, Setting, hhmm, site_row
from coop.governance.settings_lists import LIST_SETTINGS
from coop.labels import WEEKDAY_LABELS
from coop.rosters.models import RosterRules
from coop.rosters.rules import RATIOS
from coop.rosters.rules import RulesInput as RosterRulesInput
from coop.rosters.rules import get_rules as get_roster_rules
from coop.rosters.rules import save_rules as save_roster_rules

SITE_HOURS_FIELDS = ["is_always_open"] + [f"{edge}_{day}" for day in range(7) for edge in ("opens", "closes")]


# --- booking deadline -------------------------------------------------------------------

def _read_deadline(session: Session, coop_id: int, target: int | None) -> dict[str, int]:
    rules = get_rules(session, coop_id=coop_id)
    return {"weekday": rules.deadline_weekday, "minute": rules.deadline_minute}


def _parse_deadline(values: dict[str, str]) -> dict[str, int]:
    p = FieldParser(values)
    weekday = p.integer("deadline_weekday")
    minute = p.clock_minutes("deadline_time")
    p.raise_if_errors()
    return {"weekday": weekday, "minute": minute or 0}


def _apply_deadline(session: Session, coop_id: int, target: int | None, value: dict[str, int]) -> None:
    rules = get_rules(session, coop_id=coop_id)
    save_booking_rules(session, coop_id=coop_id, data=RulesInput(
        max_hours=rules.max_minutes // 60, max_days_ahead=rules.max_days_ahead,
        min_notice_minutes=rules.min_notice_minutes, deadline_weekday=value["weekday"],
        deadline_minute=value["minute"]))


def _show_deadline(value: dict[str, int]) -> str:
    weekday = value["weekday"]
    day = WEEKDAY_LABELS[weekday] if 0 <= weekday <= 6 else "?"
    return str(_l("%(day)s at %(time)s, the week before", day=day, time=hhmm(value["minute"])))


# --- cheque scheme ----------------------------------------------------------------------

def _scheme_setting(key: str, attribute: str, label: Any, show: Callable[[int], str]) -> Setting:
    def read(session: Session, coop_id: int, target: int | None) -> int:
        return int(getattr(get_scheme(session, coop_id=coop_id), attribute))

    def parse(values: dict[str, str]) -> int:
        p = FieldParser(values)
        number = p.integer(attribute)
        p.raise_if_errors()
        return number

    def apply(session: Session, coop_id: int, target: int | None, value: int) -> None:
        current = get_scheme(session, coop_id=coop_id)
        data = SchemeInput(**{name: getattr(current, name) for name in SchemeInput.__dataclass_fields__})
        save_scheme(session, coop_id=coop_id, data=replace(data, **{attribute: value}))

    return Setting(key=key, label=label, fields=(attribute,), read=read, parse=parse,
                   form=lambda value: {attribute: value}, show=show,
                   apply=apply, watches=(ChequeScheme,))


# --- night-hour weight ------------------------------------------------------------------

def _read_night(session: Session, coop_id: int, target: int | None) -> int:
    return get_settings(session, coop_id=coop_id).night_weight_permille


def _parse_night(values: dict[str, str]) -> int:
    p = FieldParser(values)
    hundredths = p.decimal_hundredths("night_weight", maximum=10**6)
    if not (values.get("night_weight") or "").strip():
        p.error("night_weight", _l("This field is required."))
    p.raise_if_errors()
    return hundredths * 10


def _apply_night(session: Session, coop_id: int, target: int | None, value: int) -> None:
    current = get_settings(session, coop_id=coop_id)
    save_settings(session, coop_id=coop_id, cents_per_hour=current.cents_per_hour, night_weight_permille=value,
                  minimum_pledge_minutes=current.minimum_pledge_minutes)


def _weight(permille: int) -> str:
    return f"{permille / 1000:g}"


# --- opening hours of a site ------------------------------------------------------------

def _read_hours(session: Session, coop_id: int, target: int | None) -> dict[str, Any]:
    site = get_site(session, coop_id=coop_id, site_id=target or 0)
    days = [[row.weekday, row.opens_minute, row.closes_minute]
            for row in sorted(site_hours(session, site_id=site.id).values(), key=lambda r: r.weekday)]
    return {"always_open": site.is_always_open, "days": [] if site.is_always_open else days}


def _parse_hours(values: dict[str, str]) -> dict[str, Any]:
    args = parse_site({**values, "name": "-", "address": "-", "capacity": "0"})
    days = [[day, opens, closes] for day, (opens, closes) in sorted(args["hours"].items())]
    return {"always_open": args["is_always_open"], "days": [] if args["is_always_open"] else days}


def _hours_form(value: dict[str, Any]) -> dict[str, Any]:
    rows = {day: SiteHours(site_id=0, weekday=day, opens_minute=opens, closes_minute=closes)
            for day, opens, closes in value["days"]}
    shown = site_values(Site(coop_id=0, name="", address="", capacity=0, is_always_open=value["always_open"]),
                        rows)
    return {name: shown[name] for name in SITE_HOURS_FIELDS if name in shown}


def _show_hours(value: dict[str, Any]) -> str:
    if value["always_open"]:
        return str(_l("Open 24/7"))
    if not value["days"]:
        return str(_l("Closed every day"))
    return "; ".join(f"{WEEKDAY_LABELS[day]} {hhmm(opens)}–{hhmm(closes)}" for day, opens, closes in value["days"])


def _apply_hours(session: Session, coop_id: int, target: int | None, value: dict[str, Any]) -> None:
    site = get_site(session, coop_id=coop_id, site_id=target or 0)
    save_site(session, coop_id=coop_id, site_id=site.id, name=site.name, address=site.address,
              capacity=site.capacity, beds=site.beds, is_always_open=value["always_open"],
              hours={day: (opens, closes) for day, opens, closes in value["days"]})


# --- staffing ratios --------------------------------------------------------------------

def _read_ratios(session: Session, coop_id: int, target: int | None) -> dict[str, int]:
    rules = get_roster_rules(session, coop_id=coop_id)
    return {name: getattr(rules, name) for name in RATIOS}


def _parse_ratios(values: dict[str, str]) -> dict[str, int]:
    p = FieldParser(values)
    ratios = {name: p.integer(name) for name in RATIOS}
    p.raise_if_errors()
    return ratios


def _apply_ratios(session: Session, coop_id: int, target: int | None, value: dict[str, int]) -> None:
    current = RosterRulesInput.of(get_roster_rules(session, coop_id=coop_id))
    save_roster_rules(session, coop_id=coop_id, data=replace(current, **value), actor_id=None)


def _show_ratios(value: dict[str, int]) -> str:
    return str(_l("children per caregiver: %(infant)d under 18 months, %(toddler)d from 18 months to 3 years, "
                  "%(child)d from 3 years", infant=value["infant_ratio"], toddler=value["toddler_ratio"],
                  child=value["child_ratio"]))


SETTINGS: dict[str, Setting] = {setting.key: setting for setting in (
    Setting(key="booking_deadline", label=_l("Booking deadline"), fields=("deadline_weekday", "deadline_time"),
            read=_read_deadline, parse=_parse_deadline,
            form=lambda value: {"deadline_weekday": value["weekday"], "deadline_time": hhmm(value["minute"])},
            show=_show_deadline, apply=_apply_deadline, watches=(BookingRules,)),
    _scheme_setting("cheque_base_quota", "base_quota", _l("Cheques per household and month"),
                    lambda n: str(_l("%(n)d cheques a month", n=n))),
    _scheme_setting("cheque_single_parent", "single_parent_percent",
                    _l("Single-parent quota, in percent of the base"),
                    lambda n: str(_l("%(n)d %% of the base quota", n=n))),
    _scheme_setting("cheque_validity", "validity_months", _l("Cheque validity"),
                    lambda n: str(_l("%(n)d months", n=n))),
    Setting(key="night_weight", label=_l("Weight of a night hour"), fields=("night_weight",), read=_read_night,
            parse=_parse_night, form=lambda value: {"night_weight": _weight(value)},
            show=lambda value: str(_l("a night hour counts %(weight)s hours", weight=_weight(value))),
            apply=_apply_night, watches=(CreditSettings,)),
    Setting(key="ratios", label=_l("Staffing ratios"), fields=RATIOS, read=_read_ratios, parse=_parse_ratios,
            form=dict, show=_show_ratios, apply=_apply_ratios, watches=(RosterRules,)),
    Setting(key="site_hours", label=_l("Opening hours of a site"), fields=tuple(SITE_HOURS_FIELDS),
            read=_read_hours, parse=_parse_hours, form=_hours_form, show=_show_hours, apply=_apply_hours,
            watches=(Site, SiteHours), locate=site_row, per_site=True),
    *LIST_SETTINGS,
)}


def get_setting(key: str) -> Setting:
    setting = SETTINGS.get(key)
    if setting is None:
        raise ValidationFailed(_l("Check the form."), fields={"setting": _l("Choose a value from the list.")})
    return setting


def validate(session: Session, setting: Setting, *, coop_id: int, target: int | None, value: Any) -> None:
    """Refuse a value the setting's own service would refuse, changing nothing: the service
    runs inside a savepoint that is always rolled back. Its field messages are kept, moved
    to this form's fields when the service names its fields differently."""
    session.info[DRY_RUN] = True
    savepoint = session.begin_nested()
    try:
        setting.apply(session, coop_id, target, value)
    except ValidationFailed as exc:
        fields = {name if name in setting.fields else setting.fields[0]: message
                  for name, message in exc.fields.items()}
        raise ValidationFailed(exc.message, fields=fields) from None
    finally:
        savepoint.rollback()
        session.info.pop(DRY_RUN, None)
