"""JSON API for logging in from an app or a script: bearer tokens, and who the caller is."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coop.auth import service
from coop.auth.permissions import logged_in, public
from coop.db import get_session
from coop.errors import DomainError, ValidationFailed
from coop.forms import form_values

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")
TOKEN_FIELDS = ("email", "password")


@bp.post("/auth/token")
@public
def issue_token():
    """A new bearer token for the person whose e-mail and password these are. Failed attempts
    count towards the same limit as the login page's."""
    values = form_values(TOKEN_FIELDS)
    missing = {name: _l("This field is required.") for name in TOKEN_FIELDS if not values[name]}
    if missing:
        raise ValidationFailed(_l("Check the form."), fields=missing)
    session = get_session()
    try:
        person = service.authenticate(session, email=values["email"], password=values["password"],
                                      ip=request.remote_addr or "unknown",
                                      limit=service.RateLimit.of(current_app.extensions["coop.settings"]))
    except DomainError:
        session.commit()  # the failed attempt must count, across processes
        raise
    token = service.start_session(session, person=person)
    session.commit()
    response = jsonify({"token": token, "token_type": "Bearer"})
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.delete("/auth/token")
@logged_in
def revoke_token():
    """Revoke the token this request was authenticated with (a cookie's, when sent with one)."""
    session = get_session()
    service.revoke_session(session, token=current_user.token)
    session.commit()
    return "", 204


@bp.get("/me")
@logged_in
def me():
    person = current_user.person
    memberships = service.roles_by_cooperative(get_session(), person_id=person.id)
    return jsonify({"id": person.id, "email": person.email, "display_name": person.display_name,
                    "language": person.language,
                    "memberships": [{"slug": coop.slug, "name": coop.name, "roles": roles}
                                    for coop, roles in memberships]})
