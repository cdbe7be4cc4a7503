"""Monthly statements computed from the ledgers alone (entries, lots, movements), in a few
grouped queries per cooperative so that a city's month stays one pass over its rows.

Contribution figures are in minutes and use each posting's business date (``on_date``);
cheque figures are in cheques: a lot counts in its month, a movement on its ``on_date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.cheques.allocation import add_months
from coop.cheques.models import ChequeLot, ChequeMovement, ChequeRedemption, ChequeService, Provider
from coop.cheques.scheme import get_scheme
from coop.credits.models import CreditEntry, CreditTransaction
from coop.members.models import Household, Membership

EXPIRING_WITHIN = timedelta(days=60)
CSV_COLUMNS = ("household_id", "cheques_opening", "cheques_allocated", "cheques_redeemed", "cheques_expired",
               "cheques_closing", "contribution_opening_min", "contribution_due_min", "contribution_worked_min",
               "contribution_paid_min", "contribution_corrections_min", "contribution_closing_min")


@dataclass
class StatementRow:
    """One household's month; the first fields are the CSV's columns, in order."""

    household_id: int
    cheques_opening: int = 0
    cheques_allocated: int = 0
    cheques_redeemed: int = 0
    cheques_expired: int = 0
    cheques_closing: int = 0
    contribution_opening_min: int = 0
    contribution_due_min: int = 0
    contribution_worked_min: int = 0
    contribution_paid_min: int = 0
    contribution_corrections_min: int = 0
    contribution_closing_min: int = 0
    night_worked_min: int = 0
    cheques_expiring_soon: int = 0
    household_name: str = ""
    is_single_parent: bool = False
    redeemed_with: list[tuple[str, ChequeService, int]] = field(default_factory=list)

    def csv_values(self) -> list[int]:
        return [getattr(self, name) for name in CSV_COLUMNS]


def _sum_if(condition: Any, value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _contribution(session: Session, coop_id: int, start: date, end: date, rows: dict[int, StatementRow]) -> None:
    tx, entry = CreditTransaction, CreditEntry
    in_month = (tx.on_date >= start) & (tx.on_date < end)
    stmt = (select(tx.household_id, _sum_if(tx.on_date < start, entry.minutes),
                   _sum_if(in_month & (tx.kind == "pledge_due"), -entry.minutes),
                   _sum_if(in_month & (tx.kind == "work"), entry.minutes),
                   _sum_if(in_month & (tx.kind == "payment"), entry.minutes),
                   _sum_if(in_month & (tx.kind == "correction"), entry.minutes),
                   _sum_if(in_month & (tx.kind == "work"), func.coalesce(tx.night_minutes, 0)))
            .join(entry, entry.transaction_id == tx.id)
            .where(tx.coop_id == coop_id, tx.on_date < end, col(entry.account).like("household:%"))
            .group_by(col(tx.household_id)))
    for household_id, opening, due, worked, paid, corrections, night in session.exec(stmt).all():
        row = rows[household_id]
        row.contribution_opening_min, row.contribution_due_min = int(opening), int(due)
        row.contribution_worked_min, row.contribution_paid_min = int(worked), int(paid)
        row.contribution_corrections_min, row.night_worked_min = int(corrections), int(night)
        row.contribution_closing_min = row.contribution_opening_min - row.contribution_due_min + \
            row.contribution_worked_min + row.contribution_paid_min + row.contribution_corrections_min


def _cheques(session: Session, coop_id: int, start: date, end: date, rows: dict[int, StatementRow]) -> None:
    lot, move = ChequeLot, ChequeMovement
    for household_id, before, this_month in session.exec(
            select(lot.household_id, _sum_if(lot.period < start, lot.allocated),
                   _sum_if(lot.period == start, lot.allocated))
            .where(lot.coop_id == coop_id, lot.period < end).group_by(col(lot.household_id))).all():
        rows[household_id].cheques_opening += int(before)
        rows[household_id].cheques_allocated = int(this_month)
    in_month = (move.on_date >= start) & (move.on_date < end)
    for household_id, before, redeemed, expired in session.exec(
            select(move.household_id, _sum_if(move.on_date < start, move.cheques),
                   _sum_if(in_month & col(move.kind).in_(("redeem", "refund")), -move.cheques),
                   _sum_if(in_month & (move.kind == "expire"), -move.cheques))
            .where(move.coop_id == coop_id, move.on_date < end).group_by(col(move.household_id))).all():
        rows[household_id].cheques_opening += int(before)
        rows[household_id].cheques_redeemed, rows[household_id].cheques_expired = int(redeemed), int(expired)
    used = (select(move.lot_id, func.sum(move.cheques).label("used"))
            .where(move.coop_id == coop_id, move.on_date < end).group_by(col(move.lot_id)).subquery())
    for household_id, soon in session.exec(
            select(lot.household_id, func.sum(lot.allocated + func.coalesce(used.c.used, 0)))
            .outerjoin(used, used.c.lot_id == lot.id)
            .where(lot.coop_id == coop_id, lot.period < end, lot.expires_on >= end,
                   lot.expires_on < end + EXPIRING_WITHIN)
            .group_by(col(lot.household_id))).all():
        rows[household_id].cheques_expiring_soon = int(soon or 0)
    by_provider = session.exec(
        select(move.household_id, Provider.name, ChequeService, func.sum(-move.cheques))
        .join(ChequeRedemption, ChequeRedemption.id == move.redemption_id)
        .join(Provider, Provider.id == ChequeRedemption.provider_id)
        .join(ChequeService, ChequeService.id == ChequeRedemption.service_id)
        .where(move.coop_id == coop_id, in_month, col(move.kind).in_(("redeem", "refund")))
        .group_by(col(move.household_id), col(Provider.name), col(ChequeService.id))
        .order_by(col(Provider.name), col(ChequeService.id))).all()
    for household_id, provider_name, cheque_service, cheques in by_provider:
        if cheques:
            rows[household_id].redeemed_with.append((provider_name, cheque_service, int(cheques)))
    for row in rows.values():
        row.cheques_closing = row.cheques_opening + row.cheques_allocated - row.cheques_redeemed - row.cheques_expired


def monthly_rows(session: Session, *, coop_id: int, month: date) -> list[StatementRow]:
    """Every household's statement for the month starting ``month``, by household id."""
    start = month.replace(day=1)
    end = add_months(start, 1)
    rows = {h.id: StatementRow(household_id=h.id, household_name=h.name, is_single_parent=h.is_single_parent)
            for h in session.exec(select(Household).where(Household.coop_id == coop_id)
                                  .order_by(col(Household.id))).all()}
    _contribution(session, coop_id, start, end, rows)
    _cheques(session, coop_id, start, end, rows)
    return list(rows.values())


def household_row(session: Session, *, coop_id: int, household_id: int, month: date) -> StatementRow | None:
    return next((row for row in monthly_rows(session, coop_id=coop_id, month=month)
                 if row.household_id == household_id), None)


@dataclass(frozen=True)
class Summary:
    """The board's view of a month."""

    households: int
    single_parent_share_percent: int
    cheques_allocated: int
    cheques_redeemed: int
    cheques_expired: int
    use_rate_percent: int
    expiry_rate_percent: int
    contribution_worked_min: int
    contribution_due_min: int


def summarise(rows: list[StatementRow]) -> Summary:
    """Totals, single-parent share, cheque use rate (redeemed / available) and expiry rate."""
    total = {f.name: sum(getattr(r, f.name) for r in rows) for f in fields(StatementRow)
             if f.type in ("int", int) and f.name != "household_id"}
    available = total["cheques_opening"] + total["cheques_allocated"]

    def percent(part: int, whole: int) -> int:
        return part * 100 // whole if whole else 0

    return Summary(households=len(rows), single_parent_share_percent=percent(
        sum(r.is_single_parent for r in rows), len(rows)), cheques_allocated=total["cheques_allocated"],
        cheques_redeemed=total["cheques_redeemed"], cheques_expired=total["cheques_expired"],
        use_rate_percent=percent(total["cheques_redeemed"], available),
        expiry_rate_percent=percent(total["cheques_expired"], available),
        contribution_worked_min=total["contribution_worked_min"], contribution_due_min=total["contribution_due_min"])


@dataclass(frozen=True)
class ProviderLine:
    provider_id: int
    provider_name: str
    redemptions: int
    cheques: int
    reimbursement_cents: int


def provider_lines(session: Session, *, coop_id: int, month: date) -> list[ProviderLine]:
    """Each partner provider's month: cheques redeemed (by date of service) and reimbursement due."""
    start = month.replace(day=1)
    end = add_months(start, 1)
    rate = get_scheme(session, coop_id=coop_id).reimbursement_cents
    rows = session.exec(select(Provider.id, Provider.name, func.count(col(ChequeRedemption.id)),
                               func.coalesce(func.sum(ChequeRedemption.cheques), 0))
                        .outerjoin(ChequeRedemption, (ChequeRedemption.provider_id == Provider.id)
                                   & (ChequeRedemption.used_on >= start) & (ChequeRedemption.used_on < end))
                        .where(Provider.coop_id == coop_id).group_by(col(Provider.id), col(Provider.name))
                        .order_by(col(Provider.name))).all()
    return [ProviderLine(provider_id=pid, provider_name=name, redemptions=int(count), cheques=int(cheques),
                         reimbursement_cents=int(cheques) * rate) for pid, name, count, cheques in rows]


def household_languages(session: Session, *, coop_id: int, default: str) -> dict[int, str]:
    """Each household's language: its parents' chosen language, else the cooperative's."""
    rows = session.exec(select(Membership.household_id, Person.language)
                        .join(Person, Person.id == Membership.person_id)
                        .where(Membership.coop_id == coop_id, Membership.role == "parent",
                               col(Person.language).is_not(None))
                        .order_by(col(Membership.id))).all()
    languages = dict.fromkeys(session.exec(select(Household.id).where(Household.coop_id == coop_id)).all(), default)
    chosen: dict[int, str] = {}
    for household_id, language in rows:
        if household_id in languages and language:
            chosen.setdefault(household_id, language)
    return languages | chosen
