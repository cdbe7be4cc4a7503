"""The history of every governed setting, whoever changed it.

Decisions record their change themselves (with the proposal). Coordinators change the same
settings through their own screens, which know nothing of governance; rather than ask each
of those views to remember, a session listener notes which governed settings a transaction
touched and, just before it commits, records each one whose value differs from the last
recorded value, with the logged-in person as its author. A transaction rolled back records
nothing; a validation dry run (:func:`coop.governance.settings.validate`) is not noted.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from coop.errors import NotFound
from coop.governance.kinds import DRY_RUN, Setting
from coop.governance.models import SettingChange
from coop.governance.settings import SETTINGS

TOUCHED = "governance.touched"
WATCHED: dict[type, list[Setting]] = {}
for _setting in SETTINGS.values():
    for _model in _setting.watches:
        WATCHED.setdefault(_model, []).append(_setting)


def last_change(session: Session, *, coop_id: int, key: str, target: int | None) -> SettingChange | None:
    return session.exec(select(SettingChange).where(SettingChange.coop_id == coop_id,
                                                    SettingChange.setting_key == key,
                                                    SettingChange.setting_target == target)
                        .order_by(col(SettingChange.id).desc())).first()


def record(session: Session, *, coop_id: int, setting: Setting, target: int | None, proposal_id: int | None,
           person_id: int | None) -> SettingChange | None:
    """Record the setting's value now unless it equals the last one recorded."""
    try:
        value = setting.read(session, coop_id, target)
    except NotFound:
        return None
    last = last_change(session, coop_id=coop_id, key=setting.key, target=target)
    if last is not None and last.value == value:
        return None
    change = SettingChange(coop_id=coop_id, setting_key=setting.key, setting_target=target, value=value,
                           proposal_id=proposal_id, person_id=person_id)
    session.add(change)
    session.flush()
    return change


def _note_touched(session: OrmSession, flush_context: Any, instances: Any) -> None:
    if session.info.get(DRY_RUN):
        return
    touched: set[tuple[int, str, int | None]] = session.info.setdefault(TOUCHED, set())
    with session.no_autoflush:
        for row in (*session.new, *session.dirty, *session.deleted):
            for setting in WATCHED.get(type(row), ()):
                where = setting.locate(session, row)  # type: ignore[arg-type]
                if where is not None:
                    touched.add((where[0], setting.key, where[1]))


def _actor_id() -> int | None:
    if has_request_context() and current_user.is_authenticated:
        return int(current_user.id)
    return None


def _record_touched(session: OrmSession) -> None:
    # before_commit also fires when a savepoint is released: wait for the real commit.
    if not session.info.get(TOUCHED) or session.in_nested_transaction():
        return
    session.flush()
    touched = session.info.pop(TOUCHED, set())
    for coop_id, key, target in sorted(touched, key=lambda t: (t[0], t[1], t[2] or 0)):
        record(session, coop_id=coop_id, setting=SETTINGS[key], target=target,  # type: ignore[arg-type]
               proposal_id=None, person_id=_actor_id())


def _forget_touched(session: OrmSession, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(TOUCHED, None)


def init_app(app: Flask) -> None:
    """Listen on every session (web, jobs, CLI) once per process."""
    if not event.contains(OrmSession, "before_flush", _note_touched):
        event.listen(OrmSession, "before_flush", _note_touched)
        event.listen(OrmSession, "before_commit", _record_touched)
        event.listen(OrmSession, "after_soft_rollback", _forget_touched)
