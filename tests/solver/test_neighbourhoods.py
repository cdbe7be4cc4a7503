"""The LNS neighbourhoods: what each kind frees, where it looks, and how sizes adapt."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from solver import Status
from solver.curtois import read_instance
from solver.neighbourhoods import (
    KINDS,
    Neighbourhoods,
    Shape,
    focus_occurrence,
    pick_movers,
    pick_neighbourhood,
)
from tests.solver.factories import solve_checked


def grid(people: int, days: int) -> tuple[Shape, list[int]]:
    """A shape with one occurrence a day (requirement 1) staffable by everyone, and
    variables numbered person-major; the all-zero roster leaves every day short."""
    occurrences = [
        (day, 1, 100, 1, [(c, c * days + day) for c in range(people)]) for day in range(days)
    ]
    return Shape(people, days, occurrences), [0] * (people * days)


@given(
    people=st.integers(1, 12),
    days=st.integers(1, 30),
    kind=st.sampled_from(KINDS),
    size=st.integers(1, 40),
    seed=st.integers(0, 1000),
)
def test_every_kind_frees_people_and_days_of_the_problem(
    people: int, days: int, kind: str, size: int, seed: int
) -> None:
    shape, best = grid(people, days)
    free_people, free_days = pick_neighbourhood(random.Random(seed), shape, best, kind, size)
    assert free_people and free_people <= set(range(people))
    assert free_days and free_days <= set(range(days))
    again = pick_neighbourhood(random.Random(seed), shape, best, kind, size)
    assert again == (free_people, free_days)
    if kind == "people":
        assert len(free_people) == min(people, size)
        assert free_days == set(range(days))
    elif kind == "days":
        assert free_people == set(range(people))
        assert len(free_days) == min(days, size)
        assert max(free_days) - min(free_days) == len(free_days) - 1
    elif kind == "two_windows":
        assert free_people == set(range(people))
        assert len(free_days) <= max(2, size)
    else:
        assert len(free_people) == min(people, size)
        assert len(free_days) == min(days, max(2, days // 2))


def test_focus_is_none_when_every_occurrence_is_staffed_right() -> None:
    shape, best = grid(3, 4)
    for day in range(4):
        best[day] = 1
    assert focus_occurrence(random.Random(0), shape, best) is None


def test_focus_prefers_the_costly_occurrence() -> None:
    shape, best = grid(3, 4)
    best[0] = 1
    best[2 * 4 + 0] = 1
    best[1] = 1
    best[2] = 1
    # Day 0 has one person too many (cost 1), day 3 misses one (cost 100).
    rng = random.Random(5)
    picks = [focus_occurrence(rng, shape, best) for _ in range(1000)]
    days = Counter(pick[0] for pick in picks if pick is not None)
    assert set(days) == {0, 3}
    assert days[3] > 20 * days[0]


def test_days_neighbourhood_contains_the_focused_day() -> None:
    shape, best = grid(4, 28)
    for day in range(28):
        best[day] = 1
    best[1 * 28 + 17] = 1
    windows = [
        pick_neighbourhood(random.Random(seed), shape, best, "days", 3)[1] for seed in range(200)
    ]
    # A window of 3 among 28 days holds a given day about one time in ten by chance.
    assert sum(17 in days for days in windows) > 60


def test_movers_with_room_for_one_more_shift_come_first() -> None:
    shape, best = grid(6, 7)
    # Everybody's cap is 6 shifts of 480 minutes; people 0-3 already work 6 (days 0-5): full.
    caps = {c: (6 * 480 - 480, [(c * 7 + day, 480) for day in range(7)]) for c in range(6)}
    shape = replace(shape, caps=caps)
    for c in range(4):
        for day in range(6):
            best[c * 7 + day] = 1
    assert shape.room(best) == {4, 5}
    for seed in range(50):
        rng = random.Random(seed)
        assert pick_movers(rng, shape, best, list(range(6)), 2) == {4, 5}
        three = pick_movers(rng, shape, best, list(range(6)), 3)
        assert len(three) == 3 and {4, 5} < three
        assert len(pick_movers(rng, shape, best, [0, 1, 4], 2) & {4}) == 1


def test_without_caps_everybody_has_room() -> None:
    shape, best = grid(3, 4)
    best[:] = [1] * len(best)
    assert shape.room(best) == {0, 1, 2}


def test_sizes_grow_after_optimal_sub_solves_and_shrink_after_time_outs() -> None:
    shape, _ = grid(6, 10)
    choice = Neighbourhoods.start(shape)
    rng = random.Random(0)
    for _ in range(100):
        choice.learn("days", True, 0.0, rng)
        choice.learn("people", False, 0.0, rng)
    assert choice.sizes["days"] == 10
    assert choice.sizes["people"] == 2
    for _ in range(100):
        choice.learn("days", False, 0.0, rng)
    assert choice.sizes["days"] == 1


def test_kinds_that_improve_are_chosen_more_often() -> None:
    shape, _ = grid(6, 10)
    choice = Neighbourhoods.start(shape)
    rng = random.Random(0)
    for _ in range(20):
        choice.learn("two_windows", True, 1.0, rng)
        for kind in ("people", "days", "block"):
            choice.learn(kind, True, 0.0, rng)
    drawn = Counter(choice.choose(rng) for _ in range(1000))
    assert drawn["two_windows"] > 700


def test_problem_with_no_first_roster_is_infeasible(curtois_dir: Path) -> None:
    problem = read_instance(curtois_dir / "Instance1.txt")
    first = replace(problem.caregivers[0], days_off=frozenset(range(problem.horizon_days)))
    broken = replace(problem, caregivers=(first, *problem.caregivers[1:]))
    assert first.rules.min_minutes > 0
    assert solve_checked(broken, time_limit_s=5.0).status is Status.INFEASIBLE
