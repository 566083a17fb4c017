"""Printing the signed paper (competition/documents/signed.py): the marking form's and the
protocol's HTML in the document's language, rendered in the warm render children
(render_pool.py; the languages side by side: WeasyPrint holds a CPU for the length of a render,
and the server's process must not). Each kept PDF is announced to the skill's panel room
(`forms:printed`), which the chief's page follows.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, format_datetime

from .. import signals
from ..extensions import db
from ..models import Criterion, SignOff, Skill, SubCriterion
from ..models.base import pick_translation
from ..models.panels import MarkingForm
from . import signed
from .render import render_many_isolated

log = logging.getLogger(__name__)


def _tr(locale: str):
    return lambda names: pick_translation(names or {}, locale)


def html_of(form: MarkingForm, content: dict) -> str:
    """The document's HTML in its own language."""
    from .sheet_views import _page_counter

    skill = db.session.get(Skill, form.skill_id)
    with force_locale(form.locale):
        locked = format_datetime(form.locked_at or form.created_at, "short")
        extra = {}
        template = "documents/signed/form.html"
        if form.kind == signed.PROTOCOL:
            from ..vocabulary import ExpertRole
            from .sheets import results_sheet

            template = "documents/signed/protocol.html"
            sheet = results_sheet(skill)
            extra = {"sheet": sheet, "standings": sheet.standings,
                     "role_labels": {k: str(v) for k, v in ExpertRole.labels().items()}}
        return render_template(
            template, form=form, content=content, tr=_tr(form.locale), locked=locked, **extra,
            championship=pick_translation(skill.championship.names(), form.locale),
            page_counter=_page_counter(), current_locale=form.locale,
            printed_at=format_datetime(form.created_at, "short"))


def _context():
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def _announce(skill_id: int, ids: list[int], done: int) -> None:
    """Tell the skill's panel (the chief's page) that the first `done` of these documents are
    kept: `forms:printed` (docs/api.md)."""
    from ..extensions import socketio
    from ..rooms import panel_room

    socketio.emit("forms:printed", {"ids": ids[:done], "done": done, "total": len(ids)},
                  to=panel_room(skill_id))


def print_forms(ids: list[int], content: dict) -> None:
    """Render the new rows (the languages of one document) side by side in the warm render
    children, keep each PDF and say so to the chief's page as each is kept."""
    with _context():
        forms = [db.session.get(MarkingForm, form_id) for form_id in ids]
        pdfs = render_many_isolated([html_of(form, content) for form in forms], timeout=120)
        for done, (form, pdf) in enumerate(zip(forms, pdfs, strict=True), start=1):
            signed.store_pdf(form.id, pdf.data)
            _announce(form.skill_id, ids, done)


def content_of(form: MarkingForm) -> dict | None:
    """The content a kept document shows, computed again (for a PDF that was never rendered):
    None if it is no longer what was kept (the marks changed since)."""
    skill = db.session.get(Skill, form.skill_id)
    if form.kind == signed.FORM:
        sub = db.session.get(SubCriterion, form.sub_criterion_id)
        content = signed.form_content(skill, sub, form.locked_at)
    else:
        from .protocol import protocol_content

        content = protocol_content(skill)
    return content if signed.content_hash(content) == form.content_hash else None


def pdf_of(form: MarkingForm) -> bytes | None:
    """The kept PDF; rendered now if it never was (None: it can no longer be)."""
    if form.pdf is not None:
        return form.pdf
    content = content_of(form)
    if content is None:
        return None
    print_forms([form.id], content)
    db.session.expire(form)
    return db.session.get(MarkingForm, form.id).pdf


# --- the sign-off's listener ----------------------------------------------------------------------

def _on_lock_changed(skill_id: int, payload: dict) -> None:
    """A sign-off was committed: keep its marking form and print it. A failed render is logged;
    the form is rendered again when it is downloaded."""
    if not payload.get("locked"):
        return
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        return
    sub = db.session.execute(
        sa.select(SubCriterion).join(Criterion)
        .where(Criterion.skill_id == skill_id,
               SubCriterion.code == payload["sub_criterion"])).scalar_one_or_none()
    if sub is None:
        return
    event = db.session.execute(
        sa.select(SignOff).where(SignOff.sub_criterion_id == sub.id)
        .order_by(SignOff.id.desc()).limit(1)).scalar_one()
    if event.action != "lock":
        return
    content = signed.form_content(skill, sub, event.created_at)
    ids = signed.keep(skill, signed.FORM, content, sub, event.created_at, event.user_id)
    print_later(ids, content)


def print_later(ids: list[int], content: dict) -> None:
    """Render the rows' PDFs in the background (a greenlet under gevent, waiting for the render
    children cooperatively; a thread otherwise): the sign-off answers at once, and the chief's
    page shows the forms as being printed until they are there."""
    from ..extensions import socketio

    app = current_app._get_current_object()
    if app.config.get("SIGNED_FORMS_PRINT") == "on_download":
        return  # pdf_of renders each one when it is first downloaded
    socketio.start_background_task(_print_in_background, app, ids, content)


def _print_in_background(app, ids: list[int], content: dict) -> None:
    with app.app_context():
        try:
            print_forms(ids, content)
        except Exception:  # noqa: BLE001  (rendered again when downloaded)
            log.exception("the signed documents %s were not rendered", ids)
        finally:
            db.session.remove()


def subscribe() -> None:
    """Listen to sign-offs (competition/signals.py): idempotent."""
    signals.lock_changed.connect(_on_lock_changed)
