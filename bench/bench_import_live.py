"""Benchmark of a judge's marks while an organizer confirms a 2,000-competitor import.

    .venv/bin/python bench/bench_import_live.py [--runs 3] [--competitors 2000] [--rate 20]
        [--baseline 10] [--skill vko-ws-2026/10] [--import-skill vko-ws-2026/18]
        [--badges [--experts 100]] [--logins N]

`competition serve` (gevent, SQLite) on the demo championship (bench_live.prepare_instance:
every skill live, an API token per expert). One judge of `--skill` (python-socketio, websocket,
token auth) sends `mark:submit` every 1/`--rate` s, one at a time, and times each
acknowledgement (send → ack, at the judge). Meanwhile an organizer, logged in over HTTP,
uploads a workbook of `--competitors` new competitors of `--import-skill` and previews it (in
the request, as the page does, with its progress task), then confirms it; the import runs in
the import worker (registry/imports/jobs.py) until its page says it is done, then exports the
skill's competitors as .xlsx. Each run has four windows of the same judge's marks, in this
order:

- baseline: `--baseline` seconds with no import running;
- preview: the preview's request (the file read and every row checked in the server);
- import: from the confirmation's POST until the import's page answers with the result;
- export: the export's request (every competitor of the skill written in the server).

Figures: ack p50, p95, p99 and max of each window over all runs, their ratios to the baseline,
the confirmation's answer time, how long the import took (confirm → done), and how long its
write transaction held the database's write lock (the line the worker writes in its log).
Issue 24's goal: ack p99 ≤ 20 ms during the import. Not a timed test; the machine's other load
counts (the load average is printed).

With `--badges`, the organizer prints the badges of the judge's championship instead of
importing (POST /manage/badges: the PDF rendered, an account and a login code stored for every
expert), after `--experts N` more experts are registered (two skills each) before the server
starts; the windows are the baseline and that request's ("badges").

With `--logins N`, the organizer logs in N times in a row instead (each a password checked
against its scrypt hash); the windows are the baseline and those logins ("logins").
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import experts_workbook, workbook
from bench_live import PYTHON, SECRET_KEY, judge_specs, prepare_instance
from processes import free_port, percentile, print_columns, start, stop

ORGANIZER, PASSWORD = "bench-organizer", "bench-organizer-password"


class Judge:
    """One judge's connection sending marks one at a time at a steady pace, each ack timed and
    tagged with the window it was sent in."""

    def __init__(self, url: str, spec: dict, period: float):
        import socketio

        self.cells = [dict(cell, next=0, revision=0) for cell in spec["cells"]]
        self.period, self.turn = period, 0
        self.window: str | None = None
        self.acks: dict[str, list[float]] = {}
        self.refused: dict[str, int] = {}
        self.stopping = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.connect(url, transports=["websocket"], wait_timeout=30,
                            auth={"token": spec["token"]})
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _send(self) -> None:
        cell = self.cells[self.turn % len(self.cells)]
        self.turn += 1
        value = cell["values"][cell["next"] % len(cell["values"])]
        cell["next"] += 1
        window = self.window
        sent = time.perf_counter()
        answer = self.client.call("mark:submit", {
            "id": str(uuid.uuid4()), "skill": cell["skill"], "competitor": cell["competitor"],
            "aspect": cell["aspect"], "value": value, "base": cell["revision"],
            "device": "bench"}, timeout=30)
        took = time.perf_counter() - sent
        mark = (answer or {}).get("mark") or {}
        if mark.get("revision") is not None:
            cell["revision"] = mark["revision"]
        if window is None:
            return
        if isinstance(answer, dict) and answer.get("ok"):
            self.acks.setdefault(window, []).append(took)
        else:
            code = (answer or {}).get("error") or "no answer"
            self.refused[code] = self.refused.get(code, 0) + 1

    def _run(self) -> None:
        due = time.perf_counter()
        while not self.stopping.is_set():
            self._send()
            # the next one a period later, not sooner to catch up after a slow ack
            due = max(due + self.period, time.perf_counter())
            time.sleep(max(0.0, due - time.perf_counter()))

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        self.client.disconnect()


def add_organizer(instance: Path) -> None:
    from competition import create_app
    from competition.auth.service import add_user
    from competition.database import write_transaction
    from competition.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'competition.db'}",
                      "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        with write_transaction():
            add_user(ORGANIZER, "organizer", PASSWORD)
        db.session.remove()
        db.engine.dispose()


def add_experts(instance: Path, n: int, championship: str) -> int:
    """Register `n` experts more (bench_import's workbook, imported by the service); the id
    of the championship."""
    import sqlalchemy as sa

    from competition import create_app
    from competition.extensions import db
    from competition.models import Championship
    from competition.registry.imports import service

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'competition.db'}",
                      "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY})
    with app.test_request_context():
        if n:
            importer = service.importer_for("experts")
            service.run_import(importer, service.resolve_target(importer, championship, None),
                               "experts.xlsx", experts_workbook(n))
        found = db.session.execute(sa.select(Championship.id).where(
            Championship.code == championship)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return found


def print_badges(http, url: str, championship_id: int) -> tuple[float, int]:
    """The organizer prints every badge of the championship; (seconds the PDF took to come,
    how many badges it holds)."""
    page = http.get(url + f"/manage/badges?championship={championship_id}", timeout=30).text
    began = time.perf_counter()
    answer = http.post(url + "/manage/badges", timeout=300, data={  # as the page's script
        "csrf_token": csrf(page), "task": task_of(page), "championship": championship_id,
        "skill": 0, "days": 3})
    took = time.perf_counter() - began
    if answer.status_code != 200 or not answer.content.startswith(b"%PDF-"):
        raise SystemExit(f"the badges were not printed: {answer.status_code}")
    return took, int(answer.headers["X-Badges"])


def csrf(html: str) -> str:
    return re.search(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"', html).group(1)


def log_in(url: str):
    import requests

    http = requests.Session()
    http.headers.update({"Accept-Language": "en"})
    page = http.get(url + "/login", timeout=30).text
    answer = http.post(url + "/login", timeout=30, allow_redirects=False, data={
        "csrf_token": csrf(page), "login": ORGANIZER, "password": PASSWORD})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"the organizer could not log in: {answer.status_code}")
    return http


def task_of(page: str) -> str:
    """The progress task of the page's form (the page's script sends it)."""
    return re.search(r'name="task" type="hidden" value="([^"]+)"', page).group(1)


def preview(http, url: str, data: bytes, skill: str, judge: Judge) -> str:
    page = http.get(url + "/manage/import", timeout=30).text
    championship = skill.split("/")[0]
    judge.window = "preview"
    answer = http.post(url + "/manage/import/preview", timeout=120, data={
        "csrf_token": csrf(page), "task": task_of(page), "kind": "competitors",
        "championship": championship, "skill": skill}, files={"file": ("bench.xlsx", data)})
    judge.window = None
    if answer.status_code != 200 or 'id="confirm-form"' not in answer.text:
        raise SystemExit(f"the preview refused the file ({answer.status_code})")
    return answer.text


def confirm(http, url: str, html: str) -> tuple[float, float, int]:
    """Confirm the previewed file; (seconds the confirmation took to answer, seconds until
    the import's page led to the result, the job's id)."""
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    began = time.perf_counter()
    answer = http.post(url + "/manage/import/confirm", timeout=120, allow_redirects=False,
                       data={"csrf_token": csrf(html), "token": token})
    answered = time.perf_counter() - began
    if answer.status_code != 303:
        raise SystemExit(f"the confirmation answered {answer.status_code}")
    page = url + answer.headers["Location"]
    while True:
        state = http.get(page + ".json", timeout=30).json()["status"]
        if state != "running":
            break
        time.sleep(0.25)  # (the import's own page asks every 2 s)
    ended = time.perf_counter() - began
    result = http.get(page, timeout=30, allow_redirects=False)
    if state != "done" or "/import/result/" not in result.headers.get("Location", ""):
        raise SystemExit(f"the import did not succeed: {state}, {result.status_code}")
    return answered, ended, int(answer.headers["Location"].rsplit("/", 1)[1])


def lock_held(instance: Path, job_id: int) -> float:
    """The seconds the import worker held the write lock, from the line it writes in its log."""
    log = (instance / "imports" / f"import-{job_id}.log").read_text()
    return float(re.search(r"written in ([\d.]+) ms", log).group(1)) / 1000


def renamed(data: bytes, run: int) -> bytes:
    """The workbook with codes of this run (each run creates new competitors)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in book.active.iter_rows(min_row=2):
        row[0].value = f"R{run}-{row[0].value}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--competitors", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20, help="the judge's marks per second")
    parser.add_argument("--baseline", type=float, default=10,
                        help="seconds of the baseline window of each run")
    parser.add_argument("--skill", default="vko-ws-2026/10", help="the judge's skill")
    parser.add_argument("--import-skill", default="vko-ws-2026/18",
                        help="the skill the competitors are imported into")
    parser.add_argument("--badges", action="store_true",
                        help="print the championship's badges instead of importing")
    parser.add_argument("--logins", type=int, default=0,
                        help="log the organizer in this many times instead of importing")
    parser.add_argument("--experts", type=int, default=100,
                        help="with --badges: experts registered before, besides the demo's")
    args = parser.parse_args()
    windows = ["badges"] if args.badges else ["logins"] if args.logins else \
        ["preview", "import", "export"]
    print(f"bench_import_live: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(f"{os.cpu_count()} CPUs; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    data = workbook(args.competitors)
    with tempfile.TemporaryDirectory(prefix="bench-import-live-") as folder:
        workdir = Path(folder)
        instance = prepare_instance(workdir)
        add_organizer(instance)
        championship_id = add_experts(instance, args.experts if args.badges else 0,
                                      args.skill.split("/")[0])
        port = free_port()
        server = start("competition serve", [PYTHON, "-m", "competition", "serve", "--port",
                                             str(port)], port, workdir, env={
            "COMPETITION_INSTANCE": str(instance), "COMPETITION_SECRET_KEY": SECRET_KEY,
            "COMPETITION_DATABASE_URL": ""})
        judge = None
        try:
            judges = json.loads((instance / "tokens.json").read_text())
            spec = judge_specs(server.url, judges, [args.skill], 1)[0]
            judge = Judge(server.url, spec, 1 / args.rate)
            http = log_in(server.url)
            judge.thread.start()
            time.sleep(3)  # warm-up: the skill's context and standings loaded
            answered, took, held = [], [], []
            for run in range(args.runs):
                judge.window = "baseline"
                time.sleep(args.baseline)
                judge.window = None
                if args.logins:
                    judge.window = "logins"
                    began = time.perf_counter()
                    for _login in range(args.logins):
                        log_in(server.url)
                    judge.window = None
                    took.append((time.perf_counter() - began) / args.logins)
                    print(f"run {run + 1}: {args.logins} logins, {ms(took[-1])} ms each; marks "
                          f"so far: { {k: len(v) for k, v in judge.acks.items()} }", flush=True)
                    continue
                if args.badges:
                    judge.window = "badges"
                    ended, badges = print_badges(http, server.url, championship_id)
                    judge.window = None
                    took.append(ended)
                    print(f"run {run + 1}: {badges} badges printed in {ended:.2f} s; marks so "
                          f"far: { {k: len(v) for k, v in judge.acks.items()} }", flush=True)
                    continue
                html = preview(http, server.url, renamed(data, run), args.import_skill, judge)
                time.sleep(1)  # the preview's request is over
                judge.window = "import"
                answer, ended, job_id = confirm(http, server.url, html)
                judge.window = None
                answered.append(answer)
                took.append(ended)
                held.append(lock_held(instance, job_id))
                judge.window = "export"
                exported = http.get(server.url + "/manage/import/export", timeout=120, params={
                    "export-kind": "competitors", "export-format": "xlsx",
                    "export-championship": args.import_skill.split("/")[0],
                    "export-skill": args.import_skill})
                judge.window = None
                if exported.status_code != 200:
                    raise SystemExit(f"the export answered {exported.status_code}")
                print(f"run {run + 1}: confirmation answered in {ms(answer)} ms, import done "
                      f"after {ended:.2f} s, write lock held {ms(held[-1])} ms; marks so far: "
                      f"{ {k: len(v) for k, v in judge.acks.items()} }", flush=True)
        finally:
            if judge is not None:
                judge.close()
            stop(server.process)
    base = judge.acks.get("baseline", [])
    if not base or not all(judge.acks.get(window) for window in windows):
        raise SystemExit(f"no marks measured: {judge.acks}, refused {judge.refused}")
    task = (f"the badges of {args.skill.split('/')[0]} printed" if args.badges else
            f"{args.logins} logins of the organizer" if args.logins else
            f"one import of {args.competitors} competitors into {args.import_skill}")
    print(f"\none judge of {args.skill}, {args.rate:g} marks/s; {args.runs} runs of "
          f"{args.baseline:g} s without it and {task}; ack latency in ms")
    table = [["window", "marks", "p50", "p95", "p99", "max"]]
    for window in ("baseline", *windows):
        values = judge.acks[window]
        table.append([window, str(len(values)), *(ms(percentile(values, q))
                                                  for q in (0.5, 0.95, 0.99)), ms(max(values))])
    for window in windows:
        during = judge.acks[window]
        table.append([f"ratio {window} / baseline", "",
                      *(f"{percentile(during, q) / percentile(base, q):.2f}×"
                        for q in (0.5, 0.95, 0.99)), f"{max(during) / max(base):.2f}×"])
    print_columns(table)
    if judge.refused:
        print(f"refused marks: {judge.refused}")
    p99 = percentile(judge.acks[windows[1] if len(windows) > 1 else windows[0]], 0.99)
    if args.logins:
        print(f"\na login took p50 {ms(statistics.median(took))} ms; ack p99 during them: "
              f"{ms(p99)} ms")
        return
    if args.badges:
        print(f"\nthe badges took p50 {statistics.median(took):.2f} s from the POST to the PDF")
        print(f"ack p99 while they were printed: {ms(p99)} ms "
              f"({'within' if p99 <= 0.020 else 'OVER'} issue 24's 20 ms for an import)")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    print(f"\nconfirmation answered in p50 {ms(statistics.median(answered))} ms; the import "
          f"took p50 {statistics.median(took):.2f} s from the confirmation to its result; its "
          f"write transaction held the lock p50 {ms(statistics.median(held))} ms, max "
          f"{ms(max(held))} ms")
    print(f"ack p99 during the import: {ms(p99)} ms "
          f"({'within' if p99 <= 0.020 else 'OVER'} issue 24's 20 ms); during the preview: "
          f"{ms(percentile(judge.acks['preview'], 0.99))} ms; during the export: "
          f"{ms(percentile(judge.acks['export'], 0.99))} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
