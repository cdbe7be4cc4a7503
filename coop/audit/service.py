"""Recording and reading the audit log (ids only: the log itself must hold no personal data)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from coop.audit.models import AuditEntry

ACTIONS = ("read", "create", "update", "delete", "export")


def record(session: Session, *, coop_id: int | None, actor_id: int | None, action: str, object_type: str,
           object_id: int | None) -> None:
    """Append one entry; called by services that read or change sensitive data."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEntry(coop_id=coop_id, actor_id=actor_id, action=action, object_type=object_type,
                           object_id=object_id))


def list_entries(session: Session, *, coop_id: int, limit: int = 200,
                 before_id: int | None = None) -> Sequence[AuditEntry]:
    """The newest entries of one cooperative, newest first."""
    stmt = select(AuditEntry).where(AuditEntry.coop_id == coop_id)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
