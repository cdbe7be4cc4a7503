"""Frozen dataclasses in (`Problem`) and out (`Solution`) of the rostering engine.

Everything is identified by plain string ids and measured in integer minutes, so the
package never sees an ORM row and never rounds money or time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

MINUTES_PER_DAY = 1440
#: Floor for a household's fairness target, so a household far ahead of its pledge still
#: has a finite relative deviation.
MIN_FAIRNESS_TARGET = 60
#: Relative deviations are measured in per-mille.
PER_MILLE = 1000


class Kind(StrEnum):
    """What sort of caregiver someone is; professionals are paid staff or flying pros."""

    VOLUNTEER = "volunteer"
    STAFF = "staff"
    PROFESSIONAL = "professional"


class Status(StrEnum):
    """Outcome of a solve, as a coordinator would read it."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ShiftType:
    """A staffing window repeated every day: start and length in minutes, at a site."""

    id: str
    start_minute: int
    length_minutes: int
    site: str = ""
    forbidden_successors: frozenset[str] = frozenset()
    is_night: bool = False


@dataclass(frozen=True)
class Demand:
    """What one shift occurrence (day, shift type) needs.

    `qualified` maps a qualification to how many assigned caregivers must hold it;
    `is_coverage_hard` makes those minimums and `min_professionals` hard constraints
    (otherwise they are soft with the `Weights` shortfall weights).
    """

    day: int
    shift: str
    required: int
    under_weight: int = 10_000
    over_weight: int = 100
    qualified: Mapping[str, int] = field(default_factory=dict)
    min_professionals: int = 0
    is_coverage_hard: bool = False


@dataclass(frozen=True)
class Rules:
    """Per-caregiver parameters of the hard rules; `None` means unlimited."""

    max_per_shift: Mapping[str, int] = field(default_factory=dict)
    min_minutes: int = 0
    max_minutes: int | None = None
    min_week_minutes: int = 0
    max_week_minutes: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    max_consecutive_nights: int | None = None
    max_weekends: int | None = None
    min_rest_hours: int = 11


@dataclass(frozen=True)
class Household:
    """A volunteer household: its pledge over the horizon and its contribution balance.

    A negative balance means the household is behind its pledge, so it is asked for more.
    """

    id: str
    pledge_minutes: int
    balance_minutes: int = 0

    @property
    def target_minutes(self) -> int:
        """Minutes the household should work this horizon (pledge corrected by balance)."""
        return max(MIN_FAIRNESS_TARGET, self.pledge_minutes - self.balance_minutes)


@dataclass(frozen=True)
class Caregiver:
    """Someone who can work: availability is given as the unavailable occurrences."""

    id: str
    kind: Kind
    qualifications: frozenset[str] = frozenset()
    household: str | None = None
    unavailable: frozenset[tuple[int, str]] = frozenset()
    days_off: frozenset[int] = frozenset()
    contract_minutes_per_week: int = 0
    rules: Rules = field(default_factory=Rules)

    @property
    def is_professional(self) -> bool:
        """Paid staff and flying professionals count as professionals for coverage."""
        return self.kind is not Kind.VOLUNTEER


@dataclass(frozen=True)
class Request:
    """A wish to work (`is_on`) or not work a shift (`shift=None`: any shift that day)."""

    caregiver: str
    day: int
    shift: str | None
    weight: int
    is_on: bool


@dataclass(frozen=True, order=True)
class Assignment:
    """One caregiver working one shift occurrence."""

    caregiver: str
    day: int
    shift: str


@dataclass(frozen=True)
class Weights:
    """Weights of the soft rules that are not carried by demands or requests."""

    qualification_shortfall: int = 5_000
    professional_shortfall: int = 5_000
    fairness_worst: int = 20
    fairness_total: int = 1
    night_spread: int = 200
    weekend_spread: int = 200
    contract_deviation: int = 1
    professional_minute: int = 2
    stability: int = 300


@dataclass(frozen=True)
class Problem:
    """A rostering problem over `horizon_days` days; day 0 falls on `start_weekday`."""

    horizon_days: int
    shift_types: tuple[ShiftType, ...]
    demands: tuple[Demand, ...]
    caregivers: tuple[Caregiver, ...]
    households: tuple[Household, ...] = ()
    requests: tuple[Request, ...] = ()
    previous: tuple[Assignment, ...] = ()
    pinned: tuple[Assignment, ...] = ()
    weights: Weights = field(default_factory=Weights)
    start_weekday: int = 0
    name: str = ""

    @cached_property
    def shift_by_id(self) -> dict[str, ShiftType]:
        """Shift types by id."""
        return {s.id: s for s in self.shift_types}

    @cached_property
    def demand_by_occurrence(self) -> dict[tuple[int, str], Demand]:
        """Demands keyed by (day, shift id); only these occurrences can be staffed."""
        return {(d.day, d.shift): d for d in self.demands}

    @cached_property
    def household_by_id(self) -> dict[str, Household]:
        """Households by id."""
        return {h.id: h for h in self.households}

    def is_available(self, caregiver: Caregiver, day: int, shift: str) -> bool:
        """True when the caregiver may work this occurrence.

        It must be demanded, not a day off nor unavailable, and not a shift type the
        caregiver may work zero times.
        """
        return (
            (day, shift) in self.demand_by_occurrence
            and day not in caregiver.days_off
            and (day, shift) not in caregiver.unavailable
            and caregiver.rules.max_per_shift.get(shift) != 0
        )

    def weekends(self) -> list[list[int]]:
        """Days of each weekend (Saturday, Sunday) touched by the horizon, in order."""
        by_week: dict[int, list[int]] = {}
        for day in range(self.horizon_days):
            weekday = (self.start_weekday + day) % 7
            if weekday >= 5:
                by_week.setdefault((self.start_weekday + day) // 7, []).append(day)
        return list(by_week.values())

    def weeks(self) -> list[tuple[list[int], bool]]:
        """Days of each calendar week (Monday first) and whether it is complete."""
        by_week: dict[int, list[int]] = {}
        for day in range(self.horizon_days):
            by_week.setdefault((self.start_weekday + day) // 7, []).append(day)
        return [(days, len(days) == 7) for days in by_week.values()]


@dataclass(frozen=True)
class Unmet:
    """Demand left uncovered at one occurrence, with a reason a coordinator understands.

    `reason` is one of: "unavailable" (nobody free), "no_qualified_available",
    "already_working", "rest_rule", "hours_cap", "shift_limit", "sequence_rule", "cost_tradeoff".
    """

    day: int
    shift: str
    missing: int
    reason: str
    missing_qualified: Mapping[str, int] = field(default_factory=dict)
    missing_professionals: int = 0


@dataclass(frozen=True)
class CaregiverStats:
    """What one caregiver ends up doing; `target_minutes` is the household's fair share."""

    caregiver: str
    minutes: int
    shifts: int
    nights: int
    weekends: int
    target_minutes: int | None = None


@dataclass(frozen=True)
class Solution:
    """The roster found, its objective and bound, and the explanations around it.

    `objective` and `penalties` are computed from the roster itself; `solver_objective`
    is CP-SAT's figure, equal to it when optimal and never below it. `steps` logs what
    the search did (first solution, each LNS improvement).
    """

    status: Status
    objective: int | None
    bound: int | None
    assignments: tuple[Assignment, ...] = ()
    penalties: Mapping[str, int] = field(default_factory=dict)
    unmet: tuple[Unmet, ...] = ()
    stats: tuple[CaregiverStats, ...] = ()
    wall_s: float = 0.0
    steps: tuple[str, ...] = ()
    solver_objective: int | None = None

    @property
    def gap(self) -> float | None:
        """Relative optimality gap (0.0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))
