"""Search: one CP-SAT solve, then a large-neighbourhood search (LNS) around it.

The first solve runs CP-SAT's own portfolio on the whole model: small problems are
proven optimal there; it gives way to the LNS once it stalls. Each LNS round then
re-solves, in one thread per worker, a neighbourhood of the best roster (a few people
over the whole horizon, or twice as many over half of it, often chosen among those who
could repair a badly covered shift) with everything else fixed and the roster as a
hint, and keeps the best result when it is no worse. The neighbourhood grows while
sub-problems are solved to optimality and shrinks when they time out. Random choices
come from `seed`; with a deterministic time budget every CP-SAT call is reproducible,
so the whole search is.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from solver.model import Status

#: Proto indices of the x variables of one (caregiver, day) cell.
Cells = dict[tuple[int, int], list[int]]

#: Limits of one LNS sub-solve: small, so that many neighbourhoods get tried.
SUB_WALL_S = 5.0
SUB_WORK = 0.25
#: The first, whole-model solve runs at least the floor (small problems are often proven
#: optimal there) and at most the share of the time; in between it gives way to the LNS
#: once it has not improved for the stall share of the time. Large problems, where
#: CP-SAT's own portfolio keeps improving, so keep it longer.
FIRST_SHARE = 0.5
FIRST_FLOOR_S = 8.0
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


@dataclass(frozen=True)
class Shape:
    """What the neighbourhoods are cut from: people, days, and who can staff what.

    `occurrences` lists, per demanded occurrence, its requirement and the (person,
    x-variable index) pairs that could staff it.
    """

    people: int
    days: int
    occurrences: list[tuple[int, list[tuple[int, int]]]]


def pick_neighbourhood(
    rng: random.Random, shape: Shape, best: list[int], size: int
) -> tuple[set[int], range]:
    """People to free over the whole horizon, or twice as many over half of it.

    Whole-person neighbourhoods let the sub-solver rebuild complete work patterns, which
    is what the sequence rules make hard. Half of the time the people are drawn among
    those who could staff an occurrence that is under- or over-covered, so the
    sub-problem can actually repair it.
    """
    people = list(range(shape.people))
    wrong = [
        who
        for required, who in shape.occurrences
        if sum(best[index] for _, index in who) != required
    ]
    if wrong and rng.random() < 0.5:
        candidates = sorted({c for c, _ in rng.choice(wrong)})
        if len(candidates) >= size:
            people = candidates
    if rng.random() < 0.7 or shape.days < 4:
        return set(rng.sample(people, min(len(people), size))), range(shape.days)
    width = max(2, shape.days // 2)
    start = rng.randrange(shape.days - width + 1)
    return set(rng.sample(people, min(len(people), 2 * size))), range(start, start + width)


def fixed_model(
    model: cp_model.CpModel, cells: Cells, free: tuple[set[int], range], best: list[int]
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
    solver, status = run_solver(model, settings, budget, first)
    budget.spend(solver.deterministic_time)
    while status == cp_model.UNKNOWN and not budget.is_spent(settings.stop):
        # Only a deterministic budget gets here: give the rest of it to a first roster.
        retry = replace(first, work=budget.deterministic_left or 0.0, seed=first.seed + 1)
        solver, status = run_solver(model, settings, budget, retry)
        budget.spend(solver.deterministic_time)
    if status == cp_model.INFEASIBLE:
        return SearchResult(Status.INFEASIBLE)
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
    size = min(shape.people, 5)
    step = 0
    tally: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        while settings.use_lns and objective > bound and not budget.is_spent(settings.stop):
            batch = []
            for _ in range(settings.workers):
                step += 1
                free = pick_neighbourhood(rng, shape, best, size)
                limit = Limit(SUB_WALL_S, SUB_WORK, 1, settings.seed + step)
                sub = fixed_model(model, cells, free, best)
                batch.append(pool.submit(run_solver, sub, settings, budget, limit))
            outcomes = [future.result() for future in batch]
            tally.update(sub.status_name(status) for sub, status in outcomes)
            for sub_solver, _ in outcomes:
                budget.spend(sub_solver.deterministic_time)
            solved = [o for o in outcomes if o[1] in (cp_model.OPTIMAL, cp_model.FEASIBLE)]
            if solved:
                sub_solver, _ = min(solved, key=lambda o: o[0].objective_value)
                value = round(sub_solver.objective_value)
                if value < objective:
                    result.steps.append(f"lns step {step} size {size}: {objective} -> {value}")
                if value <= objective:
                    best, objective = list(sub_solver.response_proto.solution), value
            if all(o[1] == cp_model.OPTIMAL for o in outcomes):
                size = min(shape.people, size + 1) if rng.random() < 0.3 else size
            else:
                size = max(2, size - 1)
    result.steps.append(f"lns {step} steps, final size {size}, sub-solves {dict(tally)}")
    result.values, result.objective, result.bound = best, objective, min(bound, objective)
    result.status = Status.OPTIMAL if objective == result.bound else Status.FEASIBLE
    return result
