"""Flask-Login wiring: the cookie holds a server-side session token, not the person's id.

A request is authenticated by exactly one thing: an ``Authorization: Bearer`` header when it
carries one (API clients), else the session cookie (browsers). Both kinds of token are
``LoginSession`` rows, so logging out, changing or resetting the password and erasure end
them alike."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, current_app, request
from flask_login import LoginManager, UserMixin
from flask_wtf import CSRFProtect

from coop.auth import service
from coop.auth.models import Person
from coop.db import get_session

# Writes that need no CSRF token even with a cookie: issuing an API token sets no cookie and
# answers only to the caller, so a forged cross-site request gains the forger nothing.
CSRF_EXEMPT_ENDPOINTS = frozenset({"auth_api.issue_token"})
MAX_TOKEN_LENGTH = 200


class CurrentUser(UserMixin):
    """The logged-in person for this request and the session token that authenticated it."""

    def __init__(self, person: Person, token: str, access: service.CoopAccess | None = None) -> None:
        self.person = person
        self.token = token
        self.id = person.id
        self._access = access

    def get_id(self) -> str:
        return self.token

    @property
    def display_name(self) -> str:
        return self.person.display_name

    def access_to(self, slug: str) -> service.CoopAccess:
        """The person's access to the cooperative ``slug``: the one read with the session when
        the request's URL names it, else read now."""
        if self._access is None or self._access.slug != slug:
            self._access = service.coop_access(get_session(), person_id=self.id, slug=slug)
        return self._access


def bearer_token(req: Request | None = None) -> str | None:
    """The token of an ``Authorization: Bearer`` header ('' when empty), None without one.
    Other schemes (Basic, added by a proxy's login prompt) do not count: browsers send those
    on their own, cross-site too."""
    scheme, _, token = (req or request).headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _user(token: str) -> CurrentUser | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    slug = (request.view_args or {}).get("slug")
    max_age = timedelta(days=current_app.extensions["coop.settings"].session_max_days)
    found = service.resolve_session(get_session(), token=token, max_age=max_age,
                                    slug=slug if isinstance(slug, str) else None)
    return CurrentUser(found[0], token, found[1]) if found else None


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.session_protection = "basic"
    manager.init_app(app)

    @manager.user_loader
    def load_user(token: str) -> CurrentUser | None:
        if bearer_token() is not None:
            return None  # the header decides alone, whatever cookie comes with it
        return _user(token)

    @manager.request_loader
    def load_user_from_header(req: Request) -> CurrentUser | None:
        token = bearer_token(req)
        return _user(token) if token is not None else None


def init_csrf(app: Flask) -> CSRFProtect:
    """CSRF tokens on every write made with the session cookie. A request carrying a bearer
    header is exempt: a page on another site cannot add that header (it would need a CORS
    preflight, and we answer none), and such a request ignores the cookie anyway."""
    csrf = CSRFProtect(app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def check_csrf() -> None:
        if (not app.config["WTF_CSRF_ENABLED"] or request.endpoint is None
                or request.endpoint in CSRF_EXEMPT_ENDPOINTS or bearer_token() is not None):
            return
        csrf.protect()

    return csrf
