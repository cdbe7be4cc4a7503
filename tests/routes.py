"""Every route of the app as a flat list of actions (one per rule and HTTP method), for the
security tests that must cover all of them. The list is read once per test process from a
throwaway app (its database is never opened), so it can parametrize tests at collection."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask

from coop import create_app
from coop.auth.permissions import PUBLIC, Access, access_of
from tests.conftest import make_settings

# The short, explicit list of endpoints anyone may use without logging in. Reviewed:
# bookings.calendar is a household's iCalendar feed behind a secret 256-bit token (404 otherwise);
# shifts.calendar is a caregiver's feed of published shifts, behind the same kind of token;
# openapi.document describes the JSON API (paths and fields, no data);
# auth_api.issue_token trades an e-mail and password for an API token (rate-limited like /login).
PUBLIC_ENDPOINTS = frozenset({
    "static", "auth.login", "auth.accept_invitation", "auth.forgot_password", "auth.reset_password",
    "home.index", "home.set_language", "home.health", "bookings.calendar", "shifts.calendar",
    "openapi.document", "auth_api.issue_token",
})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Action:
    """One rule reached with one method, and the access rule its view declares."""

    endpoint: str
    rule: str
    method: str
    access: Access | str | None

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(PARAM.findall(self.rule))

    @property
    def id_params(self) -> tuple[str, ...]:
        """The URL parameters naming rows (everything but the cooperative's slug and an ISO
        week, which names a period that every cooperative has)."""
        return tuple(p for p in self.params if p not in ("slug", "week"))

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def is_mutating(self) -> bool:
        return self.method in MUTATING_METHODS

    @property
    def is_public(self) -> bool:
        return self.access == PUBLIC or self.endpoint == "static"

    @property
    def roles(self) -> frozenset[str] | None:
        """The roles the route requires; None when any logged-in person (or member) may use it."""
        return self.access.roles if isinstance(self.access, Access) else None

    @property
    def in_coop(self) -> bool:
        return isinstance(self.access, Access) and self.access.in_coop

    def allows(self, role: str) -> bool:
        return isinstance(self.access, Access) and (self.access.roles is None or role in self.access.roles)

    def url(self, values: dict[str, Any]) -> str:
        """The path with each ``<param>`` replaced by ``values[param]``."""
        missing = [p for p in self.params if p not in values]
        if missing:
            raise KeyError(f"{self}: the security tests have no value for {missing}; add rows for them in "
                           f"tests/world.py")
        return PARAM.sub(lambda m: str(values[m.group(1)]), self.rule)


def actions_of(app: Flask) -> list[Action]:
    """Every (rule, method) pair of ``app``, HEAD and OPTIONS aside, in a stable order."""
    actions = [Action(rule.endpoint, rule.rule, method, access_of(app.view_functions[rule.endpoint]))
               for rule in app.url_map.iter_rules()
               for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(actions, key=lambda a: (a.rule, a.method))


@cache
def all_actions() -> tuple[Action, ...]:
    """The actions of a throwaway app, built once per process."""
    app = create_app(make_settings("sqlite://", Path(tempfile.gettempdir())))
    return tuple(actions_of(app))


def protected_actions() -> list[Action]:
    return [a for a in all_actions() if not a.is_public]
