"""Search: a first roster, a short whole-model solve, then a large-neighbourhood search.

A first roster comes from CP-SAT without the objective (fast even where the full model
takes seconds). The whole model, hinted with it, then runs CP-SAT's own portfolio for a
short while: small problems are proven optimal there. The LNS takes over: each round
re-solves, in one thread per worker, a neighbourhood of the best roster with everything
else fixed and the roster as a hint, and keeps the best result when it is no worse.
Neighbourhoods free a few people over the whole horizon, everybody over one or two
windows of days, or more people over half of it, often around a costly badly covered
shift; the kind is chosen by its recent success and each kind's size adapts to what the
sub-solver can close. Random choices come from `seed`; with a deterministic time budget
every CP-SAT call is reproducible, so the whole search is.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model import Status

#: Proto indices of the x variables of one (caregiver, day) cell.
Cells = dict[tuple[int, int], list[int]]

#: Limits of one LNS sub-solve: small, so that many neighbourhoods get tried.
SUB_WALL_S = 5.0
SUB_WORK = 0.1
#: The first, whole-model solve runs at least the floor (small problems are often proven
#: optimal there) and at most the share of the time; in between it gives way to the LNS
#: once it has not improved for the stall share of the time. The LNS improves faster
#: than CP-SAT's portfolio on every benchmark instance, hence the small share.
FIRST_SHARE = 0.15
FIRST_FLOOR_S = 3.0
FIRST_STALL = 0.05
#: CP-SAT's default LP for the whole model (a full LP slows the first solutions down);
#: the full LP (level 2) for the small sub-problems, where it proves optimality fast.
FIRST_LINEARIZATION = 1


@dataclass(frozen=True)
class SearchSettings:
    """Limits of one search; `deterministic_time` makes it reproducible when set."""

    time_limit_s: float
    workers: int
    seed: int
    deterministic_time: float | None = None
    stop: threading.Event | None = None
    use_lns: bool = True
    log: bool = False


@dataclass
class SearchResult:
    """Best values found (indexed by proto variable), with objective and bound."""

    status: Status
    values: list[int] | None = None
    objective: int | None = None
    bound: int | None = None
    steps: list[str] = field(default_factory=list)


@dataclass
class Budget:
    """Remaining wall and deterministic time of a search."""

    deadline: float
    deterministic_left: float | None

    def wall_left(self) -> float:
        """Seconds of wall time left."""
        return self.deadline - time.monotonic()

    def spend(self, work: float) -> None:
        """Account for deterministic work done by CP-SAT."""
        if self.deterministic_left is not None:
            self.deterministic_left -= work

    def is_spent(self, stop: threading.Event | None) -> bool:
        """True when time is up or somebody asked the search to stop."""
        if stop is not None and stop.is_set():
            return True
        if self.deterministic_left is not None and self.deterministic_left <= 1e-3:
            return True
        return self.wall_left() <= 0.05


class SolutionFlag(cp_model.CpSolverSolutionCallback):
    """Records whether and when CP-SAT last found an improving solution."""

    def __init__(self) -> None:
        super().__init__()
        self.has_solution = False
        self.improved_at = time.monotonic()

    def on_solution_callback(self) -> None:
        """Called by CP-SAT on each improving solution."""
        self.has_solution = True
        self.improved_at = time.monotonic()


def run_solver(
    model: cp_model.CpModel,
    settings: SearchSettings,
    budget: Budget,
    limit: Limit,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Solve within `limit` (capped by the budget), honouring the stop event.

    With `limit.is_soft` the wall limit only stops a search that already has a solution,
    so a large problem keeps its whole budget to find a first roster.
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = limit.workers
    params.random_seed = limit.seed
    params.log_search_progress = settings.log
    params.linearization_level = limit.linearization
    wall = budget.wall_left() if limit.is_soft else min(budget.wall_left(), limit.wall_s)
    params.max_time_in_seconds = max(0.01, wall)
    left = budget.deterministic_left
    params.max_deterministic_time = max(
        0.001, limit.work if left is None else min(left, limit.work)
    )
    params.interleave_search = left is not None and limit.workers > 1
    params.stop_after_first_solution = limit.is_first_only
    flag = SolutionFlag()
    started = time.monotonic()
    done = threading.Event()

    def watch() -> None:
        """Stop the search when asked to, or when a soft limit has passed."""
        while not done.wait(0.05):
            now = time.monotonic()
            is_stalled = now - started > limit.floor_s and now - flag.improved_at > limit.stall_s
            is_late = flag.has_solution and (now - started > limit.wall_s or is_stalled)
            is_late = is_late and limit.is_soft
            if is_late or (settings.stop is not None and settings.stop.is_set()):
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    status = solver.solve(model, flag)
    done.set()
    watcher.join()
    return solver, status


@dataclass(frozen=True)
class Limit:
    """Wall seconds, deterministic work units, workers and seed of one CP-SAT call."""

    wall_s: float
    work: float
    workers: int
    seed: int
    is_soft: bool = False
    linearization: int = 2
    floor_s: float = 0.0
    stall_s: float = float("inf")
    is_first_only: bool = False


@dataclass(frozen=True)
class Shape:
    """What the neighbourhoods are cut from: people, days, and who can staff what.

    `occurrences` lists, per demanded occurrence, its day, its requirement, the weights
    of a missing and of a surplus person, and the (person, x-variable index) pairs that
    could staff it.
    """

    people: int
    days: int
    occurrences: list[tuple[int, int, int, int, list[tuple[int, int]]]]


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
        movers = focus[1]
        chosen = set(rng.sample(movers, min(len(movers), max(1, size // 2))))
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


def feasible_roster(
    model: cp_model.CpModel, settings: SearchSettings, budget: Budget
) -> tuple[cp_model.CpSolverStatus, list[int] | None]:
    """Any roster that keeps the hard rules, found without the objective.

    CP-SAT finds one in a fraction of the time it needs with the objective (0.05 work
    units against several on the largest benchmark instance, where a lone worker may
    find none in 30 s), and one deterministic worker suffices. Previous assignments,
    given as hints, steer it.
    """
    plain = model.clone()
    plain.clear_objective()  # type: ignore[no-untyped-call]
    work = budget.deterministic_left
    limit = Limit(
        budget.wall_left(),
        settings.time_limit_s * settings.workers if work is None else work,
        1,
        settings.seed,
        is_first_only=True,
    )
    solver, status = run_solver(plain, settings, budget, limit)
    budget.spend(solver.deterministic_time)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, list(solver.response_proto.solution)
    return status, None


def hinted(model: cp_model.CpModel, values: list[int]) -> cp_model.CpModel:
    """A copy of `model` hinted with a complete solution, its first incumbent."""
    copy = model.clone()
    copy.clear_hints()  # type: ignore[no-untyped-call]
    copy.proto.solution_hint.vars.extend(range(len(values)))
    copy.proto.solution_hint.values.extend(values)
    return copy


def search(
    model: cp_model.CpModel, cells: Cells, shape: Shape, settings: SearchSettings
) -> SearchResult:
    """Solve the whole model, then improve its best roster by LNS until time is up.

    Each round solves one neighbourhood per worker in parallel threads (one CP-SAT worker
    each) and keeps the best outcome, taking results in a fixed order for reproducibility.
    """
    budget = Budget(time.monotonic() + settings.time_limit_s, settings.deterministic_time)
    total = settings.time_limit_s
    first_wall = min(total, max(FIRST_SHARE * total, FIRST_FLOOR_S)) if settings.use_lns else total
    floor = min(first_wall, FIRST_FLOOR_S)
    if settings.deterministic_time is None:
        work = total * settings.workers
    else:
        work = settings.deterministic_time * (FIRST_SHARE if settings.use_lns else 1.0)
    first = Limit(
        first_wall,
        work,
        settings.workers,
        settings.seed,
        is_soft=True,
        linearization=FIRST_LINEARIZATION,
        floor_s=floor,
        stall_s=FIRST_STALL * total if settings.deterministic_time is None else float("inf"),
    )
    status, start = feasible_roster(model, settings, budget)
    if status == cp_model.INFEASIBLE:
        return SearchResult(Status.INFEASIBLE)
    if start is None:
        return SearchResult(Status.UNKNOWN)
    solver, status = run_solver(hinted(model, start), settings, budget, first)
    budget.spend(solver.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SearchResult(Status.UNKNOWN)
    best = list(solver.response_proto.solution)
    objective = round(solver.objective_value)
    bound = round(solver.best_objective_bound)
    result = SearchResult(
        Status.FEASIBLE,
        best,
        objective,
        bound,
        [f"initial {objective}"],
    )
    rng = random.Random(settings.seed)
    choice = Neighbourhoods.start(shape)
    step = 0
    tally: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        while settings.use_lns and objective > bound and not budget.is_spent(settings.stop):
            batch = []
            for _ in range(settings.workers):
                step += 1
                kind = choice.choose(rng)
                free = pick_neighbourhood(rng, shape, best, kind, choice.sizes[kind])
                limit = Limit(SUB_WALL_S, SUB_WORK, 1, settings.seed + step)
                sub = fixed_model(model, cells, free, best)
                batch.append((step, kind, pool.submit(run_solver, sub, settings, budget, limit)))
            improved = objective
            for number, kind, future in batch:
                sub_solver, status = future.result()
                budget.spend(sub_solver.deterministic_time)
                tally[f"{kind} {sub_solver.status_name(status)}"] += 1
                is_solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                value = round(sub_solver.objective_value) if is_solved else objective
                choice.learn(kind, status == cp_model.OPTIMAL, float(value < objective), rng)
                if is_solved and value <= improved:
                    if value < improved:
                        size = choice.sizes[kind]
                        result.steps.append(f"lns step {number} {kind} {size}: {improved} -> {value}")
                    improved, best = value, list(sub_solver.response_proto.solution)
            objective = improved
    sizes = ", ".join(f"{kind} {size}" for kind, size in choice.sizes.items())
    result.steps.append(f"lns {step} steps, final sizes {sizes}, sub-solves {dict(tally)}")
    result.values, result.objective, result.bound = best, objective, min(bound, objective)
    result.status = Status.OPTIMAL if objective == result.bound else Status.FEASIBLE
    return result
