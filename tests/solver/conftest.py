"""Fixtures of the solver tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.solver.factories import CURTOIS_DIR


@pytest.fixture
def curtois_dir() -> Path:
    """The public benchmark instances, next to the repository."""
    if not CURTOIS_DIR.is_dir():
        pytest.skip(f"benchmark instances not found at {CURTOIS_DIR}")
    return CURTOIS_DIR
