"""Logs for operators: one line per event, JSON objects in production, never personal data.

A request is logged with its URL *rule* (``/c/<slug>/bookings/<int:booking_id>``), never the
real path, query string, form, client address or cookies, so a log shipped to a hosting
provider holds no e-mail address, name, token or address of a family. Exceptions are logged
with their type and stack frames only: their message may quote a value (a database error
repeats the duplicate e-mail address, for instance).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import IO

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

from config import Settings

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
# An id handed over by the proxy in front (nginx's $request_id) is kept when it is plainly an
# id; anything else could carry text from the client, so a fresh one is made instead.
INCOMING_ID = re.compile(r"[0-9A-Fa-f-]{8,64}")
# Any other word a client sends as its method is logged as OTHER: it is the client's text.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HANDLER_NAME = "coop.logging"
request_log = logging.getLogger("coop.requests")


def _method() -> str:
    return request.method if request.method in METHODS else "OTHER"


class RequestFields(logging.Filter):
    """Adds the request id, method and URL rule to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "log_request_id" in g:
            record.__dict__.setdefault("request_id", g.log_request_id)
            record.__dict__.setdefault("method", _method())
            record.__dict__.setdefault("path", request.url_rule.rule if request.url_rule else None)
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, process and request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        entry.update({name: record.__dict__[name] for name in REQUEST_FIELDS if name in record.__dict__})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = {
                "type": record.exc_info[0].__qualname__,
                "frames": [f"{frame.filename}:{frame.lineno} in {frame.name}"
                           for frame in traceback.extract_tb(record.exc_info[2])],
            }
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    """A readable line for a developer's terminal; the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = record.__dict__.get("request_id")
        return f"{line} [{request_id}]" if request_id else line


def configure(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of this process to ``stream`` (stderr) in the configured format.

    Called by the entry points (``wsgi.py``, the ``coop`` command), never by ``create_app``,
    so tests and embedding code keep their own logging. Calling it again replaces the handler.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonLines() if settings.resolved_log_format == "json" else TextLines())
    handler.addFilter(RequestFields())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Flask's own handler on the "coop" logger would print every record a second time.
    logging.getLogger("coop").removeHandler(default_handler)
    # The development server's access log carries the client address and the full path
    # with its query string: the request log above replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # APScheduler logs two lines per job run, every 15 seconds for the solve queue; the jobs
    # log what they did themselves, so only its warnings (missed runs, errors) are kept.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


def init_app(app: Flask) -> None:
    """Give each request an id (also sent back as ``X-Request-ID``) and log it when answered."""

    @app.before_request
    def start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.log_request_id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.log_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("log_started")
        if started is None:
            return response
        request_id = g.log_request_id
        rule = request.url_rule.rule if request.url_rule else None
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        method = _method()
        request_log.log(level, "%s %s %d in %.1f ms", method, rule or "(no route)", response.status_code,
                        duration_ms, extra={"request_id": request_id, "method": method, "path": rule,
                                            "status": response.status_code, "duration_ms": duration_ms})
        response.headers["X-Request-ID"] = request_id
        return response
