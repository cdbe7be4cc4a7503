"""Search: a first roster, a short whole-model solve, then a large-neighbourhood search.

A first roster comes from CP-SAT without the objective (fast even where the full model
takes seconds). The whole model, hinted with it, then runs CP-SAT's own portfolio for a
short while: small problems are proven optimal there. The LNS takes over: each round
re-solves, in one thread per worker, a neighbourhood of the best roster with everything
else fixed and the roster as a hint, and keeps the best result when it is no worse.
Neighbourhoods free a few people over the whole horizon, everybody over one or two
windows of days, or more people over half of it, often around a costly badly covered
shift; the kind is chosen by its recent success and each kind's size adapts to what the
sub-solver can close (see `solver.neighbourhoods`). When CP-SAT's bound is close to
the best roster, the last part of the time goes back to the whole model, hinted with
that roster, which raises the bound and often lowers the objective. Beside all this, the
model's linear relaxation is solved in a low-priority thread (`solver.relaxation`); its
bound, often far above CP-SAT's own on large rosters, ends the search once the roster
reaches it and is reported with the result. Random choices come
from `seed`; with a deterministic time budget every CP-SAT call is reproducible, so the
whole search is (the relaxation's bound is then awaited before the LNS starts).
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
from solver.neighbourhoods import Cells, Neighbourhoods, Shape, fixed_model, pick_neighbourhood
from solver.relaxation import BackgroundRelaxation

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
#: Once only the final share of the time is left, and if CP-SAT's bound is within the
#: gap below of the best objective, the whole model, hinted with the LNS's best roster,
#: gets one slice: if it raises the bound by the rise share of the gap (which the LNS
#: never does), it keeps the rest of the time in one go (restarting it in slices would
#: lose its LP and cuts); otherwise the LNS resumes. On large weeks priced by fairness
#: CP-SAT's LP proves (near) optimality there; on the benchmark its bound does not move
#: (instance 8) or is too far below to enter at all. Comparing objective gains instead
#: misjudged both on a loaded machine.
FINAL_SHARE = 0.5
FINAL_GAP = 0.25
FINAL_SLICE = 0.2
FINAL_RISE = 0.05


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
    settings: SearchSettings

    def wall_left(self) -> float:
        """Seconds of wall time left."""
        return self.deadline - time.monotonic()

    def spend(self, work: float) -> None:
        """Account for deterministic work done by CP-SAT."""
        if self.deterministic_left is not None:
            self.deterministic_left -= work

    def work_left(self) -> float:
        """Deterministic work units left; without a deterministic budget, a large number."""
        return 1e9 if self.deterministic_left is None else self.deterministic_left

    def spent(self) -> float:
        """Seconds, or with a deterministic budget work units, used so far."""
        settings = self.settings
        if self.deterministic_left is None or settings.deterministic_time is None:
            return settings.time_limit_s - self.wall_left()
        return settings.deterministic_time - self.deterministic_left

    def share(self, fraction: float) -> float:
        """`fraction` of the whole budget, in the unit of `spent`."""
        settings = self.settings
        scale = settings.time_limit_s
        if settings.deterministic_time is not None:
            scale = settings.deterministic_time
        return fraction * scale

    def is_final(self) -> bool:
        """True once only the final share of the budget is left."""
        return self.share(1.0) - self.spent() <= self.share(FINAL_SHARE)

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
    if limit.is_light:
        params.symmetry_level = 0
        params.max_presolve_iterations = 1
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
    #: LNS sub-problems are mostly fixed variables: one presolve pass and no symmetry
    #: detection solve them 10-20 % faster (instance 12), with the same gains.
    is_light: bool = False


def is_bound_informative(objective: int, bound: int) -> bool:
    """True when the bound is within `FINAL_GAP` (relative) of the objective."""
    return objective - bound <= FINAL_GAP * max(1, abs(objective))


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


def whole_model(
    model: cp_model.CpModel,
    best: tuple[list[int], int, int],
    settings: SearchSettings,
    budget: Budget,
    length: float,
) -> tuple[list[int] | None, int, int]:
    """(better roster or None, objective, bound) after `length` of the hinted whole model.

    `best` is the roster to start from with its objective and the bound so far; `length`
    is in seconds, or in work units with a deterministic budget.
    """
    values, objective, bound = best
    is_work = settings.deterministic_time is not None
    limit = Limit(
        budget.wall_left() if is_work else length,
        length if is_work else budget.work_left(),
        settings.workers,
        settings.seed,
        linearization=FIRST_LINEARIZATION,
    )
    solver, status = run_solver(hinted(model, values), settings, budget, limit)
    budget.spend(solver.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, objective, bound
    bound = max(bound, round(solver.best_objective_bound))
    value = round(solver.objective_value)
    if value < objective:
        return list(solver.response_proto.solution), value, bound
    return None, objective, bound


def search(
    model: cp_model.CpModel, cells: Cells, shape: Shape, settings: SearchSettings
) -> SearchResult:
    """Solve the whole model, then improve its best roster by LNS until time is up.

    Each round solves one neighbourhood per worker in parallel threads (one CP-SAT worker
    each) and keeps the best outcome, taking results in a fixed order for reproducibility.
    Near the end the hinted whole model may take over to prove a bound (`FINAL_SHARE`).
    """
    budget = Budget(
        time.monotonic() + settings.time_limit_s, settings.deterministic_time, settings
    )
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
    relaxing = BackgroundRelaxation(model.proto, settings.time_limit_s) if settings.use_lns else None
    try:
        return improve(model, cells, shape, settings, budget, first, relaxing)
    finally:
        if relaxing is not None:
            relaxing.stop()


def improve(
    model: cp_model.CpModel,
    cells: Cells,
    shape: Shape,
    settings: SearchSettings,
    budget: Budget,
    first: Limit,
    relaxing: BackgroundRelaxation | None,
) -> SearchResult:
    """The search proper, with the relaxation (if any) solving beside it."""
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
    is_racing = True
    is_first_slice = True
    relaxation = None
    if relaxing is not None and settings.deterministic_time is not None:
        relaxation = relaxing.wait()
    floor = bound
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        while settings.use_lns and objective > floor and not budget.is_spent(settings.stop):
            if relaxation is None and relaxing is not None and relaxing.is_done():
                relaxation = relaxing.result
            if relaxation is not None and relaxation > floor:
                floor = relaxation
                result.steps.append(f"linear relaxation: bound {floor}")
                continue
            if is_racing and is_bound_informative(objective, bound) and budget.is_final():
                length = budget.share(FINAL_SLICE if is_first_slice else 1.0)
                low = bound
                race = whole_model(model, (best, objective, bound), settings, budget, length)
                found, objective, bound = race
                best = found or best
                floor = max(floor, bound)
                result.steps.append(f"whole model: objective {objective}, bound {bound}")
                is_racing = is_first_slice and bound - low >= FINAL_RISE * (objective - low)
                is_first_slice = False
                continue
            batch = []
            for _ in range(settings.workers):
                step += 1
                kind = choice.choose(rng)
                free = pick_neighbourhood(rng, shape, best, kind, choice.sizes[kind])
                limit = Limit(SUB_WALL_S, SUB_WORK, 1, settings.seed + step, is_light=True)
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
    result.values, result.objective, result.bound = best, objective, min(floor, objective)
    result.status = Status.OPTIMAL if objective == result.bound else Status.FEASIBLE
    return result
