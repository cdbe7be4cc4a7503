"""Decision pages: the record of proposals, making one, voting, the settings history and the
voting rules. Members are the parents and coordinators of the cooperative."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import col, select

from coop.auth.models import Person
from coop.auth.permissions import roles_required
from coop.bookings.times import local
from coop.cheques.allocation import add_months
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Site
from coop.cooperatives.service import list_sites
from coop.db import get_session
from coop.errors import DomainError, NotFound, ValidationFailed
from coop.forms import FieldParser, form_values
from coop.governance import service
from coop.governance.models import SettingChange
from coop.governance.settings import SETTINGS, Setting
from coop.labels import WEEKDAY_LABELS
from coop.members.models import Household
from coop.members.service import household_ids_of

bp = Blueprint("governance", __name__, url_prefix="/c/<slug>/decisions")
ID_RE = re.compile(r"[0-9]{1,9}")
PROPOSAL_FIELDS = ["title", "text", "closes_on", "effective_on", "setting"]
RULE_FIELDS = ["proposers", "quorum_numerator", "quorum_denominator", "majority"]
CHOICE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstain")}
PROPOSER_LABELS = {"members": _l("Any member (parents and coordinators)"), "coordinators": _l("Only coordinators")}
MAJORITY_LABELS = {"simple": _l("Simple majority: more yes than no"),
                   "two_thirds": _l("Two thirds: at least two yes for every no")}


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"OUTCOME_LABELS": service.OUTCOME_LABELS, "CHOICE_LABELS": CHOICE_LABELS, "setting_name": setting_name,
            "show_value": show_value, "closing_day": closing_day}


def setting_name(key: str | None, target: int | None) -> str:
    """The setting's label, with the site's name for a per-site setting."""
    setting = SETTINGS.get(key or "")
    if setting is None:
        return ""
    if setting.per_site:
        site = get_session().get(Site, target or 0)
        return f"{setting.label} · {site.name if site and site.coop_id == g.coop.id else '?'}"
    return str(setting.label)


def show_value(key: str | None, value: Any) -> str:
    setting = SETTINGS.get(key or "")
    return setting.show(value) if setting is not None and value is not None else ""


def closing_day(proposal: Any) -> date:
    """The last local day of the vote (it closes at the following midnight)."""
    return local(proposal.closes_at - timedelta(seconds=1), g.coop.timezone).date()


def _setting_options() -> list[tuple[str, str]]:
    options = [("", str(_l("No settings change (a text only)")))]
    for setting in SETTINGS.values():
        if setting.per_site:
            options += [(f"{setting.key}:{site.id}", f"{setting.label} · {site.name}")
                        for site in list_sites(get_session(), coop_id=g.coop.id)]
        else:
            options.append((setting.key, str(setting.label)))
    return options


def _chosen_setting(spec: str) -> tuple[Setting | None, int | None]:
    key, _sep, target = spec.partition(":")
    setting = SETTINGS.get(key)
    if setting is None or setting.per_site != bool(target) or (target and not ID_RE.fullmatch(target)):
        return None, None
    return setting, int(target) if target else None


@bp.route("/")
@roles_required("coordinator", "parent")
def index(slug: str):
    session = get_session()
    rules = service.get_rules(session, coop_id=g.coop.id)
    return render_template("governance/index.html", proposals=service.list_proposals(session, coop_id=g.coop.id),
                           rules=rules, may_propose=rules.proposers == "members" or "coordinator" in g.roles,
                           proposer_label=PROPOSER_LABELS[rules.proposers],
                           majority_label=MAJORITY_LABELS[rules.majority])


def _parse_proposal(values: dict[str, str], setting: Setting | None, target: int | None) -> service.ProposalInput:
    p = FieldParser(values)
    title = p.text("title", required=True, max_length=120)
    text = p.text("text", required=True, max_length=4000)
    closes_on = p.date("closes_on")
    effective_on = p.date("effective_on") if setting else None
    value = None
    if setting is not None:
        try:
            value = setting.parse(values)
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                p.error(name, message)
    p.raise_if_errors()
    return service.ProposalInput(title=title, text=text, closes_on=closes_on,
                                 setting_key=setting.key if setting else "", setting_target=target,
                                 value=value, effective_on=effective_on)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("coordinator", "parent")
def new(slug: str):
    session = get_session()
    spec = (request.form if request.method == "POST" else request.args).get("setting", "")[:60]
    setting, target = _chosen_setting(spec)
    if spec and setting is None:
        abort(404)
    current = None
    if setting is not None:
        try:
            current = setting.read(session, g.coop.id, target)
        except NotFound:
            abort(404)
    today = local_today(g.coop.timezone)
    closes_on = today + timedelta(days=14)
    values: dict[str, Any] = {"setting": spec, "closes_on": closes_on.isoformat(),
                              "effective_on": add_months(closes_on, 1).isoformat(),
                              **(setting.form(current) if setting else {})}
    errors: dict[str, Any] = {}
    status, message = 200, None
    if request.method == "POST":
        values = form_values(PROPOSAL_FIELDS + list(setting.fields if setting else ()))
        try:
            data = _parse_proposal(values, setting, target)
            proposal = service.propose(session, coop=g.coop, author_id=current_user.id, roles=g.roles, data=data,
                                       today=today)
            session.commit()
            flash(_("Your proposal is open for the vote. Every member was told."), "success")
            return redirect(url_for("governance.show", slug=slug, proposal_id=proposal.id))
        except DomainError as exc:
            session.rollback()
            errors, status, message = exc.fields, exc.status, exc.message
    return render_template("governance/new.html", values=values, errors=errors, setting=setting, target=target,
                           message=message,
                           current=current, setting_options=_setting_options(),
                           weekday_options=list(enumerate(WEEKDAY_LABELS))), status


@bp.route("/<int:proposal_id>")
@roles_required("coordinator", "parent")
def show(slug: str, proposal_id: int):
    return _show_page(proposal_id)


def _show_page(proposal_id: int, status: int = 200, error: str = ""):
    session = get_session()
    proposal = service.get_proposal(session, coop_id=g.coop.id, proposal_id=proposal_id)
    own = household_ids_of(session, coop_id=g.coop.id, person_id=current_user.id)
    setting = SETTINGS.get(proposal.setting_key or "")
    current = None
    if setting is not None:
        try:
            current = setting.read(session, g.coop.id, proposal.setting_target)
        except NotFound:
            current = None
    author = session.get(Person, proposal.author_id)
    households = [(h.id, h.name) for h in session.exec(select(Household).where(col(Household.id).in_(own))
                                                         .order_by(col(Household.id))).all()]
    return render_template("governance/show.html", proposal=proposal, households=households,
                           vote=service.vote_of(session, proposal_id=proposal.id, household_ids=own),
                           is_open=proposal.status == "open" and utcnow() < proposal.closes_at,
                           current=current, author=author.display_name if author else "", error=error), status


@bp.route("/<int:proposal_id>/vote", methods=["POST"])
@roles_required("parent")
def vote(slug: str, proposal_id: int):
    """One household's vote; the household is the parent's own (the form names it only when
    the parent belongs to several), another household's is not found."""
    session = get_session()
    own = household_ids_of(session, coop_id=g.coop.id, person_id=current_user.id)
    values = form_values(["household_id", "choice"])
    raw = values["household_id"]
    household_id = int(raw) if ID_RE.fullmatch(raw) else (min(own) if len(own) == 1 and not raw else 0)
    try:
        service.cast_vote(session, coop_id=g.coop.id, proposal_id=proposal_id, household_id=household_id,
                          voter_households=own, choice=values["choice"], now=utcnow())
        session.commit()
    except DomainError as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        return _show_page(proposal_id, exc.status, str(exc.fields.get("choice", exc.message)))
    flash(_("Your household's vote is recorded. You can change it until the vote closes."), "success")
    return redirect(url_for("governance.show", slug=slug, proposal_id=proposal_id))


@bp.route("/history")
@roles_required("coordinator", "parent")
def history(slug: str):
    session = get_session()
    changes = session.exec(select(SettingChange).where(SettingChange.coop_id == g.coop.id)
                           .order_by(col(SettingChange.id).desc()).limit(500)).all()
    people = {p.id: p.display_name for p in session.exec(select(Person).where(
        col(Person.id).in_({c.person_id for c in changes if c.person_id}))).all()}
    proposals = {p.id: p for p in service.list_proposals(session, coop_id=g.coop.id)}
    return render_template("governance/history.html", changes=changes, people=people, proposals=proposals)


@bp.route("/rules", methods=["GET", "POST"])
@roles_required("coordinator")
def rules(slug: str):
    session = get_session()
    current = service.get_rules(session, coop_id=g.coop.id)
    values: dict[str, Any] = {name: getattr(current, name) for name in RULE_FIELDS}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = form_values(RULE_FIELDS)
        p = FieldParser(values)
        try:
            numerator, denominator = p.integer("quorum_numerator"), p.integer("quorum_denominator")
            p.raise_if_errors()
            service.save_rules(session, coop_id=g.coop.id, proposers=values["proposers"], majority=values["majority"],
                               quorum_numerator=numerator, quorum_denominator=denominator)
            session.commit()
            flash(_("Saved. Votes still open are counted with these rules when they close."), "success")
            return redirect(url_for("governance.rules", slug=slug))
        except DomainError as exc:
            session.rollback()
            errors, status = exc.fields, exc.status
    return render_template("governance/rules.html", values=values, errors=errors,
                           proposer_options=list(PROPOSER_LABELS.items()),
                           majority_options=list(MAJORITY_LABELS.items())), status
