"""Flask-Login wiring: the cookie holds a server-side session token, not the person's id."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, UserMixin

from coop.auth import service
from coop.auth.models import Person
from coop.db import get_session


class CurrentUser(UserMixin):
    """The logged-in person for this request and the session token that authenticated it."""

    def __init__(self, person: Person, token: str) -> None:
        self.person = person
        self.token = token
        self.id = person.id

    def get_id(self) -> str:
        return self.token

    @property
    def display_name(self) -> str:
        return self.person.display_name


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.session_protection = "basic"
    manager.init_app(app)

    @manager.user_loader
    def load_user(token: str) -> CurrentUser | None:
        person = service.resolve_session(get_session(), token=token)
        return CurrentUser(person, token) if person else None
