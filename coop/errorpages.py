"""Every error ends as a translated page or a JSON ``{"error": {...}}``: never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from coop.auth.permissions import access_of
from coop.errors import DomainError

log = logging.getLogger("coop")
PUBLIC_ENDPOINTS = frozenset({"static"})

HTTP_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please log in first."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("This page does not exist, or you do not have access to it."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many requests. Wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Nothing was changed; please try again."),
    503: lambda: _("The service is unavailable for a moment. Please try again in a minute."),
}
#: Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_S = 30


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.before_request
    def deny_by_default() -> None:
        """Refuse any endpoint that declares no access rule (a forgotten decorator)."""
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return
        if access_of(app.view_functions.get(request.endpoint)) is None:
            log.error("endpoint %s declares no access rule", request.endpoint)
            abort(404)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, str(exc.message),
                              {k: str(v) for k, v in exc.fields.items()})

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf_failed",
                              _("This form has expired. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | tuple:
        status = exc.code or 500
        if status == 401 and not wants_json():
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400])()
        return error_response(status, exc.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.endpoint)
        if isinstance(exc, OperationalError | InterfaceError) or (
                isinstance(exc, DBAPIError) and exc.connection_invalidated):
            # The database is unreachable (restarting, failing over): answer as to an anonymous
            # visitor, since finding who is logged in (for the language, the menu) needs it too
            # and would raise again, inside this handler, leaving a bare server error page.
            g._login_user = current_app.login_manager.anonymous_user()
            response, status = error_response(503, "database_unavailable", HTTP_MESSAGES[503]())
            response = current_app.make_response((response, status))
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
            return response
        return error_response(500, "internal_error", HTTP_MESSAGES[500]())
