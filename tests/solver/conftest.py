"""Fixtures of the solver tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.solver.factories import CURTOIS_DIR


@pytest.fixture
def curtois_dir() -> Path:
    """The public benchmark instances, next to the repository (`../shared/benchmarks/curtois`,
    where CI and every workplace clone have them). Missing instances fail the tests that need
    them, loudly, rather than letting the benchmark reader go untested."""
    if not CURTOIS_DIR.is_dir():
        pytest.fail(f"benchmark instances not found at {CURTOIS_DIR}: clone the repository beside ../shared")
    return CURTOIS_DIR
