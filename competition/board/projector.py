"""The hall's projector: one skill's standings, or a rotation through several skills.

The page is a shell, like the tablet's: the server renders the skills' names, the page's
translated strings and where to read snapshots; static/js/projector.js fills the standings
from snapshots only (`board:join` over Socket.IO, `GET /board/<ref>/snapshot.json` after every
connect), so the HTML never carries a score and the visibility filter stays in one place.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..lookup import skill_or_404, skill_ref
from ..models import Championship, Skill
from ..models.base import utcnow
from .blueprint import bp

THEMES = ("dark", "light")
EVERY_DEFAULT, EVERY_MIN, EVERY_MAX = 20, 5, 600  # seconds a rotation shows each skill
KEPT_ARGS = ("skills", "every", "theme")  # what the language switch keeps of the address


@bp.get("/board/<path:ref>/projector")
def projector(ref: str):
    return _render([skill_or_404(ref)], every=None)


@bp.get("/board/rotation")
def rotation():
    refs = [r.strip() for r in request.args.get("skills", "").split(",") if r.strip()]
    if refs:
        skills = [skill_or_404(ref) for ref in refs]
    else:
        skills = _default_rotation()
    return _render(skills, every=_every(request.args.get("every")))


MARKING_NOW = timedelta(hours=2)  # a skill with a mark changed this recently is being marked


def _default_rotation() -> list[Skill]:
    """The skills being marked now (a mark changed within MARKING_NOW), not hidden; else the
    skills of the championship running today; else of the first championship (by its dates,
    then code). `?skills=` (or a hall screen's rotation) names others."""
    from ..models import Mark

    order = (Championship.starts_on, Championship.code, Skill.position, Skill.code)
    since = utcnow() - MARKING_NOW
    marking = db.session.execute(
        sa.select(Skill).join(Championship).where(
            Skill.visibility != "hidden",
            Skill.id.in_(sa.select(Mark.skill_id).where(Mark.updated_at >= since)))
        .order_by(*order)).scalars().all()
    if marking:
        return list(marking)
    today = date.today()
    championship = db.session.execute(
        sa.select(Championship).where(Championship.starts_on <= today,
                                      Championship.ends_on >= today)
        .order_by(Championship.starts_on, Championship.code).limit(1)).scalar_one_or_none()
    if championship is None:
        championship = db.session.execute(
            sa.select(Championship).order_by(Championship.starts_on, Championship.code).limit(1)
        ).scalar_one_or_none()
    if championship is None:
        return []
    return [skill for skill in championship.skills if skill.visibility != "hidden"]


def _every(value: str | None) -> int:
    try:
        seconds = int(value) if value else EVERY_DEFAULT
    except ValueError:
        seconds = EVERY_DEFAULT
    return max(EVERY_MIN, min(EVERY_MAX, seconds))


def _render(skills: list[Skill], every: int | None):
    lang = request.args.get("lang")
    if lang not in current_app.config["LOCALES"]:
        lang = None
    theme = request.args.get("theme")
    theme = theme if theme in THEMES else THEMES[0]
    if lang is None:
        return _page(skills, every, theme)
    with force_locale(lang):
        return _page(skills, every, theme)


def _page(skills: list[Skill], every: int | None, theme: str):
    from .. import i18n

    entries = []
    for skill in skills:
        ref = skill_ref(skill)
        entries.append({
            "ref": ref,
            "name": skill.name(),
            "championship": skill.championship.name(),
            "snapshot": request.script_root + "/board/" + quote(ref, safe="/") + "/snapshot.json",
        })
    args = {k: v for k, v in request.args.items() if k in KEPT_ARGS}
    switch = [
        {"code": code, "name": i18n.LANGUAGE_NAMES[code], "short": i18n.LANGUAGE_SHORT[code],
         "url": url_for(request.endpoint, **(request.view_args or {}), **args, lang=code)}
        for code in current_app.config["LOCALES"]
    ]
    config = {"skills": entries, "every": every}
    return render_template("board/projector.html", skills=entries, config=config,
                           strings=_strings(), theme=theme, switch=switch, rotation=every)


def _strings() -> dict[str, str]:
    """What projector.js says, in the page's language ({name} placeholders)."""
    return {
        "loading": _("Loading the standings…"),
        "state_progress": _("Marking in progress"),
        "state_live": _("Live (provisional results)"),
        "state_frozen": _("Frozen at {time}"),
        "state_frozen_plain": _("Results are frozen"),
        "state_published": _("Final results"),
        "state_appeal": _("Results under appeal"),
        "state_hidden": _("The results are not shown yet"),
        "progress": _("{marked} of {expected} marks"),
        "marked_share": _("{percent}% marked"),
        "updated": _("Last updated {time}"),
        "standings_updated": _("Standings updated"),
        "reconnecting": _("Reconnecting…"),
        "caption": _("Standings: {skill}"),
        "caption_group": _("Standings: {skill}, {category}"),
        "rank": _("Rank"),
        "medal": _("Medal"),
        "competitor": _("Competitor"),
        "organization": _("Organization"),
        "score": _("Score"),
        "gold": _("Gold"),
        "silver": _("Silver"),
        "bronze": _("Bronze"),
        "medallion": _("Medallion for Excellence"),
        "guest": _("guest"),
        "withdrawn": _("withdrawn"),
        "no_competitors": _("No competitors yet."),
        "category_none": _("All competitors"),
        "category_schoolchildren": _("Schoolchildren"),
        "category_students": _("Students"),
        "category_specialists": _("Specialists"),
        "rotation_position": _("Skill {index} of {count}"),
        "no_skills": _("No skill is shown on this screen yet."),
    }
