"""The organizer's pages for a person's personal data (docs/people.md, "Privacy"): the export
as JSON or PDF, and the erasure after the event with its confirmation (type the code).
Organizers and admins only (the registry blueprint's guard)."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField

from ... import audit
from ...database import write_transaction
from ...documents.render import render_pdf_isolated
from ...documents.views import pdf_response
from ...errors import Conflict, Invalid
from ...models import Competitor, Expert
from ...models.base import utcnow
from ..blueprint import bp
from ..people.pages import get_or_404
from .erasure import erase
from .record import person_record

KINDS = {"competitors": ("competitor", Competitor), "experts": ("expert", Expert)}
PERSON = '/<any(competitors, experts):kind>/<int:person_id>'


class EraseForm(FlaskForm):
    confirm = StringField()


def _person(kind: str, person_id: int):
    word, model = KINDS[kind]
    return word, get_or_404(model, person_id)


def _back(word: str, person) -> str:
    if word == "competitor":
        return url_for("registry.competitor_edit", competitor_id=person.id)
    return url_for("registry.expert_edit", expert_id=person.id)


def _championship_id(word: str, person) -> int:
    return person.skill.championship_id if word == "competitor" else person.championship_id


def _exported(word: str, person, what: str) -> dict:
    """The record, and an audit entry saying who exported it."""
    record = person_record(word, person)
    with write_transaction():
        audit.record("export", word, person.id, summary=f"{person.code}: personal data "
                     f"({what})", championship_id=_championship_id(word, person))
    return record


@bp.get(PERSON + "/personal-data.json")
def personal_data_json(kind: str, person_id: int):
    word, person = _person(kind, person_id)
    record = _exported(word, person, "JSON")
    data = json.dumps(record, ensure_ascii=False, indent=2)
    return current_app.response_class(
        data, mimetype="application/json",
        headers={"Content-Disposition":
                 f'attachment; filename="personal-data-{word}-{person.id}.json"',
                 "Cache-Control": "no-store"})


@bp.get(PERSON + "/personal-data.pdf")
def personal_data_pdf(kind: str, person_id: int):
    word, person = _person(kind, person_id)
    record = _exported(word, person, "PDF")
    html = render_template("registry/privacy/record.html", record=record, person=person,
                           kind=word, printed_at=format_datetime(utcnow(), "short"))
    return pdf_response(render_pdf_isolated(html).data, f"personal-data-{word}-{person.id}.pdf")


@bp.route(PERSON + "/erase", methods=["GET", "POST"])
def personal_data_erase(kind: str, person_id: int):
    word, person = _person(kind, person_id)
    form = EraseForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            erase(word, person.id, form.confirm.data or "")
        except (Conflict, Invalid) as refused:
            form.form_errors.append(refused.message)
            status = refused.status
        else:
            flash(_("The personal data of %(code)s is erased.", code=person.code))
            return redirect(_back(word, person))
    return render_template("registry/privacy/erase.html", form=form, person=person, kind=word,
                           back=_back(word, person)), status
