"""Writing notices to people and handing them to the mail server when there is one.

Callers write the subject and body inside `in_language(person, coop)`, so each notice is in
its reader's language. `notify` only adds a row to the caller's transaction: a notice is
kept exactly when the change it announces is committed, and mail is sent afterwards by
`deliver_pending` (a scheduled job), never inside the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask_babel import force_locale
from sqlmodel import Session, col, select

from config import Settings
from coop.auth.models import Person
from coop.clock import utcnow
from coop.cooperatives.models import Cooperative
from coop.db import Database
from coop.mail import send
from coop.outbox.models import OutboxMessage

log = logging.getLogger("coop.outbox")
PAGE_SIZE = 100


@contextmanager
def in_language(person: Person, coop: Cooperative | None = None) -> Iterator[None]:
    """Translate what is written inside in the person's language (else the cooperative's)."""
    language = person.language or (coop.language if coop else None) or "fr"
    with force_locale(language):
        yield


def notify(session: Session, *, coop_id: int | None, person_id: int, topic: str, subject: str, body: str,
           link: str = "") -> OutboxMessage:
    """Keep one notice for one person, in the caller's transaction."""
    message = OutboxMessage(coop_id=coop_id, person_id=person_id, topic=topic, subject=subject[:200],
                            body=body[:4000], link=link[:300])
    session.add(message)
    return message


def messages_for(session: Session, *, person_id: int, coop_id: int | None = None) -> Sequence[OutboxMessage]:
    """A person's newest notices (of one cooperative when given)."""
    stmt = select(OutboxMessage).where(OutboxMessage.person_id == person_id)
    if coop_id is not None:
        stmt = stmt.where(OutboxMessage.coop_id == coop_id)
    return session.exec(stmt.order_by(col(OutboxMessage.id).desc()).limit(PAGE_SIZE)).all()


def coop_messages(session: Session, *, coop_id: int) -> Sequence[OutboxMessage]:
    """Every notice of one cooperative, newest first: the coordinator's outbox."""
    stmt = select(OutboxMessage).where(OutboxMessage.coop_id == coop_id)
    return session.exec(stmt.order_by(col(OutboxMessage.id).desc()).limit(PAGE_SIZE)).all()


def mark_read(session: Session, *, person_id: int, coop_id: int) -> int:
    """Mark a person's notices of one cooperative as read; returns how many changed."""
    unread = session.exec(select(OutboxMessage).where(OutboxMessage.person_id == person_id,
                                                      OutboxMessage.coop_id == coop_id,
                                                      col(OutboxMessage.read_at).is_(None))).all()
    now = utcnow()
    for message in unread:
        message.read_at = now
    return len(unread)


def deliver_pending(database: Database, settings: Settings, *, batch: int = 200) -> int:
    """Mail the notices not mailed yet, one commit per message so a failure loses nothing and
    sends nothing twice; without a mail server it does nothing."""
    if not settings.mail_server:
        return 0
    sent = 0
    with database.scope() as session:
        pending = session.exec(select(OutboxMessage.id).where(col(OutboxMessage.mailed_at).is_(None))
                               .order_by(col(OutboxMessage.id)).limit(batch)).all()
    for message_id in pending:
        with database.scope() as session:
            message = session.get(OutboxMessage, message_id)
            person = session.get(Person, message.person_id) if message else None
            if message is None or person is None or message.mailed_at is not None:
                continue
            try:
                send(settings, to=person.email, subject=message.subject, body=message.body)
            except OSError:
                log.warning("mail server refused outbox message %d; will retry", message_id)
                return sent
            message.mailed_at = utcnow()
            sent += 1
    return sent
