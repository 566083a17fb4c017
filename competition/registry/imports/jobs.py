"""The import's confirmation runs in the import worker, a process of its own started as
certificate batches are (competition/tasks.py), so that the server process neither spends the
seconds of checking thousands of rows nor has its marks wait behind the import:

    python -m competition.workers import JOB_ID [--locale ru]

The confirmation (`start`) records an ImportJob for the upload — one per upload: a second
confirmation (a double click, the browser sending the form again) finds the first one's job —
starts the worker and answers at once with the job's page. The worker (`run`) reads the upload
from the UploadStore and imports it with service.run_import, whose one short write transaction
also marks the job done: a job is done exactly when its import is written. It then removes the
upload. A failed import keeps its error report beside the upload (uploads.py) for its owner's
page, and marks the job failed. If the worker dies, the relay's `_ended` marks the job failed:
nothing was written, since "done" and the import commit together. A job still running after
STALE is taken as stopped (a server restarted meanwhile has no relay left to say so).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy.exc import IntegrityError

from ... import tasks
from ...database import write_transaction
from ...errors import Invalid, NotFound
from ...extensions import db
from ...models import ImportJob, User
from ...models.base import utcnow
from ...progress import Steps, owns
from . import service
from .tabular import RowError
from .uploads import Upload, UploadStore

STALE = timedelta(minutes=15)  # an import running this long is taken as stopped


def of_upload(token: str, owner_id: int) -> ImportJob | None:
    """The job a confirmation of this upload already started, if any."""
    return db.session.execute(sa.select(ImportJob).where(
        ImportJob.upload == token, ImportJob.owner_id == owner_id)).scalar_one_or_none()


def of_owner(job_id: int, owner_id: int) -> ImportJob | None:
    """The job, for the user who confirmed it (anyone else's is not found)."""
    job = db.session.get(ImportJob, job_id)
    return job if job is not None and job.owner_id == owner_id else None


def state(job: ImportJob) -> str:
    """running, done or failed (a job running for longer than STALE has stopped)."""
    if job.status == "running" and utcnow() - job.created_at > STALE:
        return "failed"
    return job.status


def report_of(job: ImportJob) -> service.Report | None:
    """A failed import's error report, while it is kept (an hour)."""
    kept = UploadStore.for_app().load_report(job.upload, job.owner_id)
    if kept is None:
        return None
    return service.Report(kept["kind"], kept["filename"], rows=kept["rows"],
                          errors=[RowError(**error) for error in kept["errors"]])


# --- the server's side ----------------------------------------------------------------------------

def start(upload: Upload, task: str | None, locale: str) -> ImportJob:
    """The job of this upload, started now, or the one an earlier confirmation started."""
    owner = upload.meta["owner"]
    watcher = db.session.get(User, owner).get_id()  # whom the page's task was issued to
    try:
        with write_transaction() as session:
            job = ImportJob(upload=upload.token, owner_id=owner, kind=upload.meta["kind"],
                            filename=upload.meta["filename"], locale=locale, status="running",
                            task=task if owns(task, watcher) else "")
            session.add(job)
    except IntegrityError:  # the same upload confirmed twice at once: the first one's job
        twin = of_upload(upload.token, owner)
        if twin is None:
            raise
        return twin
    try:
        tasks.launch(["import", str(job.id), "--locale", locale], _log(job.id), job.task,
                     {"job": job.id}, partial(_ended, job.id, job.upload))
    except OSError as error:
        _fail(job.id, _("The import could not start: %(error)s", error=error))
    return job


def _log(job_id: int) -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "imports" / f"import-{job_id}.log"


def _ended(job_id: int, upload: str, code: int | None) -> tuple[str, bool]:
    """The worker exited: a job it left running failed (it died before its import was written:
    the two commit together). The job is known by its id and its upload (a database restored
    meanwhile may hold another job of that id)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.upload != upload:
        return "failed", False
    if job.status != "running":
        return job.status, False
    log = _log(job_id).relative_to(current_app.config["INSTANCE_PATH"])
    with force_locale(job.locale):
        _fail(job_id, _(
            "The import stopped unexpectedly (its worker ended with exit code %(code)s); "
            "nothing was imported. Upload the file again; if it stops again, the server's "
            "administrator finds why in %(log)s.", code="?" if code is None else code,
            log=log))
    UploadStore.for_app().discard(upload)  # nothing is left to import it for
    return "failed", True


def _fail(job_id: int, error: str) -> str:
    with write_transaction() as session:
        session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(
            status="failed", error=str(error), finished_at=utcnow()))
    return "failed"


# --- the worker process ---------------------------------------------------------------------------

def run(job_id: int, progress) -> str:
    """Import the job's upload; the job's status says how it ended (also returned)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != "running":
        return job.status if job is not None else "failed"
    token, owner_id = job.upload, job.owner_id
    store = UploadStore.for_app()
    try:
        try:
            upload = store.load(token, owner_id)
            importer = service.importer_for(upload.meta["kind"])
            target = service.resolve_target(importer, upload.meta.get("championship"),
                                            upload.meta.get("skill"))
        except NotFound:
            return _fail(job_id, _("The uploaded file is no longer available; nothing was "
                                   "imported. Upload the file again."))
        except Invalid as gone:  # the championship or skill is gone since the preview
            return _fail(job_id, gone.message)
        login_user(db.session.get(User, owner_id))  # the audit entry names who confirmed
        report = service.run_import(importer, target, upload.meta["filename"], upload.data,
                                    progress=progress, on_written=partial(_done, job_id))
        # for the administrator (the job's log): how long the write lock was held
        staged = report.timings.get("staged")
        sys.stderr.write(f"import job {job_id}: {report.rows} rows read and checked in "
                         f"{report.timings['checked']:.2f} s, "
                         + (f"staged in {staged * 1000:.1f} ms, " if staged is not None else "")
                         + f"written in {report.timings['written'] * 1000:.1f} ms "
                         "(one write transaction)\n")
        return "done"
    except service.ImportFailed as failed:
        report = failed.report
        store.save_report(token, owner_id, {
            "kind": report.kind, "filename": report.filename, "rows": report.rows,
            "errors": [error.as_dict() for error in report.errors]})
        return _fail(job_id, "")  # the report says why
    except Exception as error:  # noqa: BLE001  (the page must say it failed, not wait)
        db.session.rollback()
        current_app.logger.exception("import job %s failed", job_id)
        return _fail(job_id, _("The import failed: %(error)s. Nothing was imported.",
                               error=str(error)[:500]))
    finally:
        store.discard(token)


def _done(job_id: int, session, report: service.Report) -> None:
    """Inside the import's own write transaction: the job is done when the import is."""
    session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(
        status="done", audit_id=report.audit_id, finished_at=utcnow()))


def main(app, argv: list[str]) -> int:
    """`import JOB_ID [--locale L]` in the worker process (competition/workers.py)."""
    try:
        job_id = int(argv[0])
    except (IndexError, ValueError):
        sys.stderr.write("usage: import JOB_ID [--locale ru]\n")
        return 2
    locale = argv[2] if len(argv) > 2 and argv[1] == "--locale" else "ru"
    with app.test_request_context("/"), force_locale(locale):
        job = db.session.get(ImportJob, job_id)
        sender = tasks.step_sender(app, job.task if job else None, {"job": job_id})
        steps = Steps(sender)
        status = run(job_id, steps)
        steps.close()
        tasks.finish(sender, status)
    return 0 if status == "done" else 1
