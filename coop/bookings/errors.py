"""Why a booking is refused: each a typed domain error with a stable machine-readable code."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from coop.errors import Conflict, ValidationFailed


class SlotUnavailable(Conflict):
    """The site (or the child) has no room for this time; alternatives may be proposed."""


class CapacityFull(SlotUnavailable):
    code = "capacity_full"

    def __init__(self) -> None:
        super().__init__(_l("The site is full at this time."))


class BedsFull(SlotUnavailable):
    code = "no_bed"

    def __init__(self) -> None:
        super().__init__(_l("No bed is free for this night."))


class ChildAlreadyBooked(Conflict):
    code = "child_already_booked"

    def __init__(self) -> None:
        super().__init__(_l("This child is already booked at an overlapping time."))


class SeriesRefused(Conflict):
    """A repeated booking is all-or-nothing: ``refusals`` lists each refused date and why."""

    code = "series_refused"

    def __init__(self, refusals: list[dict[str, Any]]) -> None:
        super().__init__(_l("Nothing was booked: some dates cannot be booked."))
        self.refusals = refusals

    def as_json(self) -> dict[str, Any]:
        body = super().as_json()
        body["error"]["dates"] = self.refusals
        return body


class RuleBroken(ValidationFailed):
    """A cooperative rule or the site's opening hours forbid this time (422, field named)."""

    field = "start"

    def __init__(self, message: Any) -> None:
        super().__init__(message, fields={self.field: message})


class EndBeforeStart(RuleBroken):
    code = "end_before_start"
    field = "end"

    def __init__(self) -> None:
        super().__init__(_l("The end must be after the start."))


class InPast(RuleBroken):
    code = "in_past"

    def __init__(self) -> None:
        super().__init__(_l("This time is already past."))


class TooLate(RuleBroken):
    code = "too_late"

    def __init__(self, minutes: int) -> None:
        super().__init__(_l("Book at least %(n)d minutes in advance.", n=minutes))


class TooFarAhead(RuleBroken):
    code = "too_far_ahead"

    def __init__(self, days: int) -> None:
        super().__init__(_l("You can book at most %(n)d days ahead.", n=days))


class TooLong(RuleBroken):
    code = "too_long"
    field = "end"

    def __init__(self, hours: int) -> None:
        super().__init__(_l("One booking lasts at most %(n)d hours.", n=hours))


class OutsideOpeningHours(RuleBroken):
    code = "outside_opening_hours"

    def __init__(self) -> None:
        super().__init__(_l("The site is closed during part of this time."))


class TimeDoesNotExist(RuleBroken):
    code = "time_does_not_exist"

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(_l("This time does not exist: the clocks change that night."))
