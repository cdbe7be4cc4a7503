"""The `coop` console script, as a new user runs it (a real subprocess on a fresh SQLite)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

COOP = str(Path(sys.executable).with_name("coop"))


def run_coop(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COOP_INSTANCE_PATH": str(tmp_path), "COOP_ENV": "development"}
    env.pop("COOP_DATABASE_URL", None)
    return subprocess.run([COOP, *args], env=env, capture_output=True, text=True, timeout=120, input=stdin)


def test_init_creates_the_database_and_demo_prints_slugs_and_logins(tmp_path: Path):
    init = run_coop(tmp_path, "init")
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "coop.sqlite3").exists()
    demo = run_coop(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    for expected in ("slug: marolles", "slug: schaerbeek", "coordinator@demo.coop", "parent@demo.coop",
                     "staff@demo.coop", "provider@demo.coop", "/login", "cooparentive-demo"):
        assert expected in demo.stdout
    # A new user sees a published roster for this week and the next, and a vote under way.
    with sqlite3.connect(tmp_path / "coop.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM roster WHERE status = 'published'").fetchone()[0] == 4
        assert db.execute("SELECT status, (SELECT count(*) FROM vote) FROM proposal").fetchall() == [("open", 6)]
    again = run_coop(tmp_path, "demo")
    assert again.returncode == 0
    assert "already" in again.stdout
    with sqlite3.connect(tmp_path / "coop.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM proposal").fetchone()[0] == 1


def test_create_user_gives_a_role_and_refuses_bad_input(tmp_path: Path):
    assert run_coop(tmp_path, "init").returncode == 0
    ok = run_coop(tmp_path, "create-user", "--email", "Coord@Example.be", "--name", "Coord", "--coop", "ixelles",
                  "--password", "a long enough passphrase")
    assert ok.returncode == 0, ok.stderr
    bad = run_coop(tmp_path, "create-user", "--email", "not-an-email", "--name", "X",
                   "--password", "a long enough passphrase")
    assert bad.returncode != 0
    assert "e-mail" in bad.stderr.lower()
    assert "Traceback" not in bad.stderr
    duplicate = run_coop(tmp_path, "create-user", "--email", "coord@example.be", "--name", "Again",
                         "--password", "a long enough passphrase")
    assert duplicate.returncode != 0
    assert "Traceback" not in duplicate.stderr


def test_serve_answers_on_127_0_0_1(tmp_path: Path):
    import socket
    import time
    import urllib.request

    assert run_coop(tmp_path, "init").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "COOP_INSTANCE_PATH": str(tmp_path), "COOP_ENV": "development"}
    env.pop("COOP_DATABASE_URL", None)
    server = subprocess.Popen([COOP, "serve", "--port", str(port), "--no-scheduler"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    status = response.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
    finally:
        server.terminate()
        server.wait(10)
