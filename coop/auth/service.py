"""Accounts: log in (rate-limited), server-side sessions, passwords, invitations, resets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, text, update
from sqlmodel import Session, col, select

from coop.auth.models import Invitation, LoginAttempt, LoginSession, PasswordReset, Person
from coop.auth.passwords import hash_password, verify_password
from coop.auth.tokens import new_token, token_hash
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.errors import Conflict, DomainError, NotFound, RateLimited, ValidationFailed
from coop.members.models import ROLES, Household, Membership

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


@dataclass(frozen=True)
class RateLimit:
    """Failed logins allowed per account and per IP within ``window``."""

    per_account: int
    per_ip: int
    window: timedelta

    @classmethod
    def of(cls, settings: Any) -> RateLimit:
        """The limit configured in the settings (``login_*``), shared by the page and the API."""
        return cls(settings.login_max_failures_per_account, settings.login_max_failures_per_ip,
                   timedelta(minutes=settings.login_window_minutes))


def normalize_email(raw: str, *, field: str = "email") -> str:
    """A syntactically valid, lower-cased e-mail address, or a field error."""
    raw = (raw or "").strip()
    if len(raw) > 254:
        raise ValidationFailed(_l("Check the form."), fields={field: _l("This e-mail address is too long.")})
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(
            _l("Check the form."), fields={field: _l("Enter a valid e-mail address, like name@example.be.")}
        ) from None


def check_new_password(password: str, *, field: str = "password") -> None:
    """Length rules only: long passphrases are what we ask for, not symbol puzzles."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _l("Check the form."),
            fields={field: _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(_l("Check the form."), fields={field: _l("This password is too long.")})


def _failures(session: Session, key: str, since) -> int:  # noqa: ANN001
    stmt = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key_hash == token_hash(key), LoginAttempt.attempted_at >= since
    )
    return int(session.exec(stmt).one())


def authenticate(session: Session, *, email: str, password: str, ip: str, limit: RateLimit) -> Person:
    """The person for these credentials. Failures are counted in the database (so the limit
    holds across processes); the caller must commit even when this raises."""
    since = utcnow() - limit.window
    account_key, ip_key = f"account:{(email or '').strip().lower()}", f"ip:{ip}"
    if session.get_bind().dialect.name == "postgresql":
        # Attempts on one account wait for each other until the caller commits, so a burst
        # sent at once cannot all count zero failures before any is recorded. (SQLite's write
        # transactions are serialised already.) Per address the limit stays approximate:
        # locking it would make every parent behind one school's router wait in turn.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": token_hash(account_key)})
    if _failures(session, account_key, since) >= limit.per_account or _failures(session, ip_key, since) >= limit.per_ip:
        raise RateLimited(_l("Too many failed attempts. Wait %(m)d minutes and try again.",
                             m=int(limit.window.total_seconds() // 60)))
    person = session.exec(select(Person).where(Person.email == (email or "").strip().lower())).first()
    ok = verify_password(person.password_hash if person else None, password or "")
    if not ok or person is None or not person.is_active:
        session.add(LoginAttempt(key_hash=token_hash(account_key)))
        session.add(LoginAttempt(key_hash=token_hash(ip_key)))
        session.flush()
        raise InvalidCredentials(_l("E-mail address or password is wrong."))
    return person


def start_session(session: Session, *, person: Person) -> str:
    """Open a server-side login session; returns the token the cookie will carry."""
    token = new_token()
    session.add(LoginSession(person_id=person.id, token_hash=token_hash(token)))
    session.flush()
    return token


@dataclass(frozen=True)
class CoopAccess:
    """The cooperative behind a URL's slug (None: no such cooperative) and the person's
    memberships in it (empty: none)."""

    slug: str
    coop: Cooperative | None
    memberships: list[Membership]


# The statements of every request are built once, with named parameters: building one costs
# more CPU than PostgreSQL takes to run it.
_LIVE = (LoginSession.token_hash == bindparam("token_hash"), col(LoginSession.revoked_at).is_(None),
         col(LoginSession.created_at) > bindparam("oldest"))
_PERSON = select(Person).join(LoginSession, LoginSession.person_id == Person.id).where(*_LIVE)
_PERSON_AND_ACCESS = (
    select(Person, Cooperative, Membership).select_from(LoginSession)
    .join(Person, Person.id == LoginSession.person_id)
    .outerjoin(Cooperative, Cooperative.slug == bindparam("slug"))
    .outerjoin(Membership, and_(Membership.coop_id == Cooperative.id, Membership.person_id == Person.id))
    .where(*_LIVE)
)
_ACCESS = (select(Cooperative, Membership)
           .outerjoin(Membership, and_(Membership.coop_id == Cooperative.id,
                                       Membership.person_id == bindparam("person_id")))
           .where(Cooperative.slug == bindparam("slug")))


def _access(slug: str, rows: Sequence[tuple[Cooperative | None, Membership | None]]) -> CoopAccess:
    coop = rows[0][0] if rows else None
    return CoopAccess(slug=slug, coop=coop, memberships=[m for _, m in rows if m is not None])


def coop_access(session: Session, *, person_id: int, slug: str) -> CoopAccess:
    """The cooperative and the person's memberships in it, in one query."""
    return _access(slug, session.exec(_ACCESS, params={"person_id": person_id, "slug": slug}).all())


def resolve_session(session: Session, *, token: str, max_age: timedelta, slug: str | None = None
                    ) -> tuple[Person, CoopAccess | None] | None:
    """The active person behind a live session token (not revoked, begun less than
    ``max_age`` ago), else None. With ``slug``, also the person's access to that cooperative,
    read in the same query: every request inside a cooperative needs both, and one round trip
    is cheaper than three."""
    params = {"token_hash": token_hash(token), "oldest": utcnow() - max_age}
    if slug is None:
        person = session.exec(_PERSON, params=params).first()
        return (person, None) if person is not None and person.is_active else None
    rows = session.exec(_PERSON_AND_ACCESS, params={**params, "slug": slug}).all()
    if not rows or not rows[0][0].is_active:
        return None
    return rows[0][0], _access(slug, [(coop, membership) for _, coop, membership in rows])


def roles_by_cooperative(session: Session, *, person_id: int) -> list[tuple[Cooperative, list[str]]]:
    """Each cooperative where the person holds a role, by name, with those roles sorted."""
    rows = session.exec(select(Cooperative, Membership.role).join(Membership, Membership.coop_id == Cooperative.id)
                        .where(Membership.person_id == person_id)
                        .order_by(Cooperative.name, Cooperative.id, Membership.role)).all()
    grouped: dict[int, tuple[Cooperative, list[str]]] = {}
    for coop, role in rows:
        grouped.setdefault(coop.id, (coop, []))[1].append(role)
    return list(grouped.values())


def revoke_session(session: Session, *, token: str) -> None:
    session.exec(
        update(LoginSession).where(LoginSession.token_hash == token_hash(token)).values(revoked_at=utcnow())
    )


def revoke_other_sessions(session: Session, *, person_id: int, keep_token: str | None) -> None:
    """End every session of a person except ``keep_token`` (after a password change)."""
    stmt = update(LoginSession).where(LoginSession.person_id == person_id, LoginSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != token_hash(keep_token))
    session.exec(stmt.values(revoked_at=utcnow()))


def change_password(session: Session, *, person: Person, current: str, new: str, keep_token: str) -> None:
    """Change a password and log out every other device."""
    if not verify_password(person.password_hash, current or ""):
        raise ValidationFailed(_l("Check the form."),
                               fields={"current_password": _l("This is not your current password.")})
    check_new_password(new, field="new_password")
    person.password_hash = hash_password(new)
    session.add(person)
    revoke_other_sessions(session, person_id=person.id, keep_token=keep_token)
    session.flush()


def create_person(session: Session, *, email: str, display_name: str, password: str | None,
                  language: str | None = None) -> Person:
    """A new login; the e-mail must be free."""
    email = normalize_email(email)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 120:
        raise ValidationFailed(_l("Check the form."),
                               fields={"display_name": _l("Enter a name of 1 to 120 characters.")})
    if password is not None:
        check_new_password(password)
    if session.exec(select(Person).where(Person.email == email)).first():
        raise Conflict(_l("This e-mail address already has an account."), code="email_taken",
                       fields={"email": _l("This e-mail address already has an account.")})
    person = Person(email=email, display_name=display_name, language=language,
                    password_hash=hash_password(password) if password else None)
    session.add(person)
    session.flush()
    return person


def create_invitation(session: Session, *, coop_id: int, email: str, role: str, household_id: int | None,
                      actor_id: int, valid_days: int) -> str:
    """Invite someone to a role in a cooperative; returns the secret token of the link."""
    email = normalize_email(email)
    if role not in ROLES:
        raise ValidationFailed(_l("Check the form."), fields={"role": _l("Choose a role from the list.")})
    if household_id is not None:
        household = session.get(Household, household_id)
        if household is None or household.coop_id != coop_id:
            raise ValidationFailed(_l("Check the form."),
                                   fields={"household_id": _l("Choose a household from the list.")})
    existing = session.exec(
        select(Membership).join(Person, Person.id == Membership.person_id).where(
            Person.email == email, Membership.coop_id == coop_id, Membership.role == role)
    ).first()
    if existing:
        raise Conflict(_l("This person already has this role."), code="duplicate_membership",
                       fields={"email": _l("This person already has this role.")})
    token = new_token()
    session.add(Invitation(coop_id=coop_id, email=email, role=role, household_id=household_id,
                           token_hash=token_hash(token), created_by_id=actor_id,
                           expires_at=utcnow() + timedelta(days=valid_days)))
    session.flush()
    return token


def find_invitation(session: Session, *, token: str) -> Invitation:
    """The open invitation behind a link, or NotFound (used, expired or unknown alike)."""
    inv = session.exec(select(Invitation).where(Invitation.token_hash == token_hash(token or ""))).first()
    if inv is None or inv.accepted_at is not None or inv.expires_at < utcnow():
        raise NotFound(_l("This invitation link is no longer valid. Ask your coordinator for a new one."),
                       code="invitation_invalid")
    return inv


def accept_invitation(session: Session, *, token: str, display_name: str, password: str) -> Person:
    """Turn an invitation into a membership, creating the login when it does not exist yet."""
    inv = find_invitation(session, token=token)
    person = session.exec(select(Person).where(Person.email == inv.email)).first()
    if person is None:
        person = create_person(session, email=inv.email, display_name=display_name, password=password)
    elif person.password_hash is None:
        check_new_password(password)
        person.password_hash = hash_password(password)
    add_membership(session, coop_id=inv.coop_id, person_id=person.id, role=inv.role, household_id=inv.household_id)
    inv.accepted_at = utcnow()
    session.add(inv)
    session.flush()
    return person


def add_membership(session: Session, *, coop_id: int, person_id: int, role: str,
                   household_id: int | None = None) -> Membership:
    """Give a person a role in a cooperative (one row per role; duplicates refused)."""
    if role not in ROLES:
        raise ValidationFailed(_l("Check the form."), fields={"role": _l("Choose a role from the list.")})
    dup = session.exec(select(Membership).where(Membership.coop_id == coop_id, Membership.person_id == person_id,
                                                Membership.role == role)).first()
    if dup:
        raise Conflict(_l("This person already has this role."), code="duplicate_membership")
    membership = Membership(coop_id=coop_id, person_id=person_id, role=role, household_id=household_id)
    session.add(membership)
    session.flush()
    return membership


def request_password_reset(session: Session, *, email: str, valid_minutes: int) -> tuple[Person, str] | None:
    """A reset token for an existing account; None otherwise (the caller says the same either way)."""
    person = session.exec(select(Person).where(Person.email == (email or "").strip().lower())).first()
    if person is None or not person.is_active:
        return None
    token = new_token()
    session.add(PasswordReset(person_id=person.id, token_hash=token_hash(token),
                              expires_at=utcnow() + timedelta(minutes=valid_minutes)))
    session.flush()
    return person, token


def reset_password(session: Session, *, token: str, new_password: str) -> Person:
    """Set a new password from a reset link (once) and end all the person's sessions."""
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        raise NotFound(_l("This reset link is no longer valid. Ask for a new one."), code="reset_invalid")
    check_new_password(new_password)
    person = session.get(Person, reset.person_id)
    person.password_hash = hash_password(new_password)
    reset.used_at = utcnow()
    session.add_all([person, reset])
    revoke_other_sessions(session, person_id=person.id, keep_token=None)
    session.flush()
    return person


def purge_login_records(session: Session, *, older_than: timedelta) -> int:
    """Delete old failed-login rows and revoked sessions (housekeeping job)."""
    cutoff = utcnow() - older_than
    old = session.exec(select(LoginAttempt).where(LoginAttempt.attempted_at < cutoff)).all()
    for row in old:
        session.delete(row)
    session.flush()
    return len(old)
