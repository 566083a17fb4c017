"""The page "Penalties and disqualification" of a skill, for whoever leads it (its chief expert
and deputy, organizers, admins: sanctions.py decides, others get a 403 page saying why): every
penalty and disqualification of its competitors, and the forms to give a penalty, disqualify and
withdraw one, each with a reason. A refused form is shown again with the message beside the
field it is about."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Conflict, Invalid, NotFound
from ..lookup import skill_or_404, skill_ref
from ..models import Skill
from ..vocabulary import CompetitorStatus, SanctionKind
from . import sanctions
from .blueprint import bp
from .signoff import check_may_lead


def _page(skill: Skill, errors: dict[str, str] | None = None, form: str = "",
          values: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "judging/sanctions.html", skill=skill, ref=skill_ref(skill),
        lines=sanctions.sanction_lines(current_user, skill),
        competitors=sanctions.skill_competitors(skill), kinds=SanctionKind.labels(),
        statuses=CompetitorStatus.labels(), errors=errors or {}, form=form,
        values=values or {}, chosen=request.args.get("competitor", ""),
    ), status


def _back(ref: str, anchor: str = "sanctions-heading"):
    return redirect(url_for("judging.sanctions", ref=ref) + f"#{anchor}")


def _refused(skill: Skill, form: str, error, values: dict[str, str], key: str | None = None):
    """The page again, with the refusal beside its field (`form`-`field`, or `key`)."""
    status = 409 if isinstance(error, Conflict) else 422
    key = key or f"{form}-{error.field or 'form'}"
    return _page(skill, errors={key: error.message}, form=form, values=values, status=status)


@bp.get("/<path:ref>/sanctions", endpoint="sanctions")
def sanctions_page(ref: str):
    return _page(skill_or_404(ref))


# GET on the actions (a reload, a bookmark) leads back to the page, as the chief's board does.

@bp.route("/<path:ref>/sanctions/penalty", methods=["GET", "POST"])
def sanction_penalty(ref: str):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref)
    values = {name: request.form.get(name, "") for name in ("competitor", "points", "reason")}
    try:
        competitor = sanctions.find_competitor(skill, values["competitor"])
        sanctions.penalize(current_user, competitor, values["points"], values["reason"])
    except (Invalid, NotFound, Conflict) as error:
        return _refused(skill, "penalty", error, values)
    flash(_("Penalty of %(points)s points given to competitor %(code)s.",
            points=sanctions.parse_points(values["points"]), code=competitor.code))
    return _back(ref)


@bp.route("/<path:ref>/sanctions/disqualify", methods=["GET", "POST"])
def sanction_disqualify(ref: str):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref)
    values = {name: request.form.get(name, "") for name in ("competitor", "reason")}
    try:
        competitor = sanctions.find_competitor(skill, values["competitor"])
        sanctions.disqualify(current_user, competitor, values["reason"])
    except (Invalid, NotFound, Conflict) as error:
        return _refused(skill, "disqualify", error, values)
    flash(_("Competitor %(code)s is disqualified.", code=competitor.code))
    return _back(ref)


@bp.route("/<path:ref>/sanctions/<int:sanction_id>/withdraw", methods=["GET", "POST"])
def sanction_withdraw(ref: str, sanction_id: int):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref, f"sanction-{sanction_id}")
    key = f"withdraw-{sanction_id}"
    values = {key: request.form.get("reason", "")}
    try:
        withdrawn = sanctions.withdraw(current_user, skill, sanction_id, values[key])
    except (Invalid, Conflict) as error:  # an unknown sanction: the 404 page (app.py)
        return _refused(skill, "withdraw", error, values, key=key)
    flash(_("The penalty or disqualification of competitor %(code)s is withdrawn.",
            code=withdrawn.competitor.code))
    return _back(ref, f"sanction-{sanction_id}")
