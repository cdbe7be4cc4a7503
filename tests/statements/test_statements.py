"""Statements are rebuilt from the ledgers alone: every figure recomputed here from raw
entries, lots and movements matches; CSV columns are exactly the issue's; pages, PDF, CLI."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlmodel import select

from coop.cheques import allocation
from coop.cheques import service as cheques
from coop.cheques.jobs import expire_cheques
from coop.cheques.models import ChequeLot, ChequeMovement
from coop.cheques.scheme import card_of
from coop.credits import pledges
from coop.credits import service as credits
from coop.credits.models import CreditEntry, CreditTransaction
from coop.statements import service
from coop.statements.documents import statements_csv

OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
COLUMNS = ("household_id,cheques_opening,cheques_allocated,cheques_redeemed,cheques_expired,cheques_closing,"
           "contribution_opening_min,contribution_due_min,contribution_worked_min,contribution_paid_min,"
           "contribution_corrections_min,contribution_closing_min")


def _story(app, db, make, world):
    """Two households over three months: pledges, work, payment, correction, lots, redemptions, expiry."""
    a = make.household(world.coop, pledge_minutes=240)
    b = make.household(world.coop, is_single_parent=True, single_parent_since=date(2026, 1, 1), pledge_cents=3000)
    for period in (date(2026, 5, 1), OCT, NOV, DEC):
        for h in (a, b):
            allocation.allocate_household(db, household_id=h.id, period=period)
    for period in (OCT, NOV, DEC):
        pledges.post_pledges_due(db, coop_id=world.coop.id, period=period)
    credits.post_hours_worked(db, household_id=a.id, minutes=300, night_minutes=120, key="w1",
                              on_date=date(2026, 11, 3))
    credits.post_hours_worked(db, household_id=b.id, minutes=60, night_minutes=0, key="w2",
                              on_date=date(2026, 10, 9))
    paid = credits.record_payment(db, coop_id=world.coop.id, household_id=b.id, cents=4500, on_date=date(2026, 11, 7),
                                  key="p1", actor_id=None)
    credits.reverse_transaction(db, coop_id=world.coop.id, transaction_id=paid.id, key="c1",
                                on_date=date(2026, 11, 9), actor_id=None)
    codes = {h.id: card_of(db, coop_id=world.coop.id, household_id=h.id).code for h in (a, b)}
    db.commit()
    for n, (h, used_on, count) in enumerate([(a, date(2026, 10, 20), 6), (b, date(2026, 11, 15), 10),
                                             (a, date(2026, 11, 19), 3)]):
        data = cheques.RedemptionInput(household_code=codes[h.id], service_id=world.babysitting.id, cheques=count,
                                       used_on=used_on, idempotency_key=f"r{n}")
        cheques.redeem(db, coop_id=world.coop.id, provider_id=world.provider.id, data=data, actor_id=None,
                       today=date(2026, 11, 20))
        db.commit()
    expire_cheques(app.extensions["coop.db"], today=date(2026, 11, 20))
    db.rollback()
    return a, b


def _recompute(db, household_id: int, month: date) -> dict[str, int]:
    end = allocation.add_months(month, 1)
    entries = db.exec(select(CreditTransaction, CreditEntry).join(CreditEntry).where(
        CreditEntry.account == f"household:{household_id}")).all()

    def total(kind: str | None, lo: date | None, hi: date) -> int:
        return sum(e.minutes for t, e in entries if (kind is None or t.kind == kind)
                   and (lo is None or t.on_date >= lo) and t.on_date < hi)

    lots = db.exec(select(ChequeLot).where(ChequeLot.household_id == household_id)).all()
    moves = db.exec(select(ChequeMovement).where(ChequeMovement.household_id == household_id)).all()
    opening = sum(lot.allocated for lot in lots if lot.period < month) + sum(
        m.cheques for m in moves if m.on_date < month)
    return {
        "contribution_opening_min": total(None, None, month),
        "contribution_due_min": -total("pledge_due", month, end),
        "contribution_worked_min": total("work", month, end),
        "contribution_paid_min": total("payment", month, end),
        "contribution_corrections_min": total("correction", month, end),
        "contribution_closing_min": total(None, None, end),
        "cheques_opening": opening,
        "cheques_allocated": sum(lot.allocated for lot in lots if lot.period == month),
        "cheques_redeemed": -sum(m.cheques for m in moves if m.kind in ("redeem", "refund")
                                 and month <= m.on_date < end),
        "cheques_expired": -sum(m.cheques for m in moves if m.kind == "expire" and month <= m.on_date < end),
        "cheques_closing": sum(lot.allocated for lot in lots if lot.period < end) + sum(
            m.cheques for m in moves if m.on_date < end),
    }


def test_every_figure_is_rebuilt_from_the_raw_ledgers(app, db, make, world):
    households = _story(app, db, make, world)
    for month in (OCT, NOV, DEC):
        rows = {row.household_id: row for row in service.monthly_rows(db, coop_id=world.coop.id, month=month)}
        for h in households:
            expected = _recompute(db, h.id, month)
            assert {name: getattr(rows[h.id], name) for name in expected} == expected, (month, h.id)
            row = rows[h.id]
            assert row.cheques_closing == row.cheques_opening + row.cheques_allocated - row.cheques_redeemed \
                - row.cheques_expired
    a, b = households
    nov = {row.household_id: row for row in service.monthly_rows(db, coop_id=world.coop.id, month=NOV)}
    assert nov[b.id].cheques_expired == 8 and nov[a.id].contribution_worked_min == 360
    assert nov[b.id].contribution_paid_min == 180 and nov[b.id].contribution_corrections_min == -180
    assert [(name, svc.code, n) for name, svc, n in nov[b.id].redeemed_with] == [("Baby Help asbl", "babysitting", 10)]
    [line] = service.provider_lines(db, coop_id=world.coop.id, month=NOV)
    assert (line.redemptions, line.cheques, line.reimbursement_cents) == (2, 13, 13 * 2500)


def test_csv_has_exactly_the_issues_columns(app, db, make, world):
    _story(app, db, make, world)
    text = statements_csv(service.monthly_rows(db, coop_id=world.coop.id, month=NOV))
    lines = list(csv.reader(io.StringIO(text)))
    assert ",".join(lines[0]) == COLUMNS
    assert len(lines) == 3 and all(value.lstrip("-").isdigit() for value in lines[1])


def test_pages_pdf_and_csv_for_the_right_people(app, db, make, world, login_as):
    a, b = _story(app, db, make, world)
    coordinator = make.person(world.coop, "coordinator")
    parent = make.person(world.coop, "parent", household=a)
    boss = login_as(coordinator)
    base = f"/c/{world.coop.slug}/statements"
    board = boss.get(f"{base}?month=2026-11")
    assert board.status_code == 200 and "Baby Help asbl" in board.get_data(as_text=True)
    exported = boss.get(f"{base}/export.csv?month=2026-11")
    assert exported.status_code == 200 and exported.get_data(as_text=True).startswith("household_id,")
    assert boss.get(f"{base}?month=2026-13").status_code == 404
    mine = login_as(parent)
    assert mine.get(f"{base}/households/{a.id}?month=2026-11").status_code == 200
    pdf = mine.get(f"{base}/households/{a.id}/statement.pdf?month=2026-11")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert mine.get(f"{base}/households/{b.id}?month=2026-11").status_code == 404
    assert mine.get(f"{base}?month=2026-11").status_code == 403


def test_cli_writes_csv_html_and_pdf(app, db, make, world, tmp_path):
    _story(app, db, make, world)
    runner = app.test_cli_runner()
    for fmt, expected in (("csv", 1), ("html", 1), ("pdf", 2)):
        out = tmp_path / fmt
        result = runner.invoke(args=["statements", "--month", "2026-11", "--out", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert len(list(out.iterdir())) == expected
    assert runner.invoke(args=["statements", "--month", "nope", "--out", str(tmp_path)]).exit_code != 0


def test_each_household_gets_its_parents_language(db, make, world):
    dutch, plain = make.household(world.coop), make.household(world.coop)
    make.person(world.coop, "parent", household=dutch, language="nl")
    make.person(world.coop, "parent", household=plain)
    assert service.household_languages(db, coop_id=world.coop.id, default="fr") == {dutch.id: "nl", plain.id: "fr"}
