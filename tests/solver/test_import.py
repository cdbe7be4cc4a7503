"""The solver package is pure: no web framework, ORM or app module is loaded."""

import subprocess
import sys


def test_import_solver_loads_no_web_or_database_module() -> None:
    code = (
        "import sys, solver, solver.curtois\n"
        "banned = ('flask', 'sqlalchemy', 'sqlmodel', 'coop')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
