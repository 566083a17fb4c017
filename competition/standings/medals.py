"""The medal table by organization and by region, and Best of Region, of a championship's
published skills with no appeal open (docs/rules.md, the medal table and Best of Region;
docs/appeals.md)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from .. import rules
from ..extensions import db
from ..models import Championship, Competitor, Organization, Skill
from ..models.base import pick_translation
from ..names import first_day, public_names
from .document import skill_standings


@dataclass
class MedalLine:
    key: str  # organization code, or region
    name: str
    gold: int
    silver: int
    bronze: int
    medallion: int
    points: int
    region: str = ""


@dataclass
class BestLine:
    organization: str
    entries: list[dict]


@dataclass
class ChampionshipMedals:
    championship: Championship
    published: list[Skill]
    waiting: int  # skills of the championship not published yet
    by_organization: list[MedalLine]
    by_region: list[MedalLine]
    best_of: list[BestLine]


def _published_result(skill: Skill) -> rules.SkillResult:
    """A published skill's results, kept per (skill, version, scheme version): any change of
    its marks, scheme, competitors or policy bumps one of them."""
    cache = current_app.extensions.setdefault("competition.published_results", {})
    key = (skill.version, skill.scheme_version)
    kept = cache.get(skill.id)
    if kept is None or kept[0] != key:
        kept = cache[skill.id] = (key, skill_standings(skill))
    return kept[1]


def _order(line: MedalLine):
    return (-line.points, -line.gold, -line.silver, -line.bronze, -line.medallion, line.key)


def championship_medals(championship: Championship) -> ChampionshipMedals:
    # Published and final: a skill under appeal counts again once the appeal is decided.
    published = [s for s in championship.skills if s.results_final]
    results = []
    for skill in published:
        try:
            results.append(_published_result(skill))
        except rules.RulesInputError:
            current_app.logger.warning("results of skill %s cannot be computed", skill.code)
    table = rules.championship_results(results)
    codes = {row.organization for row in table.medal_table} | {
        row.organization for row in table.best_of}
    organizations = {o.code: o for o in db.session.execute(
        sa.select(Organization).where(Organization.code.in_(codes))).scalars()}

    def organization_name(code: str) -> str:
        found = organizations.get(code)
        return found.name() if found is not None and found.name() else code

    def region_of(code: str) -> str:
        found = organizations.get(code)
        return found.region if found is not None else ""

    by_organization = [
        MedalLine(row.organization, organization_name(row.organization), row.gold, row.silver,
                  row.bronze, row.medallion, row.points, region_of(row.organization))
        for row in table.medal_table]
    regions: dict[str, MedalLine] = {}
    for line in by_organization:
        key = line.region or "—"
        total = regions.setdefault(key, MedalLine(key, key, 0, 0, 0, 0, 0))
        total.gold += line.gold
        total.silver += line.silver
        total.bronze += line.bronze
        total.medallion += line.medallion
        total.points += line.points
    by_region = sorted(regions.values(), key=_order)

    skills = {s.code: s for s in published}
    wanted = [(skills[e.skill].id, e.competitor) for row in table.best_of for e in row.competitors]
    names = {}
    if wanted:
        day = first_day(championship)  # the public's names (competition/names.py)
        names = {(skill_id, code): pick_translation(public_names(competitor, championship, day))
                 for skill_id, code, competitor in
                 db.session.execute(sa.select(Competitor.skill_id, Competitor.code, Competitor)
                                    .where(sa.tuple_(Competitor.skill_id, Competitor.code)
                                           .in_(wanted)))}
    best_of = [
        BestLine(organization_name(row.organization), [
            {"skill": skills[e.skill].name(), "skill_code": e.skill,
             "competitor": names.get((skills[e.skill].id, e.competitor), e.competitor),
             "score": rules.score_text(e.score, e.scale)}
            for e in row.competitors])
        for row in table.best_of]
    return ChampionshipMedals(championship, published, len(championship.skills) - len(published),
                              by_organization, by_region, best_of)
