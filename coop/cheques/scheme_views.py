"""Coordinator pages of the cheque scheme: rules, services covered, partner providers."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from coop.auth.models import Person
from coop.auth.permissions import roles_required
from coop.cheques import scheme
from coop.cheques.scheme import service_label
from coop.db import get_session
from coop.errors import DomainError
from coop.forms import FieldParser, form_values
from coop.members.models import Membership

bp = Blueprint("cheque_scheme", __name__, url_prefix="/c/<slug>/cheques")
SCHEME_FIELDS = ["cheque_minutes", "validity_months", "base_quota", "single_parent_percent", "yearly_cap",
                 "reimbursement_euros"]


def parse_scheme(values: dict[str, str]) -> scheme.SchemeInput:
    p = FieldParser(values)
    data = scheme.SchemeInput(
        cheque_minutes=p.integer("cheque_minutes", minimum=1, maximum=480),
        validity_months=p.integer("validity_months", minimum=1, maximum=60),
        base_quota=p.integer("base_quota", minimum=0, maximum=100),
        single_parent_percent=p.integer("single_parent_percent", minimum=100, maximum=500),
        yearly_cap=p.integer("yearly_cap", minimum=0, maximum=1200),
        reimbursement_cents=p.decimal_hundredths("reimbursement_euros", maximum=100_000))
    p.raise_if_errors()
    return data


def _scheme_page(values: dict, errors: dict, status: int = 200):
    session = get_session()
    return render_template("cheques/scheme.html", values=values, errors=errors, service_label=service_label,
                           services=scheme.list_services(session, coop_id=g.coop.id),
                           providers=scheme.list_providers(session, coop_id=g.coop.id)), status


@bp.route("/scheme", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_scheme(slug: str):
    session = get_session()
    if request.method == "POST":
        values = form_values(SCHEME_FIELDS)
        try:
            scheme.save_scheme(session, coop_id=g.coop.id, data=parse_scheme(values))
            session.commit()
        except DomainError as exc:
            session.rollback()
            return _scheme_page(values, exc.fields, exc.status)
        flash(_("Saved. The new rules apply from the next allocation."), "success")
        return redirect(url_for("cheque_scheme.edit_scheme", slug=slug))
    current = scheme.get_scheme(session, coop_id=g.coop.id)
    values = {name: getattr(current, name) for name in SCHEME_FIELDS if hasattr(current, name)}
    values["reimbursement_euros"] = f"{current.reimbursement_cents / 100:.2f}"
    return _scheme_page(values, {})


@bp.route("/services", methods=["POST"])
@roles_required("coordinator")
def add_service(slug: str):
    session = get_session()
    try:
        scheme.add_service(session, coop_id=g.coop.id, name=form_values(["name"])["name"])
        session.commit()
        flash(_("Saved."), "success")
    except DomainError as exc:
        session.rollback()
        flash(str(exc.fields.get("name", exc.message)), "error")
    return redirect(url_for("cheque_scheme.edit_scheme", slug=slug))


def _provider_page(provider_id: int | None, values: dict, errors: dict, status: int = 200):
    session = get_session()
    people = session.exec(select(Person).join(Membership, Membership.person_id == Person.id).where(
        Membership.coop_id == g.coop.id, Membership.role == "provider").order_by(Person.display_name)).all()
    return render_template("cheques/provider_form.html", provider_id=provider_id, values=values, errors=errors,
                           services=scheme.list_services(session, coop_id=g.coop.id), people=people,
                           service_label=service_label), status


@bp.route("/providers/new", methods=["GET", "POST"], defaults={"provider_id": None})
@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_provider(slug: str, provider_id: int | None):
    session = get_session()
    if request.method == "POST":
        values = {"name": form_values(["name"])["name"], "services": request.form.getlist("services"),
                  "people": request.form.getlist("people")}
        service_ids = {int(v) for v in values["services"] if v.isdigit() and len(v) < 10}
        person_ids = {int(v) for v in values["people"] if v.isdigit() and len(v) < 10}
        try:
            scheme.save_provider(session, coop_id=g.coop.id, provider_id=provider_id, name=values["name"],
                                 service_ids=service_ids, person_ids=person_ids)
            session.commit()
        except DomainError as exc:
            session.rollback()
            return _provider_page(provider_id, values, exc.fields, exc.status)
        flash(_("Saved."), "success")
        return redirect(url_for("cheque_scheme.edit_scheme", slug=slug))
    values: dict = {"services": [], "people": []}
    if provider_id is not None:
        provider = scheme.get_provider(session, coop_id=g.coop.id, provider_id=provider_id)
        values = {"name": provider.name,
                  "services": [str(link.service_id) for link in scheme.provider_services(session,
                                                                                        provider_id=provider.id)],
                  "people": [str(pid) for pid in scheme.provider_person_ids(session, provider_id=provider.id)]}
    return _provider_page(provider_id, values, {})
