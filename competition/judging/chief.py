"""The chief expert's pages: the progress board with disputes and sign-off, and a mark's history.

A skill is named in the URL as in the API (docs/api.md): its code, or CHAMPIONSHIP/CODE.
Who may open what is decided in signoff.py (the skill's chief and deputy, organizers, admins:
others get a 403 page saying why); the blueprint's guard has already turned away competitors
and anonymous visitors.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import Forbidden
from ..errors import Refused
from ..lookup import find_skill, skill_ref
from ..models import Skill
from ..vocabulary import EXPERT_ROLE_LABELS as ROLE_LABELS
from . import bp, signoff


def _skill(ref: str) -> Skill:
    try:
        return find_skill(ref)
    except Refused:
        abort(404)


def _board_page(skill: Skill, errors: dict[str, str] | None = None,
                reasons: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "judging/chief.html", board=signoff.board(current_user, skill), skill=skill,
        ref=skill_ref(skill), role_labels=ROLE_LABELS, errors=errors or {},
        reasons=reasons or {},
    ), status


def _back(ref: str, sub: str):
    return redirect(url_for("judging.chief", ref=ref) + f"#sub-{sub}")


@bp.get("/<path:ref>/chief")
def chief(ref: str):
    return _board_page(_skill(ref))


@bp.get("/<path:ref>/chief/progress.json")
def chief_progress(ref: str):
    """The board's numbers for chief.js, fetched again after live events."""
    skill = _skill(ref)
    try:
        numbers = signoff.board_numbers(current_user, skill)
    except Forbidden as forbidden:
        return jsonify(error="forbidden", message=str(forbidden)), 403
    return jsonify(numbers)


# GET on the two actions (a reload, a bookmark) leads back to the board. Answering it here
# also keeps the tablet page's /<path:ref> from taking these addresses.

@bp.route("/<path:ref>/chief/<sub>/sign-off", methods=["GET", "POST"])
def chief_sign_off(ref: str, sub: str):
    skill = _skill(ref)
    if request.method == "GET":
        signoff.check_may_lead(current_user, skill)
        return _back(ref, sub)
    try:
        signoff.sign_off(current_user, skill, sub)
    except signoff.NotFound:
        abort(404)
    except signoff.SignOffError as error:
        return _board_page(skill, errors={sub: str(error)}, status=409)
    flash(_("Sub-criterion %(code)s is signed off: its marks are locked.", code=sub))
    return _back(ref, sub)


@bp.route("/<path:ref>/chief/<sub>/unlock", methods=["GET", "POST"])
def chief_unlock(ref: str, sub: str):
    skill = _skill(ref)
    if request.method == "GET":
        signoff.check_may_lead(current_user, skill)
        return _back(ref, sub)
    reason = request.form.get("reason", "")
    try:
        signoff.unlock(current_user, skill, sub, reason)
    except signoff.NotFound:
        abort(404)
    except signoff.SignOffError as error:
        return _board_page(skill, errors={sub: str(error)}, reasons={sub: reason}, status=422)
    flash(_("Sub-criterion %(code)s is unlocked: its marks may be corrected, each with a "
            "reason.", code=sub))
    return _back(ref, sub)


@bp.get("/<path:ref>/history")
def history(ref: str):
    skill = _skill(ref)
    signoff.check_may_lead(current_user, skill)
    aspect_code = request.args.get("aspect", "").strip()
    competitor_code = request.args.get("competitor", "").strip()
    judge = request.args.get("judge", "").strip() or None
    if not aspect_code or not competitor_code:
        abort(400)
    try:
        entries = signoff.history(skill, aspect_code, competitor_code, judge)
        aspect = signoff.find_aspect(skill, aspect_code)
        competitor = signoff.find_competitor(skill, competitor_code)
    except signoff.NotFound as missing:
        return render_template("errors.html", status=404, reason=str(missing)), 404
    return render_template("judging/history.html", skill=skill, ref=skill_ref(skill),
                           aspect=aspect, competitor=competitor, judge=judge, entries=entries,
                           max_text=signoff.mark_value(aspect.max, "M"))
