"""The appeal commission's pages (organizers and admins, docs/appeals.md): a championship's
appeals with the form for a paper appeal, and one appeal with the decision form and, once
upheld, the way to correct it. The rules are judging/appeals.py's."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..errors import DomainError
from ..extensions import db
from ..judging import appeals
from ..lookup import skill_ref
from ..models import Appeal, Championship
from ..vocabulary import AppealState, Visibility
from .blueprint import bp
from .people.fields import BaseForm
from .people.pages import attach_error


class PaperAppealForm(BaseForm):
    """An appeal an organizer lodges on a competitor's behalf."""

    skill = SelectField(_l("Skill"), coerce=int)
    competitor = StringField(_l("Competitor's code"), validators=[
        DataRequired(message=_l("Give the competitor's code.")), Length(max=32)])
    aspects = StringField(_l("Aspects (optional)"), validators=[Length(max=500)],
                          description=_l("Aspect codes separated by commas, e.g. A1.1, B2.3; "
                                         "empty: the result as a whole."))
    text = TextAreaField(_l("What the appeal says"), validators=[
        DataRequired(message=_l("Write what the appeal is about.")),
        Length(max=appeals.MAX_TEXT)])


class DecisionForm(BaseForm):
    outcome = RadioField(_l("Decision"), choices=[
        SelectChoice("rejected", _l("Rejected: the results stand")),
        SelectChoice("upheld", _l("Upheld: the results are corrected"))],
        validators=[DataRequired(message=_l("Decide rejected or upheld."))])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give the reason for the decision.")),
        Length(max=appeals.MAX_TEXT)])


def _championship() -> Championship:
    code = request.args.get("championship", "")
    query = sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    if code:
        query = query.where(Championship.code == code)
    found = db.session.execute(query).scalars().first()
    if found is None:
        abort(404)
    return found


@bp.route("/appeals", methods=["GET", "POST"])
def appeals_page():
    championship = _championship()
    form = PaperAppealForm()
    form.skill.choices = [SelectChoice(s.id, f"{s.code} {s.name()}")
                          for s in championship.skills]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            skill = next((s for s in championship.skills if s.id == form.skill.data), None)
            try:
                if skill is None:
                    abort(404)
                appeal = appeals.lodge(current_user, skill, form.competitor.data,
                                       form.aspects.data, form.text.data)
            except DomainError as error:
                status = error.status
                attach_error(form, error)
            else:
                flash(_("Appeal #%(id)d is lodged. The results of %(skill)s are under appeal "
                        "until the commission decides.", id=appeal.id, skill=skill.code))
                return redirect(url_for("registry.appeal", appeal_id=appeal.id))
    championships = db.session.execute(sa.select(Championship).order_by(
        Championship.code)).scalars().all()
    return render_template(
        "registry/appeals.html", championship=championship, championships=championships,
        form=form, appeals=appeals.of_championship(championship.id),
        states=AppealState.labels(), windows={s.id: appeals.window(s)
                                              for s in championship.skills}), status


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
def appeal(appeal_id: int):
    found = db.session.get(Appeal, appeal_id)
    if found is None:
        abort(404)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                appeals.decide(current_user, found.id, form.outcome.data, form.reason.data)
            except DomainError as error:
                status = error.status
                attach_error(form, error)
            else:
                flash(_("Appeal #%(id)d is decided: %(state)s.", id=found.id,
                        state=AppealState.label_of(form.outcome.data)))
                return redirect(url_for("registry.appeal", appeal_id=found.id))
    ref = skill_ref(found.skill)
    correction = None
    if found.state == "upheld":
        correction = url_for("judging.chief", ref=ref, reason=appeals.unlock_reason(found))
    return render_template(
        "registry/appeal.html", appeal=found, form=form, ref=ref, correction=correction,
        states=AppealState.labels(), visibility=Visibility.label_of(found.skill.visibility)
    ), status
