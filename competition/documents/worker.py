"""The certificate worker: a process of its own, so WeasyPrint never holds the CPU of the
process that serves sockets.

    python -m competition.workers batch BATCH_ID [--locale ru]
    python -m competition.workers preview CHAMPIONSHIP_ID KIND   (JSON on stdin)

The server starts it (`launch`) with its own database and instance folder. A batch issues the
documents (one write transaction), prints them in chunks, keeps each person's page in the
database, writes the batch's PDF or ZIP under <instance>/documents/ and records the outcome on
the batch row; it prints one JSON line per progress step on stdout. In the server, a relay
(a greenlet under gevent, a thread otherwise) reads those lines and pushes them to the page
over Socket.IO (`progress` events, the same as imports), and marks the batch failed if the
worker died without saying so. The command line (`competition certificates`) runs the same
batch in its own process with a progress bar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

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

def worker_env(app) -> dict:
    env = dict(os.environ)
    env.update({
        "COMPETITION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COMPETITION_INSTANCE": app.config["INSTANCE_PATH"],
        "COMPETITION_SECRET_KEY": str(app.config["SECRET_KEY"]),
        "COMPETITION_ASYNC_MODE": "threading",
    })
    return env


def running_batch(championship_id: int) -> DocumentBatch | None:
    """A batch of the championship still printing (one at a time: serials are sequential)."""
    since = utcnow() - STALE
    return db.session.execute(sa.select(DocumentBatch).where(
        DocumentBatch.championship_id == championship_id,
        DocumentBatch.status.in_(("queued", "running")),
        DocumentBatch.created_at > since)).scalars().first()


def launch(batch: DocumentBatch, locale: str) -> None:
    """Start the worker for the batch and relay its progress to the batch's task room."""
    from ..extensions import socketio

    app = current_app._get_current_object()
    log = (batch_folder() / f"batch-{batch.id}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "competition.workers", "batch", str(batch.id),
         "--locale", locale],
        stdout=subprocess.PIPE, stderr=log, env=worker_env(app), close_fds=True)
    log.close()
    socketio.start_background_task(_relay, app, socketio, process, batch.id, batch.task)


def _relay(app, socketio, process, batch_id: int, task: str) -> None:
    """Relay the worker's steps to the page; with a message queue the worker sends them
    itself, and this only reports a worker that died without saying so."""
    from ..progress import room

    relays = not app.config.get("MESSAGE_QUEUE")  # with a queue the worker emits itself
    last = {"task": task, "done": 0, "total": 0, "label": ""}
    for line in process.stdout:
        try:
            step = json.loads(line)
        except ValueError:
            continue
        last = {"task": task, "batch": batch_id, "done": step["done"], "total": step["total"],
                "label": step["label"]}
        if relays and task:
            socketio.emit("progress", last, to=room(task))
    code = process.wait()
    died = False
    with app.app_context():
        batch = db.session.get(DocumentBatch, batch_id)
        if batch is not None and batch.status in ("queued", "running"):
            died = True
            with write_transaction():
                batch.status = "failed"
                log = f"documents/batch-{batch_id}.log"
                batch.error = str(_l(
                    "The certificate worker stopped unexpectedly (exit code %(code)s). Start "
                    "the batch again; if it stops again, the server's administrator finds why "
                    "in %(log)s.", code=code, log=log))
                batch.finished_at = utcnow()
        status = batch.status if batch is not None else "failed"
        db.session.remove()
    if task and (relays or died):
        socketio.emit("progress", {**last, "finished": status}, to=room(task))


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
        env=worker_env(current_app), timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise RenderFailed(lines[-1])
    return done.stdout


# --- the process ----------------------------------------------------------------------------------

_STDOUT_GONE = False


def _print_step(done: int, total: int, label: str) -> None:
    """One JSON line per step for the server's relay. If that server is gone (killed, or
    restarted), the batch goes on: the page polls its state, or hears the queue."""
    global _STDOUT_GONE
    if _STDOUT_GONE:
        return
    try:
        sys.stdout.write(json.dumps({"done": done, "total": total, "label": label}) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        _STDOUT_GONE = True


class QueueProgress:
    """With a message queue (several server processes), the worker is an external process of
    Flask-SocketIO: it sends the batch's progress through the queue itself, to whichever
    process holds the watching page's socket, and prints the steps as well."""

    def __init__(self, queue: str, channel: str, batch_id: int, task: str):
        from flask_socketio import SocketIO

        from ..progress import room

        self.socketio = SocketIO(message_queue=queue, channel=channel)
        self.room, self.batch_id, self.task = room(task), batch_id, task
        self.last = {"task": task, "batch": batch_id, "done": 0, "total": 0, "label": ""}

    def __call__(self, done: int, total: int, label: str) -> None:
        _print_step(done, total, label)
        self.last = {**self.last, "done": done, "total": total, "label": label}
        self.socketio.emit("progress", self.last, to=self.room)

    def finish(self, status: str) -> None:
        self.socketio.emit("progress", {**self.last, "finished": status}, to=self.room)


def main(app, argv: list[str]) -> int:
    """The child process's work on `app` (made by competition/workers.py, the
    process's entry point: the documents never import the app factory themselves)."""
    command, *rest = argv
    with app.test_request_context("/"):
        if command == "batch":
            locale = rest[2] if len(rest) > 2 and rest[1] == "--locale" else "ru"
            progress = _print_step
            queue = app.config.get("MESSAGE_QUEUE")
            batch = db.session.get(DocumentBatch, int(rest[0]))
            if queue and batch is not None and batch.task:
                progress = QueueProgress(queue, app.config["MESSAGE_QUEUE_CHANNEL"], batch.id,
                                         batch.task)
            with force_locale(locale):
                batch = run_batch(int(rest[0]), progress)
            if isinstance(progress, QueueProgress):
                progress.finish(batch.status)
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
