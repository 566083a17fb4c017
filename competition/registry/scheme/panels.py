"""The judgement panels in the scheme sheet (optional columns `panel` and `aspect_panel`, expert
codes separated by commas): checked against the skill's experts and the championship's judges
per aspect, seated when the scheme is imported (competition/judging/panels.py keeps the rules
and the seats), and exported with the scheme."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...judging.panels import seat_panel, team_problem
from ...models import Expert, ExpertRole, Skill
from ...models.panels import PanelSeat
from ..imports.tabular import Row, RowError
from .parsing import ParsedCriterion


def _experts(skill: Skill) -> dict[str, Expert]:
    return {e.code: e for e in db.session.execute(
        sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id)).scalars()}


def _check(row: Row, column: str, codes: list[str], experts: dict[str, Expert], jpa: int,
           skill: Skill) -> list[RowError]:
    errors = [row.error(column, _("%(code)s is not an expert of skill %(skill)s.", code=code,
                                  skill=skill.code), value=code)
              for code in codes if code not in experts]
    if len(set(codes)) != len(codes):
        errors.append(row.error(column, _(
            "An expert sits on a panel once: choose %(n)s different experts.", n=jpa)))
    elif len(codes) != jpa:
        errors.append(row.error(column, _(
            "A judgement panel has exactly %(n)s experts (%(given)s chosen).", n=jpa,
            given=len(codes))))
    return errors


def panel_errors(skill: Skill, criteria: list[ParsedCriterion]) -> list[RowError]:
    """Every problem of the file's panels, at its row and column."""
    panels = [(sub.panel_row, "panel", sub.panel, sub, c.code) for c in criteria
              for sub in c.subs.values() if sub.panel_row is not None]
    panels += [(row, "aspect_panel", codes, sub, c.code) for c in criteria
               for sub in c.subs.values() for row, codes in sub.aspect_panels.values()]
    if not panels:
        return []
    experts = _experts(skill)
    jpa = skill.championship.judges_per_aspect
    errors: list[RowError] = []
    for row, column, codes, sub, criterion in panels:
        errors += _check(row, column, codes, experts, jpa, skill)
        errors += [row.error(column, problem, value=code) for code in codes if code in experts
                   for problem in [team_problem(skill, experts[code], criterion)] if problem]
        if column == "panel" and not any(data.type == "J" for _row, data in sub.aspects):
            errors.append(row.error(column, _(
                "Sub-criterion %(code)s has no judgement (J) aspect: it has no panel; clear "
                "the cell", code=sub.code)))
    return errors


def seat_imported(skill: Skill, criteria: list[ParsedCriterion]) -> int:
    """Seat the file's panels on the skill's new scheme (inside the caller's write
    transaction, after the scheme is written); how many panels."""
    experts = _experts(skill)
    subs = {(c.code, s.code): s for c in skill.criteria for s in c.sub_criteria}
    count = 0
    for item in criteria:
        for parsed in item.subs.values():
            sub = subs[(item.code, parsed.code)]
            if parsed.panel:
                seat_panel(skill, sub, None, [experts[code] for code in parsed.panel])
                count += 1
            aspects = {a.code: a for a in sub.aspects}
            for code, (_row, codes) in parsed.aspect_panels.items():
                seat_panel(skill, sub, aspects[code], [experts[c] for c in codes])
                count += 1
    return count


def exported_panels(skill: Skill) -> tuple[dict[int, str], dict[int, str]]:
    """(sub-criterion id → its panel's codes, aspect id → its own panel's codes), as the
    sheet's cells."""
    subs: dict[int, list[str]] = defaultdict(list)
    aspects: dict[int, list[str]] = defaultdict(list)
    for sub_id, aspect_id, code in db.session.execute(
            sa.select(PanelSeat.sub_criterion_id, PanelSeat.aspect_id, Expert.code)
            .join(Expert, Expert.id == PanelSeat.expert_id)
            .where(PanelSeat.skill_id == skill.id)
            .order_by(PanelSeat.position, PanelSeat.id)):
        (aspects[aspect_id] if aspect_id is not None else subs[sub_id]).append(code)
    return ({k: ", ".join(v) for k, v in subs.items()},
            {k: ", ".join(v) for k, v in aspects.items()})
