"""Statement documents: the CSV (exact columns of the issue) and a PDF per household (fpdf2,
pure Python, core fonts). Labels are translated by the caller's locale."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from coop.cheques.scheme import service_label
from coop.statements.service import CSV_COLUMNS, StatementRow


def statements_csv(rows: list[StatementRow]) -> str:
    """One line per household; hours in minutes, cheques in cheques."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(row.csv_values() for row in rows)
    return out.getvalue()


def hours(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def statement_lines(row: StatementRow) -> list[tuple[str, list[tuple[str, str]]]]:
    """The statement's sections as (title, [(label, value)]), shared by the PDF and the page."""
    return [
        (_("Contribution (hours)"), [
            (_("Opening balance"), hours(row.contribution_opening_min)),
            (_("Pledge due"), hours(-row.contribution_due_min)),
            (_("Hours worked"), hours(row.contribution_worked_min)),
            (_("of which at night (before weighting)"), hours(row.night_worked_min)),
            (_("Money paid"), hours(row.contribution_paid_min)),
            (_("Corrections"), hours(row.contribution_corrections_min)),
            (_("Closing balance"), hours(row.contribution_closing_min)),
        ]),
        (_("Respite cheques"), [
            (_("Opening balance"), str(row.cheques_opening)),
            (_("Received"), str(row.cheques_allocated)),
            (_("Used"), str(-row.cheques_redeemed)),
            *[(f"  {provider}: {service_label(cheque_service)}", str(-cheques))
              for provider, cheque_service, cheques in row.redeemed_with],
            (_("Expired"), str(-row.cheques_expired)),
            (_("Closing balance"), str(row.cheques_closing)),
            (_("Expiring within 60 days"), str(row.cheques_expiring_soon)),
        ]),
    ]


def _latin1(text: str) -> str:
    # The PDF core fonts are Latin-1: typographic quotes and the like become "?", not an error.
    return text.replace("\u2019", "'").replace("\u2212", "-").encode("latin-1", "replace").decode("latin-1")


def add_statement_page(pdf: FPDF, *, coop_name: str, row: StatementRow, month: date) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(_("Monthly statement")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, _latin1(f"{coop_name} - {row.household_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, _latin1(format_date(month, "MMMM yyyy")), new_x="LMARGIN", new_y="NEXT")
    for title, lines in statement_lines(row):
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for label, value in lines:
            pdf.cell(120, 7, _latin1(label))
            pdf.cell(40, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")


def statement_pdf(*, coop_name: str, rows: list[StatementRow], month: date) -> bytes:
    """A PDF with one page per household."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(_("Monthly statement")))
    for row in rows:
        add_statement_page(pdf, coop_name=coop_name, row=row, month=month)
    return bytes(pdf.output())
