"""The page "Judgement panels" of a skill, for whoever leads it (its chief expert and deputy,
organizers, admins: panels.py decides, others get a 403 page saying why): the panel of each
sub-criterion with judgement aspects, an aspect's own panel, the compatriot clashes with a form
to name a substitute for one competitor. Plain forms, no script needed; a refused form is
shown again with the message beside it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Conflict, Invalid, NotFound
from ..lookup import skill_or_404, skill_ref
from ..models import Skill
from . import panels
from .blueprint import bp
from .signoff import check_may_lead


def _page(skill: Skill, errors: dict[str, str] | None = None, status: int = 200):
    return render_template("judging/panels.html", skill=skill, ref=skill_ref(skill),
                           overview=panels.overview(current_user, skill),
                           errors=errors or {}), status


def _back(ref: str, sub: str | None = None):
    return redirect(url_for("judging.chief_panels", ref=ref) + (f"#panel-{sub}" if sub else ""))


def _refused(skill: Skill, key: str, error):
    status = 409 if isinstance(error, Conflict) else 422
    return _page(skill, errors={key: error.message}, status=status)


@bp.get("/<path:ref>/chief/panels")
def chief_panels(ref: str):
    return _page(skill_or_404(ref))


# GET on the actions (a reload, a bookmark) leads back to the page, as the chief's board does.

def _panel_action(ref: str, sub: str, act, key: str, done: str):
    """Assign or clear a panel: `act(skill, aspect)` does it; a refusal shows the page again
    with the message beside the form `key` (formatted with the aspect, "aspect" or "sub");
    `done` is the flash message (formatted with the code)."""
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref, sub)
    aspect = request.form.get("aspect", "").strip() or None
    try:
        act(skill, aspect)
    except NotFound:
        abort(404)
    except (Invalid, Conflict) as error:
        return _refused(skill, key.format(sub=sub, aspect=aspect), error)
    flash(done.format(code=aspect or sub))
    return _back(ref, sub)


@bp.route("/<path:ref>/chief/panels/<sub>/assign", methods=["GET", "POST"])
def chief_panel_assign(ref: str, sub: str):
    return _panel_action(
        ref, sub,
        lambda skill, aspect: panels.assign(current_user, skill, sub,
                                            request.form.getlist("seat"), aspect),
        "{sub}-" + ("aspect" if request.form.get("aspect", "").strip() else "sub"),
        _("The judgement panel of %(code)s is assigned.", code="{code}"))


@bp.route("/<path:ref>/chief/panels/<sub>/clear", methods=["GET", "POST"])
def chief_panel_clear(ref: str, sub: str):
    aspect = request.form.get("aspect", "").strip()
    return _panel_action(
        ref, sub, lambda skill, aspect: panels.clear(current_user, skill, sub, aspect),
        "{sub}-" + (aspect or "sub") + "-clear",
        _("The judgement panel of %(code)s is removed.", code="{code}"))


@bp.route("/<path:ref>/chief/panels/<sub>/substitute", methods=["GET", "POST"])
def chief_panel_substitute(ref: str, sub: str):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref, sub)
    form = {name: request.form.get(name, "").strip()
            for name in ("aspect", "competitor", "absent", "substitute")}
    try:
        named = panels.name_substitute(current_user, skill, sub, form["competitor"],
                                       form["absent"], form["substitute"],
                                       form["aspect"] or None)
    except NotFound as error:
        return _refused(skill, f"{sub}-substitute", error)
    except (Invalid, Conflict) as error:
        key = f"{sub}-{form['aspect']}-{form['competitor']}-{form['absent']}"
        return _refused(skill, key, error)
    flash(_("For competitor %(competitor)s, %(substitute)s marks instead of %(absent)s.",
            competitor=form["competitor"], substitute=named.substitute.code,
            absent=named.absent.code))
    return _back(ref, sub)


@bp.route("/<path:ref>/chief/panels/substitutes/<int:substitute_id>/remove",
          methods=["GET", "POST"])
def chief_panel_substitute_remove(ref: str, substitute_id: int):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "GET":
        return _back(ref)
    try:
        panels.remove_substitute(current_user, skill, substitute_id)
    except NotFound:
        abort(404)
    flash(_("The substitute is removed."))
    return _back(ref)
