"""The experts' pages: the skills a user marks, and the tablet marking page.

The tablet page is a shell: the server renders the skill's reference, the user's expert code
and the page's translated strings; static/js/tablet.js reads the scheme and the marks from the
HTTP API (docs/api.md), talks Socket.IO (`panel:join`, `mark:submit`) and keeps every mark in a
local outbox until the server has acknowledged it. Organizers and admins see the page read-only:
they hold no expert's pen (the service refuses their marks anyway).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import STAFF, role_of
from ..errors import Forbidden
from ..lookup import expert_role, skill_or_404
from ..models import Championship
from ..vocabulary import ExpertRole
from . import queries
from .blueprint import bp

COMPETITION_DAYS = 4  # C1..C4: the days a sub-criterion is marked on


def competition_day(championship: Championship, today: date | None = None) -> str:
    """Today's competition day (C1..C4) from the championship's dates, clamped to its days."""
    if championship.starts_on is None:
        return "C1"
    today = today or date.today()
    last = COMPETITION_DAYS
    if championship.ends_on is not None:
        last = max(1, min(last, (championship.ends_on - championship.starts_on).days + 1))
    index = (today - championship.starts_on).days + 1
    return f"C{min(max(index, 1), last)}"


@bp.get("/")
def index():
    skills = queries.visible_skills(current_user)
    if role_of(current_user) not in STAFF and len(skills) == 1:
        return redirect(url_for("judging.tablet", ref=skills[0]["ref"]))
    return render_template("judging/index.html", skills=skills, role_labels=ExpertRole.labels())


@bp.get("/<path:ref>")
def tablet(ref: str):
    skill = skill_or_404(ref)
    role = expert_role(current_user, skill.id)
    staff = role_of(current_user) in STAFF
    if role is None and not staff:
        raise Forbidden(_("You are not an expert of skill %(skill)s, so you cannot mark it.",
                          skill=skill.code))
    api_root = request.script_root + "/api/v1/skills/" + quote(ref, safe="/")
    config = {
        "ref": ref,
        "skill": skill.code,
        "championship": skill.championship.code,
        "user": current_user.id,
        "login": current_user.login,
        "expert": role.expert.code if role else None,
        "role": role.role if role else None,
        "readOnly": role is None,
        "day": competition_day(skill.championship),
        "api": {"skill": api_root, "marks": api_root + "/marks"},
        "login_url": url_for("auth.login", next=request.path),
    }
    return render_template("judging/tablet.html", skill=skill, role=role, config=config)
