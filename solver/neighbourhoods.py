"""Neighbourhoods of the large-neighbourhood search: which people and days a sub-solve frees.

Nurse-rostering rules bind along two axes: sequence rules (stretches, totals, weekends)
along one person's horizon, coverage across everybody on one day. No single cut serves
both, so there are several kinds: a few people over the whole horizon, everybody over
one or two windows of days, more people over half of it. Half of the time the cut is
centred on a badly covered occurrence, so the sub-problem can actually repair it; the
people freed for a missing person are then first those with room for one more shift.
`Neighbourhoods` learns which kind pays and how big each may be for the sub-solver to
close it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

#: Proto indices of the x variables of one (caregiver, day) cell.
Cells = dict[tuple[int, int], list[int]]


@dataclass(frozen=True)
class Shape:
    """What the neighbourhoods are cut from: people, days, and who can staff what.

    `occurrences` lists, per demanded occurrence, its day, its requirement, the weights
    of a missing and of a surplus person, and the (person, x-variable index) pairs that
    could staff it. `caps` holds, for each person whose total minutes are capped, the
    most minutes they may have worked and still take their shortest shift, with the
    (x-variable index, minutes) pairs of their shifts.
    """

    people: int
    days: int
    occurrences: list[tuple[int, int, int, int, list[tuple[int, int]]]]
    caps: dict[int, tuple[int, list[tuple[int, int]]]] = field(default_factory=dict)

    def room(self, best: list[int]) -> set[int]:
        """People who could take one more shift in `best` without passing their cap."""
        full = {
            c
            for c, (most, worked) in self.caps.items()
            if sum(minutes for index, minutes in worked if best[index]) > most
        }
        return set(range(self.people)) - full


#: Neighbourhood kinds: `size` counts people for "people" and "block", days otherwise.
KINDS = ("people", "days", "two_windows", "block")
DAY_KINDS = ("days", "two_windows")


@dataclass
class Neighbourhoods:
    """Adaptive choice of the neighbourhood kind and of its size.

    A kind is drawn with probability proportional to its score, a running average of
    its recent improvements (plus a floor, so no kind starves). Each kind has its own
    size: it grows while its sub-problems are solved to optimality and shrinks when
    they time out, so each settles where CP-SAT just manages to close it.
    """

    shape: Shape
    sizes: dict[str, int]
    scores: dict[str, float]

    @classmethod
    def start(cls, shape: Shape) -> Neighbourhoods:
        """Initial sizes: a few people, a few days."""
        sizes = {
            "people": min(shape.people, 4),
            "days": min(shape.days, 3),
            "two_windows": min(shape.days, 4),
            "block": min(shape.people, 8),
        }
        return cls(shape, sizes, dict.fromkeys(KINDS, 1.0))

    def choose(self, rng: random.Random) -> str:
        """A kind, drawn by score."""
        kinds = [k for k in KINDS if k in ("people", "days") or self.shape.days >= 4]
        return rng.choices(kinds, [self.scores[k] + SCORE_FLOOR for k in kinds])[0]

    def learn(self, kind: str, is_optimal: bool, gain: float, rng: random.Random) -> None:
        """Update the kind's score with `gain` (0..1) and its size with the outcome."""
        self.scores[kind] = (1 - SCORE_RATE) * self.scores[kind] + SCORE_RATE * gain
        top = self.shape.days if kind in DAY_KINDS else self.shape.people
        if is_optimal:
            if rng.random() < GROW_CHANCE:
                self.sizes[kind] = min(top, self.sizes[kind] + 1)
        else:
            self.sizes[kind] = max(1 if kind in DAY_KINDS else 2, self.sizes[kind] - 1)


#: Score update rate, floor and chance that a kind grows after an optimal sub-solve.
SCORE_RATE = 0.2
SCORE_FLOOR = 0.1
GROW_CHANCE = 0.5


def focus_occurrence(
    rng: random.Random, shape: Shape, best: list[int]
) -> tuple[int, list[int]] | None:
    """(day, movers) of an occurrence staffed above or below its requirement.

    Drawn in proportion to what its wrong staffing costs, so a missing person (often a
    hundred times dearer than a surplus one) gets the attention; None when all is right.
    The movers are those who could repair it: the available people not on it when it is
    short, the people on it when it has too many.
    """
    wrong, costs = [], []
    for day, required, under, over, who in shape.occurrences:
        staffed = sum(best[index] for _, index in who)
        cost = under * (required - staffed) if staffed < required else over * (staffed - required)
        if cost > 0:
            on = 1 if staffed > required else 0
            wrong.append((day, [c for c, index in who if best[index] == on]))
            costs.append(cost)
    return rng.choices(wrong, costs)[0] if wrong else None


def window(rng: random.Random, days: int, width: int, centre: int | None) -> range:
    """`width` consecutive days, around `centre` when given, else anywhere."""
    width = min(days, width)
    if centre is None:
        centre = rng.randrange(days)
    start = min(max(0, centre - rng.randrange(width)), days - width)
    return range(start, start + width)


def pick_movers(
    rng: random.Random, shape: Shape, best: list[int], movers: list[int], count: int
) -> set[int]:
    """`count` of the movers, those with room for one more shift first.

    A missing person is mostly found by someone below their cap taking one more shift;
    the people at their cap can only pass one on, which needs somebody with room too.
    (For a surplus the movers are the people on the shift, and the order matters little.)
    """
    room = shape.room(best)
    spare = [c for c in movers if c in room]
    chosen = set(rng.sample(spare, min(len(spare), count)))
    rest = [c for c in movers if c not in chosen]
    return chosen | set(rng.sample(rest, min(len(rest), count - len(chosen))))


def pick_neighbourhood(
    rng: random.Random, shape: Shape, best: list[int], kind: str, size: int
) -> tuple[set[int], set[int]]:
    """The people and days freed by one neighbourhood of `kind` and `size`.

    "people" frees a few people over the whole horizon, so the sub-solver rebuilds
    complete work patterns, which is what the sequence rules make hard. "days" frees
    everybody over a window of days, so coverage can be rebalanced among all staff;
    "two_windows" frees everybody over two distant windows, so work can move from one
    to the other while everyone's totals stay within bounds. "block" frees more people
    over half the horizon. Half of the time the neighbourhood is centred on an
    occurrence that is under- or over-covered, so the sub-problem can actually repair it.
    """
    focus = focus_occurrence(rng, shape, best) if rng.random() < 0.5 else None
    everybody = set(range(shape.people))
    centre = None if focus is None else focus[0]
    if kind == "days":
        return everybody, set(window(rng, shape.days, size, centre))
    if kind == "two_windows":
        width = max(1, size // 2)
        second = focus_occurrence(rng, shape, best) if rng.random() < 0.5 else None
        other = None if second is None else second[0]
        first = window(rng, shape.days, width, centre)
        return everybody, {*first, *window(rng, shape.days, max(1, size - len(first)), other)}
    chosen: set[int] = set()
    if focus is not None:
        chosen = pick_movers(rng, shape, best, focus[1], max(1, size // 2))
    others = sorted(everybody - chosen)
    chosen |= set(rng.sample(others, min(len(others), size - len(chosen))))
    if kind == "people":
        return chosen, set(range(shape.days))
    return chosen, set(window(rng, shape.days, max(2, shape.days // 2), centre))


def fixed_model(
    model: cp_model.CpModel, cells: Cells, free: tuple[set[int], set[int]], best: list[int]
) -> cp_model.CpModel:
    """A copy of `model` with every cell outside the neighbourhood fixed to `best`."""
    people, days = free
    sub = model.clone()
    proto = sub.proto
    for (c, day), indices in cells.items():
        if c in people and day in days:
            continue
        for index in indices:
            domain = proto.variables[index].domain
            domain[0] = best[index]
            domain[1] = best[index]
    proto.solution_hint.vars.extend(range(len(best)))
    proto.solution_hint.values.extend(best)
    return sub

