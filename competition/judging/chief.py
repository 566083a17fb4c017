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

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..lookup import skill_or_404, skill_ref
from ..models import Skill
from ..names import sees_confidential
from ..vocabulary import AppealState, ExpertRole
from . import appeals, chief_board, signoff
from . import history as mark_history
from .blueprint import bp


def _board_page(skill: Skill, errors: dict[str, str] | None = None,
                reasons: dict[str, str] | None = None, status: int = 200,
                default_reason: str = ""):
    board = chief_board.board(current_user, skill)
    # Confidential (disability, health note): the chief and organizers only, not the deputy.
    confidential = [c for c in board.competitors if c.disability or c.health_note] \
        if sees_confidential(current_user, skill.id) else None
    return render_template(
        "judging/chief.html", board=board, skill=skill, confidential=confidential,
        ref=skill_ref(skill), role_labels=ExpertRole.labels(), errors=errors or {},
        reasons=reasons or {}, default_reason=default_reason,
        appeals=appeals.of_skill(skill), appeal_states=AppealState.labels(),
    ), status


def _back(ref: str, sub: str):
    return redirect(url_for("judging.chief", ref=ref) + f"#sub-{sub}")


@bp.get("/<path:ref>/chief")
def chief(ref: str):
    # ?reason=…: the unlock reasons filled in (an upheld appeal's correction names the appeal)
    return _board_page(skill_or_404(ref), default_reason=request.args.get("reason", "")[:500])


@bp.get("/<path:ref>/chief/progress.json")
def chief_progress(ref: str):
    """The board's numbers for chief.js, fetched again after live events."""
    skill = skill_or_404(ref)
    try:
        numbers = chief_board.board_numbers(current_user, skill)
    except Forbidden as forbidden:
        return jsonify(error="forbidden", message=str(forbidden)), 403
    return jsonify(numbers)


# GET on the two actions (a reload, a bookmark) leads back to the board. Answering it here
# also keeps the tablet page's /<path:ref> from taking these addresses.

@bp.route("/<path:ref>/chief/<sub>/sign-off", methods=["GET", "POST"])
def chief_sign_off(ref: str, sub: str):
    skill = skill_or_404(ref)
    if request.method == "GET":
        signoff.check_may_lead(current_user, skill)
        return _back(ref, sub)
    try:
        signoff.sign_off(current_user, skill, sub, confirm=bool(request.form.get("confirm")))
    except NotFound:
        abort(404)
    except signoff.Unconfirmed as unconfirmed:
        # Marks are missing: say which and ask again, with a button that confirms (no script
        # needed). Nothing was written.
        return render_template("judging/sign_off_confirm.html", skill=skill,
                               ref=skill_ref(skill), gap=unconfirmed), 409
    except Conflict as error:
        return _board_page(skill, errors={sub: error.message}, status=409)
    flash(_("Sub-criterion %(code)s is signed off: its marks are locked.", code=sub))
    return _back(ref, sub)


@bp.route("/<path:ref>/chief/<sub>/unlock", methods=["GET", "POST"])
def chief_unlock(ref: str, sub: str):
    skill = skill_or_404(ref)
    if request.method == "GET":
        signoff.check_may_lead(current_user, skill)
        return _back(ref, sub)
    reason = request.form.get("reason", "")
    try:
        signoff.unlock(current_user, skill, sub, reason)
    except NotFound:
        abort(404)
    except (Invalid, Conflict) as error:
        return _board_page(skill, errors={sub: error.message}, reasons={sub: reason},
                           status=422)
    flash(_("Sub-criterion %(code)s is unlocked: its marks may be corrected, each with a "
            "reason.", code=sub))
    return _back(ref, sub)


@bp.get("/<path:ref>/history")
def history(ref: str):
    skill = skill_or_404(ref)
    signoff.check_may_lead(current_user, skill)
    aspect_code = request.args.get("aspect", "").strip()
    competitor_code = request.args.get("competitor", "").strip()
    judge = request.args.get("judge", "").strip() or None
    if not aspect_code or not competitor_code:
        abort(400)
    # An unknown aspect, competitor or judge: NotFound, the 404 page saying which (app.py).
    entries = mark_history.history(skill, aspect_code, competitor_code, judge)
    aspect = mark_history.find_aspect(skill, aspect_code)
    competitor = mark_history.find_competitor(skill, competitor_code)
    return render_template("judging/history.html", skill=skill, ref=skill_ref(skill),
                           aspect=aspect, competitor=competitor, judge=judge, entries=entries,
                           max_text=mark_history.mark_value(aspect.max, "M"))
