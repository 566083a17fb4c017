"""Certificates: the organizer's page (batches, templates, settings). The public side
(verification page, the certificate's PDF) is public_views.py; the guard below covers both."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..audit import record
from ..auth.access import ROLES, guard
from ..database import write_transaction
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import (
    Championship,
    Document,
    DocumentAsset,
    DocumentBatch,
    DocumentSettings,
    DocumentTemplate,
    Skill,
)
from ..models.documents import DOCUMENT_KINDS
from ..progress import new_task, owns
from ..vocabulary import CertificateGroup, DocumentKind
from .blueprint import bp
from .certificates.due import make_scope
from .certificates.pages import settings_of
from .certificates.templates import check_template, template_for
from .forms import BatchForm, SettingsForm, SignatoryForm, TemplateForm
from .render import RenderFailed
from .worker import batch_path, launch, preview_in_worker, running_batch

guard(bp, {"organizer", "admin"}, endpoints={
    "verify": ROLES, "certificate_pdf": ROLES,
})

MAX_IMAGE = 2 * 1024 * 1024
SIGNATORIES = 3


def _championship() -> Championship:
    code = request.args.get("championship") or request.form.get("championship")
    query = sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    if code:
        query = query.where(Championship.code == code)
    found = db.session.execute(query).scalars().first()
    if found is None:
        abort(404)
    return found


def pdf_response(data: bytes, name: str, inline: bool = False):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _counts(championship: Championship) -> dict:
    rows = db.session.execute(
        sa.select(Document.kind, Document.revoked_at.is_(None), sa.func.count())
        .where(Document.championship_id == championship.id)
        .group_by(Document.kind, Document.revoked_at.is_(None))).all()
    counts = {kind: {"live": 0, "revoked": 0} for kind in DOCUMENT_KINDS}
    for kind, live, number in rows:
        counts[kind]["live" if live else "revoked"] += number
    return counts


# --- the organizer's page ---------------------------------------------------------------------

@bp.route("/manage/certificates", methods=["GET", "POST"])
def certificates():
    championship = _championship()
    form = BatchForm()
    form.skill.choices = [SelectChoice(0, _("The whole championship"))] + [
        SelectChoice(s.id, f"{s.code} {s.name()}" + (
            " — " + _("results not published") if s.visibility != "published" else
            " — " + _("under appeal: no medal certificates") if s.under_appeal else ""))
        for s in championship.skills]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            skill = db.session.get(Skill, form.skill.data) if form.skill.data else None
            try:
                if skill is not None and skill.championship_id != championship.id:
                    raise Invalid(_("Choose a skill of this championship."),
                                  code="unknown_skill", field="skill")
                make_scope(championship, skill, form.groups.data)
                if running_batch(championship.id) is not None:
                    raise Conflict(_(
                        "Certificates of this championship are being printed already; wait "
                        "until that batch ends (its page shows the progress)."),
                        code="batch_running")
            except (Invalid, Conflict) as error:
                form.form_errors.append(error.message)
            else:
                with write_transaction() as session:
                    batch = DocumentBatch(
                        championship_id=championship.id, skill_id=skill.id if skill else None,
                        kinds=",".join(form.groups.data), output=form.output.data,
                        status="queued", base_url=_public_url(), task=new_task(),
                        created_by_id=current_user.id)
                    session.add(batch)
                    session.flush()
                    record("certificates.batch", "document_batch", batch.id,
                           f"certificate batch: {batch.kinds} ({batch.output})",
                           {"skill": skill.code if skill else None},
                           championship_id=championship.id)
                launch(batch, str(get_locale()))
                return redirect(url_for("documents.batch", batch_id=batch.id))
    batches = db.session.execute(
        sa.select(DocumentBatch).where(DocumentBatch.championship_id == championship.id)
        .order_by(DocumentBatch.id.desc()).limit(20)).scalars().all()
    custom = set(db.session.execute(sa.select(DocumentTemplate.kind).where(
        DocumentTemplate.championship_id == championship.id)).scalars())
    championships = db.session.execute(sa.select(Championship).order_by(
        Championship.code)).scalars().all()
    return render_template(
        "documents/certificates.html", championship=championship,
        championships=championships, form=form, batches=batches,
        counts=_counts(championship), custom=custom, kinds=DOCUMENT_KINDS,
        kind_labels=DocumentKind.labels(),
        published=[s for s in championship.skills if s.visibility == "published"]), status


def _public_url() -> str:
    return current_app.config.get("PUBLIC_URL") or request.host_url


def _batch_or_404(batch_id: int) -> DocumentBatch:
    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def batch_state(batch: DocumentBatch) -> dict:
    return {"batch": batch.id, "status": batch.status, "done": batch.done,
            "total": batch.total, "error": batch.error, "file": batch.file_name,
            "download": (url_for("documents.batch_download", batch_id=batch.id)
                         if batch.status == "done" else None)}


@bp.get("/manage/certificates/batches/<int:batch_id>")
def batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    task = batch.task if owns(batch.task, current_user.get_id()) else ""
    return render_template("documents/batch.html", batch=batch, task=task,
                           championship=db.session.get(Championship, batch.championship_id),
                           state=batch_state(batch), group_labels=CertificateGroup.labels())


@bp.get("/manage/certificates/batches/<int:batch_id>.json")
def batch_json(batch_id: int):
    return jsonify(batch_state(_batch_or_404(batch_id)))


@bp.get("/manage/certificates/batches/<int:batch_id>/download")
def batch_download(batch_id: int):
    batch = _batch_or_404(batch_id)
    path = batch_path(batch)
    if batch.status != "done" or not path.is_file():
        abort(404)
    mimetype = "application/pdf" if batch.output == "pdf" else "application/zip"
    return send_file(path, mimetype=mimetype, as_attachment=True,
                     download_name=batch.file_name or path.name, max_age=0)


# --- templates --------------------------------------------------------------------------------

@bp.route("/manage/certificates/templates/<kind>", methods=["GET", "POST"])
def template_edit(kind: str):
    if kind not in DOCUMENT_KINDS:
        abort(404)
    championship = _championship()
    current = template_for(championship.id, kind)
    form = TemplateForm()
    if request.method == "GET":
        form.html.data, form.css.data = current.html, current.css
    status = 200
    if request.method == "POST":
        status = 400
        action = request.form.get("action", "save")
        back = url_for("documents.template_edit", kind=kind, championship=championship.code)
        if action == "reset":
            with write_transaction() as session:
                session.execute(sa.delete(DocumentTemplate).where(
                    DocumentTemplate.championship_id == championship.id,
                    DocumentTemplate.kind == kind))
                record("certificates.template_reset", "championship", championship.id,
                       f"certificate template {kind} reset to the default",
                       championship_id=championship.id)
            flash(_("The template is back to the default."))
            return redirect(back)
        if form.validate_on_submit():
            html, css = form.html.data, form.css.data or ""
            problem = check_template(html, css)
            if problem:
                form.html.errors = [*form.html.errors, problem]
            elif action == "preview":
                try:
                    pdf = preview_in_worker(championship.id, kind, html, css)
                except RenderFailed as error:
                    form.html.errors = [*form.html.errors, str(error)]
                else:
                    return pdf_response(pdf, f"preview-{kind}.pdf", inline=True)
            else:
                with write_transaction() as session:
                    row = session.execute(sa.select(DocumentTemplate).where(
                        DocumentTemplate.championship_id == championship.id,
                        DocumentTemplate.kind == kind)).scalar_one_or_none()
                    if row is None:
                        row = DocumentTemplate(championship_id=championship.id, kind=kind)
                        session.add(row)
                    row.html, row.css = html, css
                    record("certificates.template", "championship", championship.id,
                           f"certificate template {kind} saved",
                           championship_id=championship.id)
                flash(_("The template is saved. Certificates printed from now on use it."))
                return redirect(back)
    return render_template("documents/template.html", championship=championship, kind=kind,
                           label=DocumentKind(kind).label, form=form,
                           custom=current.custom), status


# --- settings: languages, date, logo, signatories ----------------------------------------------

IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def read_image(storage) -> tuple[bytes, str] | None:
    """(bytes, content type) of an uploaded PNG, JPEG or SVG; raises errors.Invalid if it is
    something else or too big; None when no file was chosen."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    data = storage.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        raise Invalid(_("%(file)s is larger than 2 MB.", file=storage.filename),
                      code="image_too_large")
    for magic, kind in IMAGE_TYPES:
        if data.startswith(magic):
            return data, kind
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return data, "image/svg+xml"
    raise Invalid(_("%(file)s is not a PNG, JPEG or SVG image.", file=storage.filename),
                  code="not_an_image")


def _asset(session, championship: Championship, kind: str, storage, image) -> int:
    data, content_type = image
    asset = DocumentAsset(championship_id=championship.id, kind=kind,
                          filename=(storage.filename or "")[:200], content_type=content_type,
                          size=len(data), data=data)
    session.add(asset)
    session.flush()
    return asset.id


@bp.route("/manage/certificates/settings", methods=["GET", "POST"])
def settings():
    championship = _championship()
    current = settings_of(championship)
    form = SettingsForm(obj=None if request.method == "POST" else current)
    people = [SignatoryForm(prefix=f"s{i}", meta={"csrf": False}) for i in range(SIGNATORIES)]
    if request.method == "GET":
        for person, saved in zip(people, current.signatories or (), strict=False):
            for name in ("name_kk", "name_ru", "name_en", "title_kk", "title_ru", "title_en"):
                getattr(person, name).data = saved.get(name, "")
    status = 200
    if request.method == "POST":
        status = 400
        valid = form.validate_on_submit() & all([p.validate(extra_validators=None)
                                                 for p in people])
        if valid:
            try:
                logo = read_image(form.logo.data)
                images = [read_image(p.signature.data) for p in people]
            except Invalid as error:
                form.form_errors.append(error.message)
            else:
                with write_transaction() as session:
                    row = session.get(DocumentSettings, championship.id)
                    if row is None:
                        row = DocumentSettings(championship_id=championship.id, signatories=[])
                        session.add(row)
                    row.languages = form.languages.data
                    row.issued_on = form.issued_on.data
                    if logo is not None:
                        row.logo_asset_id = _asset(session, championship, "logo",
                                                   form.logo.data, logo)
                    before = list(row.signatories or ())
                    signatories = []
                    for index, (person, image) in enumerate(zip(people, images, strict=True)):
                        entry = {name: (getattr(person, name).data or "").strip() for name in
                                 ("name_kk", "name_ru", "name_en", "title_kk", "title_ru",
                                  "title_en")}
                        if not any(entry.values()):
                            continue
                        old = before[index] if index < len(before) else {}
                        entry["asset_id"] = (
                            _asset(session, championship, "signature", person.signature.data,
                                   image) if image is not None else old.get("asset_id"))
                        if request.form.get(f"s{index}-drop-signature"):
                            entry["asset_id"] = None
                        signatories.append(entry)
                    row.signatories = signatories
                    record("certificates.settings", "championship", championship.id,
                           "certificate settings saved",
                           {"languages": row.languages, "signatories": len(signatories)},
                           championship_id=championship.id)
                flash(_("The certificate settings are saved."))
                return redirect(url_for("documents.settings", championship=championship.code))
    return render_template("documents/settings.html", championship=championship, form=form,
                           people=people, current=current), status


@bp.get("/documents/assets/<int:asset_id>")
def asset(asset_id: int):
    found = db.session.get(DocumentAsset, asset_id)
    if found is None:
        abort(404)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An uploaded SVG may carry script: shown as an image only, never run as a document.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    return response
