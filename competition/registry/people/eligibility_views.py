"""Routes of the eligibility report (registered on competition.registry.bp; organizers and
admins, as every /manage page): the championship's list of competitors — and teams' members —
the age rules exclude or who have no birth date, the same as a sheet, and accepting or clearing
an exception."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from ... import progress
from ...errors import Invalid
from ...models import Championship, Competitor
from ..blueprint import bp
from ..imports.tabular import Column
from ..imports.writing import XLSX_MIME, write_xlsx
from .eligibility import championship_rules
from .fields import strip
from .pages import get_or_404
from .service.eligibility import REASON_MAX, report, set_exception, sheet_rows

SHEET_COLUMNS = (
    Column("skill", ru="Компетенция", kk="Құзырет"),
    Column("code", ru="Код", kk="Коды"),
    Column("name", ru="ФИО", kk="Аты-жөні"),
    Column("organization", ru="Организация", kk="Ұйым"),
    Column("category", ru="Категория", kk="Санат"),
    Column("birth_date", ru="Дата рождения", kk="Туған күні"),
    Column("age", ru="Возраст", kk="Жасы"),
    Column("on", ru="На дату", kk="Күні"),
    Column("limits", ru="Ограничения", kk="Шектеулер"),
    Column("reason", ru="Причина", kk="Себебі"),
    Column("exception", ru="Исключение", kk="Ерекшелік"),
    Column("team", ru="Команда", kk="Команда"),  # a team's member: the team's name
)


class ExceptionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the exception"), filters=[strip],
        validators=[Length(max=REASON_MAX, message=_l("At most %(max)d characters.",
                                                      max=REASON_MAX))],
        description=_l("Why the competitor takes part although the age rules exclude them "
                       "(e.g. the decision of the organizing committee). Recorded in the audit "
                       "log."))
    action = HiddenField(default="accept")


@bp.get("/championships/<int:championship_id>/eligibility")
def eligibility(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    lines = report(championship)
    forms = {}
    for line in lines:
        form = ExceptionForm(prefix=f"c{line.competitor.id}", formdata=None)
        form.reason.data = line.competitor.eligibility_exception or ""
        forms[line.competitor.id] = form
    return render_template("registry/people/eligibility.html", championship=championship,
                           lines=lines, forms=forms, rules=championship_rules(championship))


@bp.get("/championships/<int:championship_id>/eligibility.xlsx")
def eligibility_sheet(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    content = write_xlsx(SHEET_COLUMNS, progress.paused(sheet_rows(report(championship))),
                         locale="ru", sheet="eligibility")
    response = Response(content, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="eligibility-{championship.code}.xlsx"')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/competitors/<int:competitor_id>/eligibility-exception")
def eligibility_exception(competitor_id: int):
    competitor = get_or_404(Competitor, competitor_id)
    championship_id = competitor.skill.championship_id
    back = url_for("registry.eligibility", championship_id=championship_id)
    form = ExceptionForm(prefix=f"c{competitor.id}")
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors)
              or _("The form expired; please try again."))
        return redirect(back)
    clear = form.action.data == "clear"
    if not clear and not form.reason.data:
        flash(_("Give the reason for the exception of %(code)s.", code=competitor.code))
        return redirect(back + f"#c{competitor.id}")
    try:
        set_exception(competitor.id, None if clear else form.reason.data)
    except Invalid as error:
        flash(error.message)
        return redirect(back)
    if clear:
        flash(_("The exception of %(code)s was cleared.", code=competitor.code))
    else:
        flash(_("The exception of %(code)s was accepted.", code=competitor.code))
    return redirect(back + f"#c{competitor.id}")
