"""Rostering engine on OR-Tools CP-SAT: `Problem` in, `solve()`, `Solution` out, `validate()`.

Pure: imports only the standard library and `ortools`.
"""

from solver.cpsat import solve
from solver.model import (
    Assignment,
    Caregiver,
    CaregiverStats,
    Demand,
    Household,
    Kind,
    Problem,
    Request,
    Rules,
    ShiftType,
    Solution,
    Status,
    Unmet,
    Weights,
)
from solver.validate import Report, validate

__all__ = [
    "Assignment",
    "Caregiver",
    "CaregiverStats",
    "Demand",
    "Household",
    "Kind",
    "Problem",
    "Report",
    "Request",
    "Rules",
    "ShiftType",
    "Solution",
    "Status",
    "Unmet",
    "Weights",
    "solve",
    "validate",
]
