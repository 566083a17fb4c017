"""Routes of the people pages (registered on competition.registry.bp): championship settings,
skills, organizations, competitors, experts, compatriots and the workstation draw.

Each view reads the arguments, calls the service, renders. Who may open a page is decided by the
blueprint's guard; finer rules (a chief expert and their own skills) by the service.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...auth.access import Forbidden
from ...extensions import db
from ...models import Championship, Competitor, Expert, Organization, Skill
from ...models.event import ORGANIZATION_KINDS
from ...models.people import COMPETITOR_STATUSES, EXPERT_ROLES
from .. import bp
from . import service
from .forms import (
    CATEGORY_LABELS,
    ORGANIZATION_KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    ChampionshipForm,
    CompetitorForm,
    DrawForm,
    ExpertForm,
    OrganizationForm,
    SkillForm,
)


def _get(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def _plain_decimal(value):
    """2.5000 → 2.5 and 500.0000 → 500 (stored with four places, typed with fewer)."""
    if value is None:
        return None
    return value.quantize(1) if value == value.to_integral_value() else value.normalize()


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _attach(form, error: service.Invalid) -> None:
    """Show a service rule's message next to its field (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _delete_page(question: str, title: str, refusal: str | None, back: str, action):
    """GET: confirm (or say why not); POST: delete. Without JavaScript, one extra page."""
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            action()
        except service.Refused as refused:
            refusal = str(refused)
        else:
            flash(_("Deleted: %(what)s.", what=title))
            return redirect(back)
    status = 409 if refusal and request.method == "POST" else 200
    return render_template("registry/people/delete.html", form=form, question=question,
                           title=title, refusal=refusal, back=back), status


# --- championship -------------------------------------------------------------------------------

@bp.route("/championships/new", methods=["GET", "POST"])
def championship_new():
    form = ChampionshipForm(data=service.WORLDSKILLS_DEFAULTS)
    if form.validate_on_submit():
        try:
            championship = service.save_championship(form.data)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Championship %(name)s created.", name=championship.name()))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/championship_form.html", form=form,
                           championship=None, defaults=service.WORLDSKILLS_DEFAULTS,
                           abilympics=service.ABILYMPICS_CATEGORIES_PRESET)


@bp.get("/championships/<int:championship_id>")
def championship(championship_id: int):
    championship = _get(Championship, championship_id)
    from ...board.service import visibility_labels

    return render_template("registry/people/championship.html", championship=championship,
                           overview=service.skill_overview(championship),
                           visibility_labels=visibility_labels())


@bp.route("/championships/<int:championship_id>/edit", methods=["GET", "POST"])
def championship_edit(championship_id: int):
    championship = _get(Championship, championship_id)
    form = ChampionshipForm(obj=championship)
    if request.method == "GET":
        form.categories.data = ", ".join(championship.category_list())
        for field in (form.tie_margin, form.medallion_threshold):
            field.data = _plain_decimal(field.data)
    if form.validate_on_submit():
        try:
            service.save_championship(form.data, championship.id)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Settings saved."))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/championship_form.html", form=form,
                           championship=championship, defaults=service.WORLDSKILLS_DEFAULTS,
                           abilympics=service.ABILYMPICS_CATEGORIES_PRESET)


# --- skills -------------------------------------------------------------------------------------

@bp.route("/championships/<int:championship_id>/skills/new", methods=["GET", "POST"])
def skill_new(championship_id: int):
    championship = _get(Championship, championship_id)
    form = SkillForm(data={"position": (max((s.position for s in championship.skills),
                                             default=0) + 1)})
    if form.validate_on_submit():
        try:
            skill = service.save_skill(championship.id, form.data)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Skill %(code)s created.", code=skill.code))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/skill_form.html", form=form,
                           championship=championship, skill=None)


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
def skill_edit(skill_id: int):
    skill = _get(Skill, skill_id)
    form = SkillForm(obj=skill)
    if form.validate_on_submit():
        try:
            service.save_skill(skill.championship_id, form.data, skill.id)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Skill %(code)s saved.", code=skill.code))
            return redirect(url_for("registry.championship",
                                    championship_id=skill.championship_id))
    return render_template("registry/people/skill_form.html", form=form,
                           championship=skill.championship, skill=skill)


@bp.route("/skills/<int:skill_id>/delete", methods=["GET", "POST"])
def skill_delete(skill_id: int):
    skill = _get(Skill, skill_id)
    title = f"{skill.code} {skill.name()}"
    return _delete_page(
        _("Delete the skill %(title)s?", title=title), title, service.skill_delete_refusal(skill),
        url_for("registry.championship", championship_id=skill.championship_id),
        lambda: service.delete_skill(skill.id))


# --- organizations ------------------------------------------------------------------------------

@bp.get("/organizations")
def organizations():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    kind = kind if kind in ORGANIZATION_KINDS else ""
    page = service.list_organizations(q, kind or None, _page())
    return render_template("registry/people/organizations.html", page=page, q=q, kind=kind,
                           kinds=ORGANIZATION_KIND_LABELS)


@bp.route("/organizations/new", methods=["GET", "POST"])
def organization_new():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = service.save_organization(form.data)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Organization %(code)s created.", code=organization.code))
            return redirect(url_for("registry.organizations"))
    return render_template("registry/people/organization_form.html", form=form,
                           organization=None)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
def organization_edit(organization_id: int):
    organization = _get(Organization, organization_id)
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        try:
            service.save_organization(form.data, organization.id)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Organization %(code)s saved.", code=organization.code))
            return redirect(url_for("registry.organizations"))
    return render_template("registry/people/organization_form.html", form=form,
                           organization=organization,
                           uses=service.organization_uses(organization))


@bp.route("/organizations/<int:organization_id>/delete", methods=["GET", "POST"])
def organization_delete(organization_id: int):
    organization = _get(Organization, organization_id)
    title = f"{organization.code} {organization.name()}"
    return _delete_page(
        _("Delete the organization %(title)s?", title=title), title,
        service.organization_delete_refusal(organization), url_for("registry.organizations"),
        lambda: service.delete_organization(organization.id))


# --- competitors --------------------------------------------------------------------------------

@bp.get("/championships/<int:championship_id>/competitors")
def competitors(championship_id: int):
    championship = _get(Championship, championship_id)
    args = request.args
    q = args.get("q", "").strip()
    skill_id = args.get("skill", type=int)
    organization_id = args.get("organization", type=int)
    category = args.get("category", "")
    category = category if category in championship.category_list() else ""
    status = args.get("status", "")
    status = status if status in COMPETITOR_STATUSES else ""
    page = service.list_competitors(championship, q, skill_id, organization_id, category or None,
                                    status or None, _page())
    return render_template(
        "registry/people/competitors.html", championship=championship, page=page,
        filters={"q": q, "skill": skill_id, "organization": organization_id,
                 "category": category, "status": status},
        organizations=service.all_organizations(), statuses=STATUS_LABELS,
        category_labels=CATEGORY_LABELS)


def _competitor_form(skill: Skill, competitor: Competitor | None):
    data = service.competitor_form_data(competitor) if competitor else None
    form = CompetitorForm(skill=skill, data=data)
    if form.validate_on_submit():
        try:
            saved = service.save_competitor(skill.id, form.data,
                                            competitor.id if competitor else None)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Competitor %(code)s saved.", code=saved.code))
            return redirect(url_for("registry.competitors",
                                    championship_id=skill.championship_id, skill=skill.id))
    refusal = service.competitor_delete_refusal(competitor) if competitor else None
    return render_template("registry/people/competitor_form.html", form=form, skill=skill,
                           competitor=competitor, refusal=refusal,
                           organizations=service.all_organizations(),
                           code_form=FlaskForm())


@bp.route("/skills/<int:skill_id>/competitors/new", methods=["GET", "POST"])
def competitor_new(skill_id: int):
    return _competitor_form(_get(Skill, skill_id), None)


@bp.route("/competitors/<int:competitor_id>/edit", methods=["GET", "POST"])
def competitor_edit(competitor_id: int):
    competitor = _get(Competitor, competitor_id)
    return _competitor_form(competitor.skill, competitor)


@bp.post("/competitors/<int:competitor_id>/results-code")
def competitor_results_code(competitor_id: int):
    competitor = _get(Competitor, competitor_id)
    if FlaskForm().validate_on_submit():
        service.regenerate_results_code(competitor.id)
        flash(_("A new personal results code was made for %(code)s; the old one no longer "
                "works.", code=competitor.code))
    else:
        flash(_("The form expired; please try again."))
    return redirect(url_for("registry.competitor_edit", competitor_id=competitor.id))


@bp.route("/competitors/<int:competitor_id>/delete", methods=["GET", "POST"])
def competitor_delete(competitor_id: int):
    competitor = _get(Competitor, competitor_id)
    skill = competitor.skill
    title = f"{skill.code}/{competitor.code} {competitor.name()}"
    return _delete_page(
        _("Delete the competitor %(title)s?", title=title), title,
        service.competitor_delete_refusal(competitor),
        url_for("registry.competitors", championship_id=skill.championship_id, skill=skill.id),
        lambda: service.delete_competitor(competitor.id))


# --- experts ------------------------------------------------------------------------------------

@bp.get("/championships/<int:championship_id>/experts")
def experts(championship_id: int):
    championship = _get(Championship, championship_id)
    args = request.args
    q = args.get("q", "").strip()
    skill_id = args.get("skill", type=int)
    organization_id = args.get("organization", type=int)
    role = args.get("role", "")
    role = role if role in EXPERT_ROLES else ""
    page = service.list_experts(championship, q, skill_id, organization_id, role or None,
                                _page())
    return render_template(
        "registry/people/experts.html", championship=championship, page=page,
        filters={"q": q, "skill": skill_id, "organization": organization_id, "role": role},
        organizations=service.all_organizations(), roles=ROLE_LABELS)


def _expert_form(championship: Championship, expert: Expert | None):
    form = ExpertForm(championship=championship,
                      data=service.expert_form_data(expert, championship))
    if form.validate_on_submit():
        try:
            saved = service.save_expert(championship.id, form.data, form.role_map(),
                                        expert.id if expert else None)
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Expert %(code)s saved.", code=saved.code))
            return redirect(url_for("registry.experts", championship_id=championship.id))
    skills = {s.code: s for s in championship.skills}
    refusal = service.expert_delete_refusal(expert) if expert else None
    return render_template("registry/people/expert_form.html", form=form,
                           championship=championship, expert=expert, skills=skills,
                           refusal=refusal, organizations=service.all_organizations())


@bp.route("/championships/<int:championship_id>/experts/new", methods=["GET", "POST"])
def expert_new(championship_id: int):
    return _expert_form(_get(Championship, championship_id), None)


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
def expert_edit(expert_id: int):
    expert = _get(Expert, expert_id)
    return _expert_form(expert.championship, expert)


@bp.route("/experts/<int:expert_id>/delete", methods=["GET", "POST"])
def expert_delete(expert_id: int):
    expert = _get(Expert, expert_id)
    title = f"{expert.code} {expert.name()}"
    return _delete_page(
        _("Delete the expert %(title)s?", title=title), title,
        service.expert_delete_refusal(expert),
        url_for("registry.experts", championship_id=expert.championship_id),
        lambda: service.delete_expert(expert.id))


# --- compatriots and the workstation draw -------------------------------------------------------

@bp.get("/skills/<int:skill_id>/compatriots")
def compatriots(skill_id: int):
    skill = _get(Skill, skill_id)
    try:
        pairs = service.compatriots(current_user, skill)
    except Forbidden as forbidden:
        abort(403, description=str(forbidden))
    return render_template("registry/people/compatriots.html", skill=skill, pairs=pairs,
                           role_labels=ROLE_LABELS)


@bp.route("/skills/<int:skill_id>/draw", methods=["GET", "POST"])
def draw(skill_id: int):
    skill = _get(Skill, skill_id)
    form = DrawForm(data={"workstations": service.default_workstations(skill)})
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            if form.preview.data:
                seed = form.seed.data or service.new_seed()
                form.seed.data = seed
                preview = service.preview_draw(skill, form.workstations.data, seed)
            else:
                made = service.draw_workstations(skill.id, form.workstations.data,
                                                 form.seed.data, current_user.id)
                flash(_("Workstations drawn with the seed %(seed)s and given to the "
                        "competitors.", seed=made.seed))
                return redirect(url_for("registry.draw", skill_id=skill.id))
        except service.Invalid as error:
            _attach(form, error)
            status = 422
        except service.Refused as refused:
            form.form_errors.append(str(refused))
            status = 409
    elif request.method == "POST":
        status = 422
    return render_template("registry/people/draw.html", skill=skill, form=form, preview=preview,
                           competitors=service.draw_competitors(skill),
                           history=service.draw_history(skill),
                           refusal=service.draw_refusal(skill)), status
