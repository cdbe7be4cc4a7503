"""Checks shared by the domain tests: a refused request changes nothing, audit entries hold ids.

Each helper ends its read transaction, so the test's session never holds an old snapshot
while the client's requests write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select as table_select
from sqlmodel import Session, col, func, select

from coop.audit.models import AuditEntry
from coop.models import metadata

# Login bookkeeping and read audits may change on any request; everything else must not.
NOT_DOMAIN = {"audit_entry", "login_session", "login_attempt"}


def domain_rows(db: Session) -> dict[str, list[str]]:
    """Every row of every domain table, comparable before and after a request."""
    db.rollback()
    rows = {table.name: sorted(repr(tuple(row)) for row in db.connection().execute(table_select(table)).all())
            for table in metadata.sorted_tables if table.name not in NOT_DOMAIN}
    db.rollback()
    return rows


def audited_changes(db: Session) -> int:
    """How many audit entries record a change (not a read)."""
    db.rollback()
    count = int(db.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action != "read")).one())
    db.rollback()
    return count


@contextmanager
def nothing_changes(db: Session) -> Iterator[None]:
    """Wrap a refused request: afterwards every domain row and the change log are as before."""
    before, changes = domain_rows(db), audited_changes(db)
    yield
    assert domain_rows(db) == before
    assert audited_changes(db) == changes


def audit_trail(db: Session, **filters: Any) -> list[tuple[str, str, int | None]]:
    """(action, object_type, object_id) of the audit entries matching ``filters``, oldest first."""
    db.rollback()
    stmt = select(AuditEntry).filter_by(**filters).order_by(col(AuditEntry.id))
    trail = [(e.action, e.object_type, e.object_id) for e in db.exec(stmt).all()]
    db.rollback()
    return trail


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of a JSON refusal, after checking its shape."""
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
