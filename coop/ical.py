"""iCalendar (RFC 5545) text, shared by the households' booking feeds and the caregivers'
shift feeds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def escape_text(value: str) -> str:
    """A TEXT value with its backslashes, commas, semicolons and newlines escaped (RFC 5545 §3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    data, parts = line.encode(), list[str]()
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def stamp(value: datetime) -> str:
    """A UTC instant as an iCalendar DATE-TIME."""
    return value.strftime("%Y%m%dT%H%M%SZ")


def event(uid: str, *, now: datetime, start: datetime, end: datetime, summary: str,
          location: str | None) -> list[str]:
    """The lines of one VEVENT; no LOCATION line when ``location`` is None."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp(now)}", f"DTSTART:{stamp(start)}",
             f"DTEND:{stamp(end)}", f"SUMMARY:{escape_text(summary)}"]
    if location is not None:
        lines.append(f"LOCATION:{escape_text(location)}")
    return [*lines, "END:VEVENT"]


def calendar(product: str, events: Iterable[list[str]]) -> str:
    """A whole VCALENDAR with CRLF line ends and folded lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//Cooparentive//{product}//EN", "CALSCALE:GREGORIAN"]
    for lines_of_event in events:
        lines += lines_of_event
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold_line(line) for line in lines) + "\r\n"
