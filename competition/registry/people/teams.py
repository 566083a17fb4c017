"""Marking teams in the expert form: the criteria of a skill an expert marks (ExpertRole.
marking_team, "A, B"; empty: every criterion), written as people type them and checked against
the skill's criteria."""

from __future__ import annotations

from flask_babel import gettext as _


def team_text(value: str | None) -> str:
    """A marking team as stored: criterion codes, upper case, separated by ", "."""
    parts = [p.strip().upper() for p in (value or "").replace(";", ",").split(",")]
    return ", ".join(dict.fromkeys(p for p in parts if p))


def teams_valid(form) -> bool:
    """Every criterion of each role's marking team is one of its skill's; an error at the
    field of each that is not. `form` is the expert form (its championship and roles)."""
    if form.championship is None:
        return True
    skills = {s.code: s for s in form.championship.skills}
    good = True
    for entry in form.roles.entries:
        skill = skills.get(entry.form.skill.data)
        codes = [c for c in team_text(entry.form.team.data).split(", ") if c]
        if skill is None or not codes:
            continue
        known = [c.code for c in skill.criteria]
        unknown = [c for c in codes if c not in known]
        if unknown:
            entry.form.team.errors = [_("Skill %(skill)s has no criterion %(codes)s (it has "
                                        "%(known)s).", skill=skill.code,
                                        codes=", ".join(unknown),
                                        known=", ".join(known) or "—")]
            good = False
    return good
