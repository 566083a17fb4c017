"""Benchmark of certificate printing: a WorldSkills-sized championship (1,500 competitors).

    .venv/bin/python bench/bench_certificates.py [--competitors 1500] [--skills 30]
                                                 [--no-zip] [--no-chunks] [--list-chunks]

A fresh SQLite database and instance folder hold one championship of N skills × M competitors
(names in Kazakh and Russian, organizations, an eight-aspect marking scheme marked to the end,
every skill published, so medals and Medallions for Excellence are due). In the same run:
- `competition certificates CODE --kinds medals,participation -o out.pdf` as a child process,
  the way an organizer runs it: wall seconds, certificates (pages of the PDF, read with pypdf),
  seconds per certificate, the peak RSS of the child and its render processes together
  (sampled from /proc every 0.1 s) — the targets: under 60 s and under 1 GiB for 1,500
  competitors;
- the same with `--zip` (one PDF per person);
- the worker the server starts (`python -m competition.workers batch ID`), whose progress
  lines, timed as they arrive, give seconds per certificate of each printed chunk (p50/p95);
- baseline: a bare WeasyPrint render, in one process, of the same template and the same pages
  (contexts of the issued documents, as `print_chunks` builds them): one document of
  --bare-pages pages, and one document per page for --bare-single pages. The product renders in
  one process per core (COMPETITION_RENDER_PROCESSES), so its ratio can fall below 1.
The CPU other processes used during each run is printed beside it (2 cores: other work shows).
Not a timed test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import machine_busy_seconds  # noqa: E402

from competition import create_app  # noqa: E402
from competition.database import write_transaction  # noqa: E402
from competition.documents.certificates.printing import CHUNK  # noqa: E402
from competition.extensions import db  # noqa: E402
from competition.models import (  # noqa: E402
    Aspect,
    Championship,
    Competitor,
    Criterion,
    Document,
    DocumentBatch,
    Mark,
    Organization,
    Skill,
    SubCriterion,
)

CHAMPIONSHIP = "bench-ws-2026"
BASE_URL = "http://192.168.1.10:5000"
TARGET_SECONDS = 60.0
TARGET_RSS = 1024**3  # bytes
TARGET_COMPETITORS = 1500

# (Kazakh, Russian) first names and surnames: every Kazakh letter (ә ғ қ ң ө ұ ү һ і) occurs.
FIRST = [("Әлия", "Алия"), ("Ғалым", "Галым"), ("Қайрат", "Кайрат"), ("Аңсар", "Ансар"),
         ("Өмірзақ", "Омирзак"), ("Ұлжан", "Улжан"), ("Үміт", "Умит"), ("Һамит", "Хамит"),
         ("Іңкәр", "Инкар"), ("Дәурен", "Даурен"), ("Айгүл", "Айгуль"), ("Мөлдір", "Молдир"),
         ("Бақыт", "Бахыт"), ("Нұрлан", "Нурлан"), ("Жәнібек", "Жанибек"), ("Сәуле", "Сауле")]
LAST = [("Сәрсенбаев", "Сарсенбаев"), ("Құрманғалиев", "Курмангалиев"),
        ("Нұрғазиев", "Нургазиев"), ("Өтепов", "Отепов"), ("Үсенов", "Усенов"),
        ("Жақсылықов", "Жаксылыков"), ("Ерғалиев", "Ергалиев"),
        ("Әбдірахманов", "Абдрахманов"), ("Тұрсынбеков", "Турсынбеков"),
        ("Мұхамедиев", "Мухамедиев"), ("Һасенов", "Хасенов"), ("Ісләмов", "Исламов"),
        ("Шәкәрімов", "Шакаримов"), ("Бөкейханов", "Букейханов")]
ORGANIZATIONS = [
    ("Өскемен жоғары политехникалық колледжі", "Усть-Каменогорский высший политехнический колледж"),
    ("Шығыс Қазақстан техникалық университеті", "Восточно-Казахстанский технический университет"),
    ("Семей құрылыс-техникалық колледжі", "Семейский строительно-технический колледж"),
    ("Риддер аграрлық-техникалық колледжі", "Риддерский аграрно-технический колледж"),
    ("Зайсан көпсалалы колледжі", "Зайсанский многопрофильный колледж"),
    ("«Үлбі металлургиялық зауыты» АҚ", "АО «Ульбинский металлургический завод»"),
    ("Алтай өңірлік қызмет көрсету колледжі", "Алтайский региональный колледж сервиса"),
    ("Глубокое ауылшаруашылық колледжі", "Глубоковский сельскохозяйственный колледж"),
]
SKILLS = [("Дәнекерлеу технологиялары", "Сварочные технологии", "Welding"),
          ("Мехатроника", "Мехатроника", "Mechatronics"),
          ("Шаштараз өнері", "Парикмахерское искусство", "Hairdressing"),
          ("Мейрамхана сервисі", "Ресторанный сервис", "Restaurant Service"),
          ("Электр монтаждау", "Электромонтаж", "Electrical Installations"),
          ("Веб-әзірлеу", "Веб-разработка", "Web Technologies")]
ASPECT_MAX = (Decimal(15),) * 4 + (Decimal(10),) * 4  # a scheme of 100 marks
STEPS = 20  # each measurement is marked in twentieths of its maximum


def build(competitors: int, skills: int, seed: int = 2026) -> None:
    """The championship, its skills, competitors and marks (every cell), all published."""
    rng = random.Random(seed)
    per_skill = -(-competitors // skills)
    with write_transaction() as session:
        championship = Championship(
            code=CHAMPIONSHIP, name_kk="Шығыс Қазақстан облысының өңірлік чемпионаты",
            name_ru="Региональный чемпионат Восточно-Казахстанской области",
            name_en="East Kazakhstan regional championship", scale="ws500",
            venue_kk="Өскемен", venue_ru="Усть-Каменогорск", venue_en="Oskemen")
        organizations = [Organization(code=f"BORG{i:02d}", name_kk=kk, name_ru=ru)
                         for i, (kk, ru) in enumerate(ORGANIZATIONS)]
        session.add_all([championship, *organizations])
        made = 0
        marks = []
        for s in range(skills):
            kk, ru, en = SKILLS[s % len(SKILLS)]
            suffix = f" {s // len(SKILLS) + 1}" if s >= len(SKILLS) else ""
            skill = Skill(code=f"{s + 1:02d}", position=s, visibility="published",
                          name_kk=kk + suffix, name_ru=ru + suffix, name_en=en + suffix,
                          championship=championship)
            criterion = Criterion(code="A", name_ru="Работа", name_kk="Жұмыс", position=0)
            sub = SubCriterion(code="A1", name_ru="Работа", name_kk="Жұмыс")
            criterion.sub_criteria.append(sub)
            skill.criteria.append(criterion)
            aspects = [Aspect(code=f"A{i + 1}", type="M", max=top, position=i, skill=skill,
                              allowed_values=[str(top * k / STEPS) for k in range(STEPS + 1)])
                       for i, top in enumerate(ASPECT_MAX)]
            sub.aspects.extend(aspects)
            for c in range(min(per_skill, competitors - made)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                skill.competitors.append(Competitor(
                    code=f"{c + 1:03d}", name_kk=f"{last[0]} {first[0]}",
                    name_ru=f"{last[1]} {first[1]}", name_en="",
                    organization=rng.choice(organizations), status="active"))
                made += 1
            session.add(skill)
            session.flush()
            field = list(skill.competitors)
            rng.shuffle(field)
            for place, competitor in enumerate(field):
                # Levels far apart at the top: one gold, one silver, one bronze.
                level = (1 - place / len(field)) ** 4
                for aspect in aspects:
                    steps = round((0.25 + level * 0.73 + rng.random() * 0.02) * STEPS)
                    value = aspect.max * steps / STEPS
                    marks.append({"skill_id": skill.id, "aspect_id": aspect.id,
                                  "aspect_type": "M", "competitor_id": competitor.id,
                                  "judge_id": None, "value": value, "revision": 1,
                                  "version": len(marks) + 1})
        session.execute(sa.insert(Mark), marks)


@dataclass
class Run:
    label: str
    seconds: float
    certificates: int
    rss: int = 0  # bytes
    others: float = 0.0  # CPU seconds other processes used meanwhile
    per_chunk: list[tuple[int, float]] = field(default_factory=list)  # (certificates, seconds)
    note: str = ""


def tree_rss(root: int) -> int:
    """Bytes resident in process `root` and all its descendants (the render processes)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class TreeSampler:
    """The peak, over time, of the sum of RSS of a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.1):
        import threading

        self.pid, self.every, self.peak = pid, every, 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            self.peak = max(self.peak, tree_rss(self.pid))

    def stop(self) -> int:
        self.stopped.set()
        self.thread.join()
        return self.peak


SAMPLERS: dict[int, TreeSampler] = {}


def child(command: list[str], env: dict, stdout=None) -> tuple[subprocess.Popen, float]:
    process = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    SAMPLERS[process.pid] = TreeSampler(process.pid)
    return process, time.perf_counter()


def finish(process: subprocess.Popen) -> tuple[int, int, float]:
    """Wait for the child; (exit code, the peak RSS of it and its render processes together,
    in bytes — at least its own peak —, its and their CPU seconds)."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = max(SAMPLERS.pop(process.pid).stop(), usage.ru_maxrss * 1024)
    return process.returncode, peak, usage.ru_utime + usage.ru_stime


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def run_cli(env: dict, folder: Path, as_zip: bool) -> Run:
    out = folder / ("certificates.zip" if as_zip else "certificates.pdf")
    command = [sys.executable, "-m", "competition", "certificates", CHAMPIONSHIP,
               "--kinds", "medals,participation", "-o", str(out), "--base-url", BASE_URL]
    if as_zip:
        command.append("--zip")
    busy = machine_busy_seconds()
    process, start = child(command, env)
    error = process.stderr.read()
    code, rss, cpu = finish(process)
    seconds = time.perf_counter() - start
    others = machine_busy_seconds() - busy - cpu
    if code != 0:
        raise SystemExit(f"the CLI failed ({code}):\n{error.decode(errors='replace')}")
    if as_zip:
        with zipfile.ZipFile(out) as archive:
            names = archive.namelist()
            count = sum(pdf_pages(archive.read(name)) for name in names)
        note = f"{len(names)} files, {out.stat().st_size / 2**20:.0f} MiB"
    else:
        count = pdf_pages(out.read_bytes())
        note = f"{out.stat().st_size / 2**20:.0f} MiB"
    label = "competition certificates" + (" --zip" if as_zip else " (PDF)")
    return Run(label, seconds, count, rss, others, note=note)


def run_worker(app, env: dict) -> Run:
    """The server's worker process on a new batch; each progress line is a printed chunk."""
    with app.app_context():
        championship = db.session.execute(sa.select(Championship).where(
            Championship.code == CHAMPIONSHIP)).scalar_one()
        with write_transaction() as session:
            batch = DocumentBatch(championship_id=championship.id, kinds="medals,participation",
                                  output="pdf", status="queued", base_url=BASE_URL)
            session.add(batch)
            session.flush()
            batch_id = batch.id
        db.session.remove()
    busy = machine_busy_seconds()
    process, start = child([sys.executable, "-m", "competition.workers", "batch",
                            str(batch_id), "--locale", "ru"], env, stdout=subprocess.PIPE)
    steps = []
    for line in process.stdout:
        step = json.loads(line)
        steps.append((time.perf_counter(), step["done"], step["total"]))
    error = process.stderr.read()
    code, rss, cpu = finish(process)
    seconds = time.perf_counter() - start
    others = machine_busy_seconds() - busy - cpu
    if code != 0:
        raise SystemExit(f"the worker failed ({code}):\n{error.decode(errors='replace')}")
    # The first step with done == 0 and total == N is "printing starts"; each later step ends
    # a chunk of (done - previous done) certificates.
    printing = [(t, done) for t, done, total in steps if total > 1]
    per_chunk = [(done - before, t - t_before)
                 for (t_before, before), (t, done) in zip(printing, printing[1:], strict=False)
                 if done > before]
    total = printing[-1][1] if printing else 0
    setup = printing[0][0] - start if printing else 0.0
    return Run("worker (server's batch), PDF", seconds, total, rss, others, per_chunk,
               note=f"{setup:.1f} s before the first chunk")


def bare(app, pages: int, single: int) -> tuple[Run, Run]:
    """WeasyPrint alone, in this one process, on the same template and the same pages as the
    batch printed."""
    from competition.documents.certificates.pages import page_context, settings_of
    from competition.documents.certificates.printing import assets_of, make_job
    from competition.documents.certificates.templates import template_for
    from competition.documents.certificates.verification import verify_url

    with app.test_request_context("/"):
        championship = db.session.execute(sa.select(Championship).where(
            Championship.code == CHAMPIONSHIP)).scalar_one()
        settings = settings_of(championship)
        documents = db.session.execute(
            sa.select(Document).where(Document.championship_id == championship.id,
                                      Document.revoked_at.is_(None))
            .order_by(Document.id).limit(max(pages, single))).scalars().all()
        template = template_for(championship.id, "participation")
        contexts = [page_context(d, d.details, settings, championship,
                                 verify_url(BASE_URL, d.verification_code))
                    for d in documents]
        assets = assets_of(championship.id)

        def render(chunk: list[dict]) -> bytes:
            return make_job(template, chunk, settings, assets).render()

        render(contexts[:1])  # warm up: fonts, CSS parsing
        start = time.perf_counter()
        many = render(contexts[:pages])
        many_run = Run(f"bare WeasyPrint, 1 document × {pages} pages",
                       time.perf_counter() - start, pdf_pages(many))
        times = []
        for context in contexts[:single]:
            start = time.perf_counter()
            render([context])
            times.append(time.perf_counter() - start)
        single_run = Run(f"bare WeasyPrint, 1 document per page × {single}", sum(times),
                         len(times), per_chunk=[(1, t) for t in times])
        db.session.remove()
    return many_run, single_run


def quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (float("nan"), float("nan"))
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), cuts[18]


def report(args, runs: list[Run], base: Run, built: str, competitors: int) -> bool:
    base_per = base.seconds / base.certificates
    print(f"\n{built}")
    print(f"  {'':42} {'certs':>6} {'wall s':>7} {'ms/cert':>8} {'chunk p50':>10} "
          f"{'chunk p95':>10} {'ratio':>7} {'peak RSS':>9} {'others':>7}")
    for run in runs:
        per = run.seconds / run.certificates
        p50 = p95 = ""
        if run.per_chunk:
            q50, q95 = quantiles([s / n for n, s in run.per_chunk])
            p50, p95 = f"{q50 * 1000:8.1f}ms", f"{q95 * 1000:8.1f}ms"
        rss = f"{run.rss / 2**20:6.0f}MiB" if run.rss else ""
        others = f"{run.others:5.1f}s" if run.rss else ""
        print(f"  {run.label:42} {run.certificates:6d} {run.seconds:7.1f} {per * 1000:8.1f} "
              f"{p50:>10} {p95:>10} {per / base_per:6.1f}× {rss:>9} {others:>7}"
              + (f"  ({run.note})" if run.note else ""))
    print("  ms/cert: wall seconds / certificates; chunk p50/p95: seconds per certificate of "
          "each printed WeasyPrint document; ratio: ms/cert against the bare many-pages row;")
    print("  others: CPU seconds other processes of the machine used during the run.")
    ok = True
    scale = TARGET_COMPETITORS / competitors
    for run in runs:
        if not run.rss:
            continue
        seconds = run.seconds * scale
        fast = seconds < TARGET_SECONDS
        small = run.rss < TARGET_RSS
        ok &= fast and small
        scaled = "" if scale == 1 else f" (scaled to {TARGET_COMPETITORS:,}: {seconds:.1f} s)"
        print(f"  {'PASS' if fast and small else 'FAIL'}  {run.label}: {run.seconds:.1f} s"
              f"{scaled} < {TARGET_SECONDS:.0f} s {'yes' if fast else 'NO'}; peak "
              f"{run.rss / 2**20:.0f} MiB < 1024 MiB {'yes' if small else 'NO'}")
    if args.list_chunks:
        for run in runs:
            if run.rss and run.per_chunk:
                sizes: dict[int, list[float]] = {}
                for n, s in run.per_chunk:
                    sizes.setdefault(n, []).append(s)
                print(f"\n  {run.label}: printed documents by size")
                print(f"  {'pages':>6} {'documents':>10} {'seconds':>8} {'ms/page p50':>12}")
                for n in sorted(sizes):
                    spent = sizes[n]
                    print(f"  {n:6d} {len(spent):10d} {sum(spent):8.1f} "
                          f"{statistics.median(spent) / n * 1000:12.1f}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--competitors", type=int, default=TARGET_COMPETITORS)
    parser.add_argument("--skills", type=int, default=30)
    parser.add_argument("--zip", action=argparse.BooleanOptionalAction, default=True,
                        help="also the ZIP variant (one PDF per person)")
    parser.add_argument("--chunks", action=argparse.BooleanOptionalAction, default=True,
                        help="also the server's worker, timed per printed chunk")
    parser.add_argument("--list-chunks", action="store_true",
                        help="print the worker's documents by their number of pages")
    parser.add_argument("--bare-pages", type=int, default=200)
    parser.add_argument("--bare-single", type=int, default=20)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder}/competition.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder),
                          "SECRET_KEY": "bench"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            build(args.competitors, args.skills)
            competitors = db.session.execute(
                sa.select(sa.func.count()).select_from(Competitor)).scalar()
            db.session.remove()
        env = dict(os.environ, COMPETITION_DATABASE_URL=url, COMPETITION_INSTANCE=str(folder),
                   COMPETITION_SECRET_KEY="bench", PYTHONUNBUFFERED="1")  # noqa: S106
        built = (f"{competitors:,} competitors in {args.skills} skills, medals and "
                 f"participation; python {sys.version.split()[0]}, SQLite, "
                 f"{os.cpu_count()} CPUs, chunks of {CHUNK}")
        print(built.split(";")[0] + ": printing…", flush=True)
        runs = [run_cli(env, folder, as_zip=False)]
        if args.zip:
            runs.append(run_cli(env, folder, as_zip=True))
        if args.chunks:
            runs.append(run_worker(app, env))
        many, single = bare(app, args.bare_pages, args.bare_single)
        with app.app_context():
            db.engine.dispose()
    ok = report(args, [many, single, *runs], many, built, competitors)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n  bench process: peak RSS {own:.0f} MiB (the bare renders run here)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
