"""Routes of the import pages (registered on competition.registry.bp).

/manage/import: choose the kind, the championship or skill and the file → a preview (what will
be created or updated) or the full error report → confirm → the import's page while the import
worker runs it (jobs.py) → the result, or the errors. Templates and exports are plain
downloads.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import progress
from ...errors import Invalid, NotFound
from ...extensions import db
from ...models import AuditEntry, Championship
from ..blueprint import bp
from . import jobs, service
from .forms import ConfirmForm, ExportForm, TemplateForm, UploadForm
from .uploads import UploadStore
from .writing import CSV_MIME, XLSX_MIME, instructions_rows, write_csv, write_xlsx

LOCALES = ("ru", "kk", "en")


def _championships() -> list[Championship]:
    return list(db.session.execute(sa.select(Championship).order_by(Championship.id)).scalars())


def _forms(upload: UploadForm | None = None):
    kinds = list(service.importers())
    championships = _championships()
    upload = upload or UploadForm()
    upload.fill(kinds, championships)
    upload.task.data = progress.new_task()  # a fresh one for every page shown
    args = request.args if request.method == "GET" else None
    export = ExportForm(args, prefix="export")
    export.fill(kinds, championships)
    template = TemplateForm(args, prefix="template", lang=_locale())
    template.kind.choices = export.kind.choices
    return upload, export, template


def _locale() -> str:
    from flask_babel import get_locale

    locale = str(get_locale() or "ru")
    return locale if locale in LOCALES else "ru"


def _split_skill(value: str | None) -> tuple[str | None, str | None]:
    """The skill select's value "CHAMPIONSHIP/SKILL" → (championship code, skill code)."""
    championship, _sep, skill = (value or "").rpartition("/")
    return (championship or None), (skill or None)


def _target(importer, championship_code: str | None, skill_value: str | None):
    skill_championship, skill_code = _split_skill(skill_value)
    if skill_championship and championship_code and skill_championship != championship_code \
            and importer.scope != "none":
        raise Invalid(_("The skill chosen belongs to another championship "
                        "(%(code)s); choose a matching championship and skill.",
                        code=skill_championship), code="skill_of_another_championship",
                      field="skill")
    return service.resolve_target(importer, championship_code or skill_championship, skill_code)


@bp.get("/import")
def import_page():
    upload, export, template = _forms()
    return render_template("registry/imports/import.html", form=upload, export_form=export,
                           template_form=template)


@bp.post("/import/preview")
def import_upload():
    upload = UploadForm()
    task = upload.task.data
    upload, export, template = _forms(upload)
    if not upload.validate_on_submit():
        return render_template("registry/imports/import.html", form=upload, export_form=export,
                               template_form=template), 400
    importer = service.importer_for(upload.kind.data)
    try:
        target = _target(importer, upload.championship.data, upload.skill.data)
    except Invalid as error:
        upload.skill.errors = [error.message]
        return render_template("registry/imports/import.html", form=upload, export_form=export,
                               template_form=template), 400
    storage = upload.file.data
    filename = _safe_name(storage.filename)
    data = storage.read()
    with progress.reporter(task) as report_progress:
        report = service.preview(importer, target, filename, data, progress=report_progress)
    token = None
    if report.ok:
        token = UploadStore.for_app().save(data, {
            "owner": current_user.id, "kind": importer.kind, "filename": filename,
            "championship": target.championship.code if target.championship else None,
            "skill": target.skill.code if target.skill else None,
        })
    confirm = ConfirmForm(token=token)
    confirm.task.data = progress.new_task()  # not the upload form's (this request's formdata)
    return render_template("registry/imports/preview.html", report=report, target=target,
                           importer=importer, confirm=confirm,
                           kind_label=service.kind_label(importer.kind)), \
        200 if report.ok else 422


@bp.post("/import/confirm")
def import_confirm():
    """Start the import in the worker and answer at once with its page (jobs.py); the same
    upload confirmed again (a double click) leads to the same job, imported once."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    job = jobs.of_upload(form.token.data, current_user.id)
    if job is None:
        store = UploadStore.for_app()
        try:
            upload = store.load(form.token.data, current_user.id)
        except NotFound:
            return render_template("registry/imports/expired.html"), 410
        meta = upload.meta
        importer = service.importer_for(meta["kind"])
        try:
            service.resolve_target(importer, meta.get("championship"), meta.get("skill"))
        except Invalid as error:  # the championship or skill is gone since the preview
            store.discard(upload.token)
            return render_template("registry/imports/expired.html", reason=error.message), 410
        job = jobs.start(upload, form.task.data, _locale())
    return redirect(url_for("registry.import_job", job_id=job.id), code=303)


@bp.get("/import/jobs/<int:job_id>")
def import_job(job_id: int):
    """The confirmed import: its progress while it runs (202), then the result page (303) or
    the errors that stopped it (422; 500 if its worker stopped)."""
    job = jobs.of_owner(job_id, current_user.id)
    if job is None:
        abort(404)
    state = jobs.state(job)
    if state == "done" and job.audit_id is not None:
        return redirect(url_for("registry.import_result", entry_id=job.audit_id), code=303)
    kind_label = service.kind_label(job.kind)
    if state == "failed":
        report = jobs.report_of(job)
        if report is not None:
            return render_template("registry/imports/preview.html", report=report, target=None,
                                   importer=None, confirm=None, after_confirm=True,
                                   kind_label=kind_label), 422
    task = job.task if state == "running" and progress.owns(job.task, current_user.get_id()) \
        else ""
    return render_template("registry/imports/job.html", job=job, state=state, task=task,
                           kind_label=kind_label), \
        {"running": 202, "failed": 500}.get(state, 200)


@bp.get("/import/jobs/<int:job_id>.json")
def import_job_state(job_id: int):
    job = jobs.of_owner(job_id, current_user.id)
    if job is None:
        abort(404)
    return jsonify({"job": job.id, "status": jobs.state(job),
                    "page": url_for("registry.import_job", job_id=job.id)})


@bp.post("/import/cancel")
def import_cancel():
    form = ConfirmForm()
    if form.validate_on_submit():
        UploadStore.for_app().discard(form.token.data)
    return redirect(url_for("registry.import_page"), code=303)


@bp.get("/import/result/<int:entry_id>")
def import_result(entry_id: int):
    entry = db.session.get(AuditEntry, entry_id)
    if entry is None or entry.action != "import":
        abort(404)
    changes = entry.changes or {}
    return render_template("registry/imports/result.html", entry=entry, changes=changes,
                           list_url=_list_url(entry),
                           kind_label=service.kind_label(changes.get("kind", "")))


def _list_url(entry: AuditEntry) -> str | None:
    """The people or scheme page listing what was imported (None if there is none)."""
    from werkzeug.routing import BuildError

    changes = entry.changes or {}
    championship_id, skill_id = entry.championship_id, changes.get("skill_id")
    candidates = {
        "organizations": ("registry.organizations", {}),
        "competitors": ("registry.competitors", {"championship_id": championship_id,
                                                  "skill": skill_id}),
        "experts": ("registry.experts", {"championship_id": championship_id}),
        "scheme": ("registry.scheme_editor", {"skill_id": skill_id}),
    }
    endpoint, values = candidates.get(changes.get("kind"), (None, {}))
    if endpoint is None or any(v is None for k, v in values.items() if k != "skill"):
        return None
    try:
        return url_for(endpoint, **{k: v for k, v in values.items() if v is not None})
    except BuildError:
        return None


def _safe_name(name: str | None) -> str:
    """The uploaded file's name as shown in reports (no paths, no control characters)."""
    name = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or "upload"
    return name[:120]


# --- downloads ---------------------------------------------------------------------------------

def _download(content: bytes, filename: str, fmt: str) -> Response:
    response = Response(content, mimetype=XLSX_MIME if fmt == "xlsx" else CSV_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/import/template")
def import_template():
    _upload, _export, form = _forms()
    if not form.validate():
        abort(404)
    importer = service.importer_for(form.kind.data)
    locale, fmt = form.lang.data, form.format.data
    if fmt == "csv":
        content = write_csv(importer.columns, [], locale=locale)
    else:
        intro = _("Template: %(kind)s. Fill in one row per record below the header row of the "
                  "first sheet; columns marked * are required.",
                  kind=service.kind_label(importer.kind))
        content = write_xlsx(importer.columns, [], locale=locale, sheet=importer.kind,
                             instructions=instructions_rows(importer.columns, locale, intro))
    return _download(content, f"template-{importer.kind}-{locale}.{fmt}", fmt)


@bp.get("/import/export")
def import_export():
    _upload, form, _template = _forms()
    kind = form.kind.data
    if kind not in service.importers():
        abort(404)
    importer = service.importer_for(kind)
    try:
        target = _target(importer, form.championship.data, form.skill.data)
    except Invalid as error:
        _upload.fill(list(service.importers()), _championships())
        form.skill.errors = [error.message]
        return render_template("registry/imports/import.html", form=_upload, export_form=form,
                               template_form=_template, export_error=True), 400
    export_rows = getattr(importer, "export_rows", None)
    if export_rows is None:
        abort(404)
    rows = list(progress.paused(export_rows(target)))  # seconds of CPU for 2,000 rows
    fmt = form.format.data if form.format.data in ("xlsx", "csv") else "xlsx"
    suffix = "-".join(part for part in (
        target.championship.code if target.championship and importer.scope != "none" else "",
        target.skill.code if target.skill else "") if part)
    filename = f"{kind}{'-' + suffix if suffix else ''}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        content = write_csv(importer.columns, progress.paused(rows), locale="en")
    else:
        content = write_xlsx(importer.columns, progress.paused(rows), locale="en", sheet=kind)
    return _download(content, re.sub(r"[^\w.-]", "_", filename), fmt)
