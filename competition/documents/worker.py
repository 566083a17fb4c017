"""The certificate worker: a process of its own, so WeasyPrint never holds the CPU of the
process that serves sockets.

    python -m competition.workers batch BATCH_ID [--locale ru]
    python -m competition.workers preview CHAMPIONSHIP_ID KIND   (JSON on stdin)

The server starts it (`launch`, through competition/tasks.py, which imports share) with its
own database and instance folder. A batch issues the documents (one write transaction), prints
them in chunks, keeps each person's page in the database, writes the batch's PDF or ZIP under
<instance>/documents/ and records the outcome on the batch row; it prints one JSON line per
progress step on stdout. In the server, tasks.py's relay pushes them to the page over
Socket.IO (`progress` events with `batch`), and `_ended` marks the batch failed if the worker
died without saying so. The command line (`competition certificates`) runs the same batch in
its own process with a progress bar.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .. import tasks
from ..database import write_transaction
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..models import Championship, Document, DocumentBatch, Skill
from ..models.base import utcnow
from .certificates.due import make_scope
from .certificates.issuing import issue
from .certificates.pages import asset_url, sample_context, settings_of
from .certificates.printing import assets_of, file_name, make_job, print_chunks
from .certificates.templates import Template
from .render import RenderFailed

STALE = timedelta(hours=1)  # a batch "running" this long is taken as abandoned

Progress = Callable[[int, int, str], None]


def batch_folder() -> Path:
    folder = Path(current_app.instance_path) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def batch_path(batch: DocumentBatch) -> Path:
    return batch_folder() / f"batch-{batch.id}.{batch.output}"


def _set(batch_id: int, **values) -> None:
    with write_transaction() as session:
        session.execute(sa.update(DocumentBatch).where(DocumentBatch.id == batch_id)
                        .values(**values))


def run_batch(batch_id: int, progress: Progress) -> DocumentBatch:
    """Issue and print the batch's certificates; the row says how it ended."""
    from pypdf import PdfWriter

    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}", code="unknown_batch")
    try:
        championship = db.session.get(Championship, batch.championship_id)
        skill = db.session.get(Skill, batch.skill_id) if batch.skill_id else None
        _set(batch_id, status="running")
        progress(0, 1, str(_l("Checking who is due a certificate")))
        scope = make_scope(championship, skill, batch.kinds.split(","))
        with write_transaction() as session:
            issued = issue(session, scope)
            ids = [d.id for d in issued.documents]
        documents = [db.session.get(Document, i) for i in ids]
        total = len(documents)
        _set(batch_id, total=total, documents=total)
        if not documents:
            raise Conflict(str(_l(
                "No certificate is due: nobody in this choice has a published result "
                "(or there are no awards).")), code="nothing_due")
        label = str(_l("Printing certificates"))
        progress(0, total, label)
        target = batch_path(batch)
        partial = target.with_suffix(target.suffix + ".part")
        merged = PdfWriter() if batch.output == "pdf" else None
        archive = zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) if merged is None else None
        done = 0
        settings = settings_of(championship)
        for chunk in print_chunks(championship, documents, batch.base_url, settings):
            with write_transaction() as session:
                pages = zip(chunk.documents, chunk.pages, strict=True)
                session.execute(sa.update(Document), [{"id": d.id, "pdf": page}
                                                      for d, page in pages])
                session.execute(sa.update(DocumentBatch).where(DocumentBatch.id == batch_id)
                                .values(done=done + len(chunk.documents)))
            if merged is not None:
                import io

                merged.append(io.BytesIO(chunk.pdf))
            else:
                for document, page in zip(chunk.documents, chunk.pages, strict=True):
                    archive.writestr(file_name(document), page)
            done += len(chunk.documents)
            progress(done, total, label)
        if merged is not None:
            with partial.open("wb") as handle:
                merged.write(handle)
        else:
            archive.close()
        partial.replace(target)
        name = f"certificates-{championship.code}" + (f"-{skill.code}" if skill else "")
        _set(batch_id, status="done", done=total, file_name=f"{name}.{batch.output}",
             size=target.stat().st_size, finished_at=utcnow())
    except DomainError as error:
        db.session.rollback()
        _set(batch_id, status="failed", error=error.message, finished_at=utcnow())
    except Exception as error:  # noqa: BLE001  (the page must say it failed, not hang)
        db.session.rollback()
        current_app.logger.exception("certificate batch %s failed", batch_id)
        _set(batch_id, status="failed", finished_at=utcnow(),
             error=str(_l("Printing failed: %(error)s", error=str(error)[:500])))
    db.session.expire_all()
    return db.session.get(DocumentBatch, batch_id)


# --- the server's side ----------------------------------------------------------------------------

def running_batch(championship_id: int) -> DocumentBatch | None:
    """A batch of the championship still printing (one at a time: serials are sequential)."""
    since = utcnow() - STALE
    return db.session.execute(sa.select(DocumentBatch).where(
        DocumentBatch.championship_id == championship_id,
        DocumentBatch.status.in_(("queued", "running")),
        DocumentBatch.created_at > since)).scalars().first()


def launch(batch: DocumentBatch, locale: str) -> None:
    """Start the worker for the batch and relay its progress to the batch's task room."""
    tasks.launch(["batch", str(batch.id), "--locale", locale],
                 batch_folder() / f"batch-{batch.id}.log", batch.task, {"batch": batch.id},
                 partial(_ended, batch.id))


def _ended(batch_id: int, code: int | None) -> tuple[str, bool]:
    """The worker exited: a batch it left queued or running failed (it died)."""
    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None:
        return "failed", False
    if batch.status not in ("queued", "running"):
        return batch.status, False
    with write_transaction():
        batch.status = "failed"
        log = f"documents/batch-{batch_id}.log"
        batch.error = str(_l(
            "The certificate worker stopped unexpectedly (exit code %(code)s). Start "
            "the batch again; if it stops again, the server's administrator finds why "
            "in %(log)s.", code="?" if code is None else code, log=log))
        batch.finished_at = utcnow()
    return "failed", True


def preview(championship_id: int, kind: str, html: str, css: str) -> bytes:
    """A one-page PDF of the template with invented values (run in the worker process)."""
    championship = db.session.get(Championship, championship_id)
    settings = settings_of(championship)
    context = sample_context()
    context["kind"] = kind
    context["logo_url"] = asset_url(settings.logo_asset_id)
    job = make_job(Template(kind, html, css, True), [context], settings,
                   assets_of(championship_id))
    return job.render()


def preview_in_worker(championship_id: int, kind: str, html: str, css: str,
                      timeout: float = 120) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "competition.workers", "preview", str(championship_id),
         kind], input=json.dumps({"html": html, "css": css}).encode(), capture_output=True,
        env=tasks.child_env(current_app), timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise RenderFailed(lines[-1])
    return done.stdout


# --- the process ----------------------------------------------------------------------------------

def main(app, argv: list[str]) -> int:
    """The child process's work on `app` (made by competition/workers.py, the
    process's entry point: the documents never import the app factory themselves)."""
    command, *rest = argv
    with app.test_request_context("/"):
        if command == "batch":
            locale = rest[2] if len(rest) > 2 and rest[1] == "--locale" else "ru"
            batch = db.session.get(DocumentBatch, int(rest[0]))
            progress = tasks.step_sender(app, batch.task if batch else None,
                                         {"batch": int(rest[0])})
            with force_locale(locale):
                batch = run_batch(int(rest[0]), progress)
            tasks.finish(progress, batch.status)
            return 0 if batch.status == "done" else 1
        if command == "preview":
            data = json.loads(sys.stdin.buffer.read())
            try:
                pdf = preview(int(rest[0]), rest[1], data["html"], data["css"])
            except Exception as error:  # noqa: BLE001  (the organizer sees this line)
                sys.stderr.write(f"{error}\n")
                return 1
            sys.stdout.buffer.write(pdf)
            return 0
    sys.stderr.write(f"unknown command {command!r}\n")
    return 2
