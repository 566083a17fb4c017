"""Benchmark of the PDF sheets an organizer downloads (issue 23: "marking forms 4.6 s, medal
table 3.8 s, results sheet 1.9 s, plain links with no sign of work"): the time from the
request to the last byte, over HTTP in the app's test client, for the demo championship with
skill 10 topped up to N competitors and marked to the end.

    .venv/bin/python bench/bench_sheets.py [--competitors 25] [--runs 5]

Each sheet is timed two ways in the same run (median and p90 of --runs, seconds):
- baseline: a new render child per document (WARM_RENDERERS = 0, how sheets printed before);
- warm: the server's warm render children (competition/documents/render_pool.py).
The ratio warm/baseline is printed. On 2 cores, other work on the machine shows. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_skill import demo_app, top_up  # noqa: E402
from bench.processes import percentile  # noqa: E402
from competition.database import write_transaction  # noqa: E402
from competition.extensions import db  # noqa: E402
from competition.models import User  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--competitors", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(folder)
        with app.app_context():
            from competition.auth.service import add_user
            from tests.marking import enter_marks

            with write_transaction() as session:
                skill = top_up(session, "10", args.competitors)
                add_user("bench-organizer", "organizer", "bench-password-123")
            enter_marks("10", seed=3)
            session_id = db.session.execute(sa.select(User).where(
                User.login == "bench-organizer")).scalar_one().get_id()
            championship = skill.championship.code
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        sheets = {"marking forms (skill 10)": "/manage/sheets/skills/10/forms.pdf",
                  "results sheet (skill 10)": "/manage/sheets/skills/10/results.pdf",
                  "medal table": f"/manage/sheets/championships/{championship}/medals.pdf"}
        print(f"{args.competitors} competitors in skill 10; median / p90 of {args.runs} runs, "
              "seconds")
        for name, url in sheets.items():
            figures = {}
            for label, warm in (("baseline (new child)", 0), ("warm child", 2)):
                app.config["WARM_RENDERERS"] = warm
                client.get(url)  # the first request starts the children and warms caches
                times = []
                for _run in range(args.runs):
                    started = time.perf_counter()
                    response = client.get(url, headers={"Accept-Language": "ru"})
                    assert response.status_code == 200, (url, response.status_code)
                    assert response.data[:4] == b"%PDF"
                    times.append(time.perf_counter() - started)
                figures[label] = (statistics.median(times), percentile(times, 0.9))
            base, warm = figures["baseline (new child)"], figures["warm child"]
            print(f"  {name}: baseline {base[0]:.2f} / {base[1]:.2f}; warm {warm[0]:.2f} / "
                  f"{warm[1]:.2f}; warm/baseline {warm[0] / base[0]:.2f}×")


if __name__ == "__main__":
    main()
