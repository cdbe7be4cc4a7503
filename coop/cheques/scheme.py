"""The cooperative's cheque scheme, the services it covers, partner providers and their users,
and the households' short codes."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from coop.cheques.models import (
    STANDARD_SERVICES,
    ChequeCard,
    ChequeScheme,
    ChequeService,
    Provider,
    ProviderService,
    ProviderUser,
)
from coop.errors import Conflict, NotFound, ValidationFailed
from coop.members.models import Membership

SERVICE_LABELS = {"babysitting": _l("Babysitting"), "household_help": _l("Household help"),
                  "wellbeing": _l("Wellbeing")}
# No 0/O, 1/I/L, U: a code read aloud or typed from a phone screen is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class SchemeInput:
    cheque_minutes: int = 60
    validity_months: int = 6
    base_quota: int = 4
    single_parent_percent: int = 200
    yearly_cap: int = 96
    reimbursement_cents: int = 2500


def service_label(cheque_service: ChequeService) -> str:
    """A standard service's translated name, or the name the cooperative gave its own."""
    return str(SERVICE_LABELS.get(cheque_service.code, cheque_service.name))


def get_scheme(session: Session, *, coop_id: int) -> ChequeScheme:
    """The scheme's rules (defaults when the cooperative saved none)."""
    return session.get(ChequeScheme, coop_id) or ChequeScheme(coop_id=coop_id)


def save_scheme(session: Session, *, coop_id: int, data: SchemeInput) -> ChequeScheme:
    """Change the rules; they apply from the next allocation (lots already made keep theirs)."""
    limits = {"cheque_minutes": (1, 480), "validity_months": (1, 60), "base_quota": (0, 100),
              "single_parent_percent": (100, 500), "yearly_cap": (0, 1200), "reimbursement_cents": (0, 100_000)}
    errors = {name: _l("Enter a number between %(lo)d and %(hi)d.", lo=lo, hi=hi)
              for name, (lo, hi) in limits.items() if not lo <= getattr(data, name) <= hi}
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    scheme = session.get(ChequeScheme, coop_id) or ChequeScheme(coop_id=coop_id)
    for name in limits:
        setattr(scheme, name, getattr(data, name))
    session.add(scheme)
    ensure_standard_services(session, coop_id=coop_id)
    session.flush()
    return scheme


def ensure_standard_services(session: Session, *, coop_id: int) -> None:
    have = set(session.exec(select(ChequeService.code).where(ChequeService.coop_id == coop_id)).all())
    session.add_all(ChequeService(coop_id=coop_id, code=code) for code in STANDARD_SERVICES if code not in have)
    session.flush()


def list_services(session: Session, *, coop_id: int) -> Sequence[ChequeService]:
    ensure_standard_services(session, coop_id=coop_id)
    return session.exec(select(ChequeService).where(ChequeService.coop_id == coop_id)
                        .order_by(col(ChequeService.id))).all()


def add_service(session: Session, *, coop_id: int, name: str) -> ChequeService:
    """A service of the cooperative's own (beside babysitting, household help, wellbeing)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed(_l("Check the form."), fields={"name": _l("Enter a name of 1 to 120 characters.")})
    code = "own:" + name.lower()[:35]
    if session.exec(select(ChequeService).where(ChequeService.coop_id == coop_id, ChequeService.code == code)).first():
        raise Conflict(_l("This service already exists."), code="duplicate_service")
    service = ChequeService(coop_id=coop_id, code=code, name=name)
    session.add(service)
    session.flush()
    return service


def list_providers(session: Session, *, coop_id: int) -> Sequence[Provider]:
    return session.exec(select(Provider).where(Provider.coop_id == coop_id).order_by(Provider.name)).all()


def get_provider(session: Session, *, coop_id: int, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None or provider.coop_id != coop_id:
        raise NotFound(_l("This provider does not exist."))
    return provider


def save_provider(session: Session, *, coop_id: int, provider_id: int | None, name: str, service_ids: set[int],
                  person_ids: set[int]) -> Provider:
    """Create or update a partner provider with the services it provides and its users
    (people holding the provider role in this cooperative)."""
    errors = {}
    name = name.strip()
    if not name or len(name) > 120:
        errors["name"] = _l("Enter a name of 1 to 120 characters.")
    known_services = {s.id for s in list_services(session, coop_id=coop_id)}
    if not service_ids or not service_ids <= known_services:
        errors["services"] = _l("Choose at least one service from the list.")
    providers = set(session.exec(select(Membership.person_id).where(
        Membership.coop_id == coop_id, Membership.role == "provider")).all())
    if not person_ids <= providers:
        errors["people"] = _l("Choose people who hold the provider role.")
    clash = session.exec(select(Provider).where(Provider.coop_id == coop_id, Provider.name == name)).first()
    if clash is not None and clash.id != provider_id:
        errors["name"] = _l("A provider with this name already exists.")
    if errors:
        raise ValidationFailed(_l("Check the form."), fields=errors)
    provider = Provider(coop_id=coop_id, name=name) if provider_id is None else get_provider(
        session, coop_id=coop_id, provider_id=provider_id)
    provider.name = name
    session.add(provider)
    session.flush()
    for link in [*provider_services(session, provider_id=provider.id), *_provider_users(session, provider.id)]:
        session.delete(link)
    session.flush()
    session.add_all(ProviderService(provider_id=provider.id, service_id=sid) for sid in sorted(service_ids))
    session.add_all(ProviderUser(provider_id=provider.id, person_id=pid) for pid in sorted(person_ids))
    session.flush()
    return provider


def provider_services(session: Session, *, provider_id: int | None) -> Sequence[ProviderService]:
    return session.exec(select(ProviderService).where(ProviderService.provider_id == provider_id)).all()


def _provider_users(session: Session, provider_id: int | None) -> Sequence[ProviderUser]:
    return session.exec(select(ProviderUser).where(ProviderUser.provider_id == provider_id)).all()


def provider_person_ids(session: Session, *, provider_id: int | None) -> set[int]:
    return {link.person_id for link in _provider_users(session, provider_id)}


def providers_of(session: Session, *, coop_id: int, person_id: int) -> Sequence[Provider]:
    """The partner organisations a provider user redeems for, in this cooperative."""
    return session.exec(select(Provider).join(ProviderUser, ProviderUser.provider_id == Provider.id)
                        .where(Provider.coop_id == coop_id, ProviderUser.person_id == person_id)
                        .order_by(Provider.name)).all()


def card_of(session: Session, *, coop_id: int, household_id: int) -> ChequeCard:
    """The household's short code, made on first use (random, unique in the cooperative)."""
    card = session.get(ChequeCard, household_id)
    if card is not None:
        return card
    while True:
        code = new_code()
        if find_card(session, coop_id=coop_id, code=code) is None:
            break
    card = ChequeCard(household_id=household_id, coop_id=coop_id, code=code)
    session.add(card)
    session.flush()
    return card


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def find_card(session: Session, *, coop_id: int, code: str) -> ChequeCard | None:
    return session.exec(select(ChequeCard).where(ChequeCard.coop_id == coop_id,
                                                 ChequeCard.code == normalise_code(code))).first()
