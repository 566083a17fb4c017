"""Routes of the people pages for who takes part (registered on competition.registry.bp):
competitors, experts, the compatriots of a skill and the workstation draw."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...errors import Conflict, Forbidden, Invalid
from ...lookup import skill_ref
from ...models import Championship, Competitor, Expert, Skill
from ...models.people import COMPETITOR_STATUSES, EXPERT_ROLES
from ...vocabulary import (
    AbilympicsCategory,
    CompetitorStatus,
    ExpertRole,
)
from ..blueprint import bp
from .forms import (
    CompetitorForm,
    DrawForm,
    ExpertForm,
)
from .pages import attach_error, delete_page, get_or_404, page_number
from .service.compatriots import compatriots as compatriot_pairs
from .service.competitors import (
    competitor_delete_refusal,
    competitor_form_data,
    delete_competitor,
    list_competitors,
    regenerate_results_code,
    save_competitor,
)
from .service.draw import (
    default_workstations,
    draw_competitors,
    draw_history,
    draw_refusal,
    draw_workstations,
    new_seed,
    preview_draw,
)
from .service.eligibility import line_of, warning_after_save
from .service.experts import (
    delete_expert,
    expert_delete_refusal,
    expert_form_data,
    list_experts,
    save_expert,
)
from .service.organizations import (
    all_organizations,
)

# --- competitors --------------------------------------------------------------------------------

@bp.get("/championships/<int:championship_id>/competitors")
def competitors(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    args = request.args
    q = args.get("q", "").strip()
    skill_id = args.get("skill", type=int)
    organization_id = args.get("organization", type=int)
    category = args.get("category", "")
    category = category if category in championship.category_list() else ""
    status = args.get("status", "")
    status = status if status in COMPETITOR_STATUSES else ""
    page = list_competitors(championship, q, skill_id, organization_id, category or None,
                                    status or None, page_number())
    return render_template(
        "registry/people/competitors.html", championship=championship, page=page,
        filters={"q": q, "skill": skill_id, "organization": organization_id,
                 "category": category, "status": status},
        organizations=all_organizations(), statuses=CompetitorStatus.labels(),
        category_labels=AbilympicsCategory.labels())


def _competitor_form(skill: Skill, competitor: Competitor | None):
    data = competitor_form_data(competitor) if competitor else None
    form = CompetitorForm(skill=skill, data=data)
    if form.validate_on_submit():
        try:
            saved = save_competitor(skill.id, form.data,
                                            competitor.id if competitor else None)
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Competitor %(code)s saved.", code=saved.code))
            warning = warning_after_save(saved)  # saved all the same (docs/people.md)
            if warning:
                flash(warning)
            return redirect(url_for("registry.competitors",
                                    championship_id=skill.championship_id, skill=skill.id))
    refusal = competitor_delete_refusal(competitor) if competitor else None
    return render_template("registry/people/competitor_form.html", form=form, skill=skill,
                           competitor=competitor, refusal=refusal,
                           organizations=all_organizations(),
                           code_form=FlaskForm(),
                           eligibility=line_of(competitor).reason if competitor else None,
                           sanctions_url=url_for(
                               "judging.sanctions", ref=skill_ref(skill),
                               competitor=competitor.code) if competitor else None)


@bp.route("/skills/<int:skill_id>/competitors/new", methods=["GET", "POST"])
def competitor_new(skill_id: int):
    return _competitor_form(get_or_404(Skill, skill_id), None)


@bp.route("/competitors/<int:competitor_id>/edit", methods=["GET", "POST"])
def competitor_edit(competitor_id: int):
    competitor = get_or_404(Competitor, competitor_id)
    return _competitor_form(competitor.skill, competitor)


@bp.post("/competitors/<int:competitor_id>/results-code")
def competitor_results_code(competitor_id: int):
    competitor = get_or_404(Competitor, competitor_id)
    if FlaskForm().validate_on_submit():
        regenerate_results_code(competitor.id)
        flash(_("A new personal results code was made for %(code)s; the old one no longer "
                "works.", code=competitor.code))
    else:
        flash(_("The form expired; please try again."))
    return redirect(url_for("registry.competitor_edit", competitor_id=competitor.id))


@bp.route("/competitors/<int:competitor_id>/delete", methods=["GET", "POST"])
def competitor_delete(competitor_id: int):
    competitor = get_or_404(Competitor, competitor_id)
    skill = competitor.skill
    title = f"{skill.code}/{competitor.code} {competitor.name()}"
    return delete_page(
        _("Delete the competitor %(title)s?", title=title), title,
        competitor_delete_refusal(competitor),
        url_for("registry.competitors", championship_id=skill.championship_id, skill=skill.id),
        lambda: delete_competitor(competitor.id))


# --- experts ------------------------------------------------------------------------------------

@bp.get("/championships/<int:championship_id>/experts")
def experts(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    args = request.args
    q = args.get("q", "").strip()
    skill_id = args.get("skill", type=int)
    organization_id = args.get("organization", type=int)
    role = args.get("role", "")
    role = role if role in EXPERT_ROLES else ""
    page = list_experts(championship, q, skill_id, organization_id, role or None,
                                page_number())
    return render_template(
        "registry/people/experts.html", championship=championship, page=page,
        filters={"q": q, "skill": skill_id, "organization": organization_id, "role": role},
        organizations=all_organizations(), roles=ExpertRole.labels())


def _expert_form(championship: Championship, expert: Expert | None):
    form = ExpertForm(championship=championship,
                      data=expert_form_data(expert, championship))
    if form.validate_on_submit():
        try:
            saved = save_expert(championship.id, form.data, form.role_map(),
                                expert.id if expert else None, teams=form.team_map())
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Expert %(code)s saved.", code=saved.code))
            return redirect(url_for("registry.experts", championship_id=championship.id))
    skills = {s.code: s for s in championship.skills}
    refusal = expert_delete_refusal(expert) if expert else None
    return render_template("registry/people/expert_form.html", form=form,
                           championship=championship, expert=expert, skills=skills,
                           refusal=refusal, organizations=all_organizations())


@bp.route("/championships/<int:championship_id>/experts/new", methods=["GET", "POST"])
def expert_new(championship_id: int):
    return _expert_form(get_or_404(Championship, championship_id), None)


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
def expert_edit(expert_id: int):
    expert = get_or_404(Expert, expert_id)
    return _expert_form(expert.championship, expert)


@bp.route("/experts/<int:expert_id>/delete", methods=["GET", "POST"])
def expert_delete(expert_id: int):
    expert = get_or_404(Expert, expert_id)
    title = f"{expert.code} {expert.name()}"
    return delete_page(
        _("Delete the expert %(title)s?", title=title), title,
        expert_delete_refusal(expert),
        url_for("registry.experts", championship_id=expert.championship_id),
        lambda: delete_expert(expert.id))


# --- compatriots and the workstation draw -------------------------------------------------------

@bp.get("/skills/<int:skill_id>/compatriots")
def compatriots(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    try:
        pairs = compatriot_pairs(current_user, skill)
    except Forbidden as forbidden:
        abort(403, description=str(forbidden))
    return render_template("registry/people/compatriots.html", skill=skill, pairs=pairs,
                           role_labels=ExpertRole.labels())


@bp.route("/skills/<int:skill_id>/draw", methods=["GET", "POST"])
def draw(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    form = DrawForm(data={"workstations": default_workstations(skill)})
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            if form.preview.data:
                seed = form.seed.data or new_seed()
                form.seed.data = seed
                preview = preview_draw(skill, form.workstations.data, seed)
            else:
                made = draw_workstations(skill.id, form.workstations.data,
                                                 form.seed.data, current_user.id)
                flash(_("Workstations drawn with the seed %(seed)s and given to the "
                        "competitors.", seed=made.seed))
                return redirect(url_for("registry.draw", skill_id=skill.id))
        except Invalid as error:
            attach_error(form, error)
            status = 422
        except Conflict as refused:
            form.form_errors.append(str(refused))
            status = 409
    elif request.method == "POST":
        status = 422
    return render_template("registry/people/draw.html", skill=skill, form=form, preview=preview,
                           competitors=draw_competitors(skill),
                           history=draw_history(skill),
                           refusal=draw_refusal(skill)), status
