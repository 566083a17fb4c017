"""Benchmark of the signed marking forms (issue 20): a 25-competitor skill signed off.

    .venv/bin/python bench/bench_signed_forms.py [--competitors 25] [--runs 3]

A fresh SQLite database with the demo championship; skill 10 topped up to N active competitors
and marked to the end. In the same run, per sub-criterion with judgement aspects (median of
--runs, seconds):
- baseline: the blank marking form of the sub-criterion rendered the way the sheets did
  (`python -m competition.workers render`, a child that imports the whole app first);
- the same HTML through `render.child_command()` (a one-off child that loads render.py alone);
- the same HTML through a warm child of the pool (`render.render_pdf_isolated`,
  competition/documents/render_pool.py), as the server prints sheets now;
- the sign-off itself (`signoff.sign_off`, whose listener keeps the forms and starts their
  render in the background): what the chief waits for;
- until every language's PDF of the form is kept (ru, kk, en, side by side in the pool's
  warm children, WARM_RENDERERS of them).
The CPU other processes used is not subtracted: on 2 cores other work shows.
Not a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_skill import demo_app, top_up  # noqa: E402
from competition.database import write_transaction  # noqa: E402
from competition.extensions import db  # noqa: E402
from competition.models import Competitor, DocumentSettings, Skill  # noqa: E402
from competition.models.panels import MarkingForm  # noqa: E402


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--competitors", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = demo_app(folder)
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            run(app, args)


def run(app, args) -> None:
    from flask import render_template

    from competition.auth.service import add_user
    from competition.documents import sheets
    from competition.documents.render import child_command, render_pdf_isolated, warm_pool
    from competition.documents.sheet_views import _page_counter
    from competition.judging import signoff
    from tests.marking import enter_marks

    with write_transaction() as session:
        skill = top_up(session, "10", args.competitors)
        session.add(DocumentSettings(championship_id=skill.championship_id,
                                     languages="kk+ru+en"))
        organizer = add_user("bench-organizer", "organizer", "bench-password-123")
    enter_marks("10", seed=3)
    skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
    count = db.session.execute(sa.select(sa.func.count()).select_from(Competitor).where(
        Competitor.skill_id == skill.id, Competitor.status != "withdrawn")).scalar()
    subs = [sub for c in skill.criteria for sub in c.sub_criteria
            if any(a.type == "J" for a in sub.aspects)]
    print(f"skill 10: {count} competitors; {len(subs)} sub-criteria with judgement aspects; "
          f"median of {args.runs} runs, seconds")
    old_child = [sys.executable, "-m", "competition.workers", "render",
                 app.static_folder, "/static/"]
    warm_pool()  # as the server does when it starts
    for sub in subs[:2]:
        html = render_template("documents/sheets/forms.html", skill=skill,
                               forms=sheets.marking_forms(skill, sub), chief=None,
                               page_counter=_page_counter(), printed_at="now")
        def render(command, html=html):
            return _timed(lambda: subprocess.run(command, input=html.encode(), check=True,
                                                 capture_output=True, cwd=ROOT))

        baseline = [render(old_child) for _run in range(args.runs)]
        fast = [render(child_command()) for _run in range(args.runs)]
        warm = [_timed(lambda html=html: render_pdf_isolated(html)) for _run in range(args.runs)]
        waits, kept = [], []
        for _run in range(args.runs):
            started = time.perf_counter()
            signoff.sign_off(organizer, skill, sub.code, confirm=True)
            waits.append(time.perf_counter() - started)
            ids = db.session.execute(sa.select(MarkingForm.id).where(
                MarkingForm.sub_criterion_id == sub.id,
                MarkingForm.superseded_at.is_(None))).scalars().all()
            while db.session.execute(sa.select(sa.func.count()).select_from(MarkingForm).where(
                    MarkingForm.id.in_(ids), MarkingForm.pdf.is_not(None))).scalar() < len(ids):
                db.session.rollback()
                time.sleep(0.02)
            kept.append(time.perf_counter() - started)
            signoff.unlock(organizer, skill, sub.code, "bench: again")
        print(f"  {sub.code}: baseline blank form via competition.workers render "
              f"{statistics.median(baseline):.2f}; the same via a one-off child "
              f"{statistics.median(fast):.2f}; via a warm child {statistics.median(warm):.2f} "
              f"({statistics.median(warm) / statistics.median(baseline):.2f}× the baseline); "
              f"sign-off answered "
              f"{statistics.median(waits):.3f}; forms kept in {len(ids)} languages "
              f"{statistics.median(kept):.2f}")


if __name__ == "__main__":
    main()
