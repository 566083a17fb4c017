"""Public pages and the snapshots every board is drawn from."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import standings
from ..errors import Invalid, NotFound
from ..extensions import db
from ..judging.finality import NotFinal
from ..lookup import skill_or_404
from ..standings.served import stamp_of_ref
from ..vocabulary import Visibility
from .blueprint import bp
from .service import championships_overview, set_visibility


@bp.get("/")
def home():
    return render_template("board/home.html", overview=championships_overview())


@bp.get("/board/<path:ref>/snapshot.json")
def snapshot(ref: str):
    """The skill's snapshot as this viewer may see it (docs/api.md): what a board shows, and
    what it fetches after a reconnect."""
    # The skill and its stamp in one query (a hall of phones polls this); the lookup's
    # own error when the ref names no single skill.
    known = stamp_of_ref(ref)
    skill_id, stamp = known if known is not None else (skill_or_404(ref).id, None)
    # ?view=public: what the hall may see, even on an organizer's logged-in laptop.
    viewer = None if request.args.get("view") == "public" else current_user
    found = standings.hub().snapshot_json(skill_id, viewer, stamp)
    if found is None:
        return jsonify(error="unavailable",
                       message=_("The standings of this skill cannot be computed yet.")), 503
    response = current_app.response_class(found, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/board/<path:ref>/visibility")
def skill_visibility(ref: str):
    """Organizers: what the public sees of a skill (hidden … published)."""
    skill = skill_or_404(ref)
    visibility = request.form.get("visibility", "")
    try:
        set_visibility(current_user, skill.id, visibility)
    except NotFinal as refusal:
        # What holds the results back, per sub-criterion, each with where to fix it.
        return render_template("board/not_final.html", skill=skill, refusal=refusal,
                               report=refusal.report, back=_back(skill)), 409
    except (Invalid, NotFound) as error:
        flash(error.message, "error")
    else:
        flash(_("%(skill)s: %(state)s", skill=skill.code,
                state=Visibility.label_of(visibility)))
    return redirect(_back(skill))


@bp.post("/board/visibility")
def skills_visibility():
    """Organizers: one visibility for several skills at once (the championship page's bulk
    form). Each skill is set on its own: a skill whose results are not final is not published,
    and the page says which and why; the others are set."""
    from ..models import Skill

    visibility = request.form.get("visibility", "")
    ids = [int(v) for v in request.form.getlist("skills") if v.isascii() and v.isdigit()]
    back = _safe_back()
    if not ids:
        flash(_("Choose at least one skill to change."), "error")
        return redirect(back)
    done, refused = [], []
    for skill_id in ids:
        skill = db.session.get(Skill, skill_id)
        code = skill.code if skill is not None else str(skill_id)
        try:
            set_visibility(current_user, skill_id, visibility)
            done.append(code)
        except NotFinal:
            refused.append(_("%(skill)s is not published: its results are not final yet (open "
                             "its chief expert's page to see what is missing).", skill=code))
        except (Invalid, NotFound) as error:
            refused.append(f"{code}: {error.message}")
    if done:
        flash(_("%(skills)s: %(state)s", skills=", ".join(done),
                state=Visibility.label_of(visibility)))
    for message in refused:
        flash(message, "error")
    return redirect(back)


def _safe_back() -> str:
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("registry.dashboard")
    return target


def _back(skill) -> str:
    """The organizer's page the form came from (`next`, a path of this site), else the
    championship's."""
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("registry.championship", championship_id=skill.championship_id)
    return target
