"""Routes of the people pages (registered on competition.registry.bp): championship settings,
skills and organizations; competitors, experts, compatriots and the workstation draw are in
participants.py.

Each view reads the arguments, calls the service, renders. Who may open a page is decided by the
blueprint's guard; finer rules (a chief expert and their own skills) by the service.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...errors import Invalid
from ...models import Championship, Organization, Skill
from ...models.event import ORGANIZATION_KINDS
from ...vocabulary import (
    VISIBILITY_HELP,
    OrganizationKind,
    Visibility,
)
from ..blueprint import bp
from .forms import (
    ChampionshipForm,
    OrganizationForm,
    SkillForm,
)
from .pages import attach_error, delete_page, get_or_404, page_number, plain_decimal
from .service.championships import (
    ABILYMPICS_CATEGORIES_PRESET,
    WORLDSKILLS_DEFAULTS,
    delete_skill,
    save_championship,
    save_skill,
    skill_delete_refusal,
    skill_overview,
)
from .service.organizations import (
    delete_organization,
    list_organizations,
    organization_delete_refusal,
    organization_uses,
    save_organization,
)


def with_age_rules(form) -> dict:
    """The form's data with the age rules as stored (docs/people.md, "Eligibility")."""
    return {**form.data, "age_rules": form.age_rules_value()}


# --- championship -------------------------------------------------------------------------------

@bp.route("/championships/new", methods=["GET", "POST"])
def championship_new():
    form = ChampionshipForm(data=WORLDSKILLS_DEFAULTS)
    if form.validate_on_submit():
        try:
            championship = save_championship(with_age_rules(form))
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Championship %(name)s created.", name=championship.name()))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/championship_form.html", form=form,
                           championship=None, defaults=WORLDSKILLS_DEFAULTS,
                           abilympics=ABILYMPICS_CATEGORIES_PRESET)


@bp.get("/championships/<int:championship_id>")
def championship(championship_id: int):
    championship = get_or_404(Championship, championship_id)

    return render_template("registry/people/championship.html", championship=championship,
                           overview=skill_overview(championship),
                           visibility_labels=Visibility.labels(),
                           visibility_help=VISIBILITY_HELP)


@bp.route("/championships/<int:championship_id>/edit", methods=["GET", "POST"])
def championship_edit(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    form = ChampionshipForm(obj=championship)
    if request.method == "GET":
        form.categories.data = ", ".join(championship.category_list())
        for field in (form.tie_margin, form.medallion_threshold):
            field.data = plain_decimal(field.data)
        form.load_age_rules(championship.age_rules)
    if form.validate_on_submit():
        try:
            save_championship(with_age_rules(form), championship.id)
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Settings saved."))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/championship_form.html", form=form,
                           championship=championship, defaults=WORLDSKILLS_DEFAULTS,
                           abilympics=ABILYMPICS_CATEGORIES_PRESET)


# --- skills -------------------------------------------------------------------------------------

@bp.route("/championships/<int:championship_id>/skills/new", methods=["GET", "POST"])
def skill_new(championship_id: int):
    championship = get_or_404(Championship, championship_id)
    form = SkillForm(data={"position": (max((s.position for s in championship.skills),
                                             default=0) + 1)}, championship=championship)
    if form.validate_on_submit():
        try:
            skill = save_skill(championship.id, with_age_rules(form))
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Skill %(code)s created.", code=skill.code))
            return redirect(url_for("registry.championship", championship_id=championship.id))
    return render_template("registry/people/skill_form.html", form=form,
                           championship=championship, skill=None)


@bp.route("/skills/<int:skill_id>/edit", methods=["GET", "POST"])
def skill_edit(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    form = SkillForm(obj=skill, championship=skill.championship)
    if request.method == "GET":
        form.load_age_rules(skill.age_rules)
    if form.validate_on_submit():
        try:
            save_skill(skill.championship_id, with_age_rules(form), skill.id)
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Skill %(code)s saved.", code=skill.code))
            return redirect(url_for("registry.championship",
                                    championship_id=skill.championship_id))
    return render_template("registry/people/skill_form.html", form=form,
                           championship=skill.championship, skill=skill)


@bp.route("/skills/<int:skill_id>/delete", methods=["GET", "POST"])
def skill_delete(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    title = f"{skill.code} {skill.name()}"
    return delete_page(
        _("Delete the skill %(title)s?", title=title), title, skill_delete_refusal(skill),
        url_for("registry.championship", championship_id=skill.championship_id),
        lambda: delete_skill(skill.id))


# --- organizations ------------------------------------------------------------------------------

@bp.get("/organizations")
def organizations():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    kind = kind if kind in ORGANIZATION_KINDS else ""
    page = list_organizations(q, kind or None, page_number())
    return render_template("registry/people/organizations.html", page=page, q=q, kind=kind,
                           kinds=OrganizationKind.labels())


@bp.route("/organizations/new", methods=["GET", "POST"])
def organization_new():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = save_organization(form.data)
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Organization %(code)s created.", code=organization.code))
            return redirect(url_for("registry.organizations"))
    return render_template("registry/people/organization_form.html", form=form,
                           organization=None)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
def organization_edit(organization_id: int):
    organization = get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        try:
            save_organization(form.data, organization.id)
        except Invalid as error:
            attach_error(form, error)
        else:
            flash(_("Organization %(code)s saved.", code=organization.code))
            return redirect(url_for("registry.organizations"))
    return render_template("registry/people/organization_form.html", form=form,
                           organization=organization,
                           uses=organization_uses(organization))


@bp.route("/organizations/<int:organization_id>/delete", methods=["GET", "POST"])
def organization_delete(organization_id: int):
    organization = get_or_404(Organization, organization_id)
    title = f"{organization.code} {organization.name()}"
    return delete_page(
        _("Delete the organization %(title)s?", title=title), title,
        organization_delete_refusal(organization), url_for("registry.organizations"),
        lambda: delete_organization(organization.id))
