"""Errors of the domain: services raise them, the HTML layer shows their translated message,
the API answers ``{"error": {"code", "message", "fields"}}`` with their 4xx status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user can act on. ``message`` is a (lazy) translated string."""

    status = 400
    code = "bad_request"

    def __init__(self, message: Any, *, code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(code or self.code))
        self.message = message
        if code:
            self.code = code
        self.fields: dict[str, Any] = fields or {}

    def as_json(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self.message),
                "fields": {name: str(msg) for name, msg in self.fields.items()},
            }
        }


class ValidationFailed(DomainError):
    """One or more fields are wrong; ``fields`` maps field name to its message."""

    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    """Unknown id, or an id of another cooperative (indistinguishable on purpose)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with existing data (duplicate membership, e-mail taken...)."""

    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
