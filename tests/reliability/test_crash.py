"""Crash test (issue 9): 20 judges send marks while `competition serve` is killed with SIGKILL
three times and restarted on the same port; the tablets reconnect and resend what was not
acknowledged, with the same keys. Afterwards every acknowledged mark is in the database once,
every revision history is complete, and the server's standings equal `competition evaluate` on
the export. On SQLite and on PostgreSQL (a database `crash_<random>` of this test, dropped at
the end). The figures are printed (`pytest -s`); bench/bench_crash.py is the longer run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace

import pytest

from ..fixtures.servers import free_port
from ..fixtures.services import PG_URL, need, postgres_available
from .crash import (
    JUDGES,
    Server,
    check_database,
    check_standings,
    crash_run,
    postgres_database,
    prepare,
    print_figures,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# 20 judges, 3 kills as in the issue; 300 marks (a kill every 75) keep the two tests within
# `make test`'s budget on 2 busy cores (COMPETITION_CRASH_MARKS=5000 for the issue's count;
# bench/bench_crash.py runs 5,000).
MARKS = int(os.environ.get("COMPETITION_CRASH_MARKS", "300"))
KILLS = 3
SKILLS = ["04", "10", "18", "29"]  # their panels hold the 20 judges


def _run(championship, tmp_path, label: str) -> None:
    server = Server(championship, free_port())
    server.start()
    try:
        outcome = crash_run(server, championship, MARKS, kills=KILLS, deadline=240)
        assert not outcome.errors, outcome.errors
        assert outcome.unfinished == 0, f"{outcome.unfinished} marks never acknowledged"
        stored, problems = check_database(championship, outcome.writes)
        print_figures(label, outcome, stored,
                      "pytest -s tests/reliability/test_crash.py")
        assert problems == [], "\n".join(problems[:20])
        figures = outcome.figures()
        assert figures["sent"] == MARKS and figures["acknowledged"] == MARKS
        assert set(figures["results"]) <= {"saved", "duplicate"}, figures["results"]
        assert stored["stored"] == MARKS and stored["duplicated_keys"] == 0
        assert len(outcome.tablets) == JUDGES
        assert len(outcome.kills) == KILLS and server.starts == KILLS + 1
        # The kills hit judges at work: connections were cut and marks sent again.
        assert figures["reconnects"] >= KILLS and figures["resent"] > 0
        assert check_standings(server, championship, tmp_path) == []
        # The checks can fail: an acknowledged write the server never stored is found.
        ghost = replace(outcome.writes[-1], key=f"crash-ghost-{uuid.uuid4()}")
        _stored, found = check_database(championship, [*outcome.writes, ghost])
        assert any(f"acknowledged write {ghost.key} is not stored" in p for p in found)
    finally:
        server.stop()


def test_marks_survive_three_sigkills_on_sqlite(demo_template_db, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(demo_template_db, instance / "competition.db")
    championship = prepare(f"sqlite:///{instance / 'competition.db'}", instance, SKILLS,
                           load=False)
    _run(championship, tmp_path, "SQLite")


@pytest.fixture
def crash_database():
    """A PostgreSQL database of this test (`crash_<random>`), dropped at the end."""
    need("PostgreSQL", postgres_available(), "a server on 127.0.0.1:5432 (user postgres)")
    with postgres_database(PG_URL.rsplit("/", 1)[0], "crash") as url:
        yield url


def test_marks_survive_three_sigkills_on_postgresql(crash_database, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    championship = prepare(crash_database, instance, SKILLS)
    _run(championship, tmp_path, "PostgreSQL")
