"""Security headers and cookie flags on every response."""

from __future__ import annotations

from flask import Flask, Response

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask, *, production: bool) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="__Host-coop" if production else "coop",
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        PREFERRED_URL_SCHEME="https" if production else "http",
    )

    @app.after_request
    def set_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
