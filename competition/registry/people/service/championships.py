"""A championship's settings and scoring policy, its skills, and the overview of what is
registered in each skill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from .... import audit
from ....database import write_transaction
from ....errors import Invalid
from ....extensions import db
from ....models import Championship, Competitor, Expert, ExpertRole, Mark, Skill
from ..forms import category_keys
from .common import NAME_FIELDS, delete_audited, text_of

CHAMPIONSHIP_FIELDS = (
    "code", *NAME_FIELDS, "kind", "starts_on", "ends_on", "venue_ru", "venue_kk", "venue_en",
    "categories", "scale", "judges_per_aspect", "tie_margin", "medallion_threshold",
    "medal_min_gold", "medal_min_silver", "medal_min_bronze", "appeal_minutes",
    "public_names",  # how public screens name competitors (docs/people.md, "Privacy")
    "age_rules",  # who may compete by age (docs/people.md, "Eligibility")
)

# The WorldSkills policy (docs/rules.md section 5: a null margin / threshold is the scale's).
WORLDSKILLS_DEFAULTS = {
    "kind": "worldskills", "categories": "", "scale": "raw", "judges_per_aspect": 3,
    "tie_margin": None, "medallion_threshold": None,
    "medal_min_gold": 1, "medal_min_silver": 1, "medal_min_bronze": 1,
}
ABILYMPICS_CATEGORIES_PRESET = "schoolchildren,students,specialists"


def championship_values(data: dict) -> dict:
    values = {f: data.get(f) for f in CHAMPIONSHIP_FIELDS if f in data}
    for f in ("code", *NAME_FIELDS, "venue_ru", "venue_kk", "venue_en"):
        if f in values:
            values[f] = text_of(values[f])
    if "categories" in values:
        values["categories"] = ",".join(category_keys(values["categories"]))
    for f in ("tie_margin", "medallion_threshold"):
        if values.get(f) is not None:
            values[f] = Decimal(values[f])
    return values


def _check_championship(championship: Championship | None, values: dict) -> None:
    taken = db.session.execute(
        sa.select(Championship).where(Championship.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not championship:
        raise Invalid(_("Another championship already has the code “%(code)s”.",
                        code=values["code"]),
                      field="code", code="code_taken")
    if championship is None:
        return
    used = db.session.execute(
        sa.select(Competitor.category).join(Skill)
        .where(Skill.championship_id == championship.id, Competitor.category.is_not(None))
        .distinct()).scalars().all()
    missing = sorted(set(used) - set(category_keys(values.get("categories"))))
    if missing:
        raise Invalid(_("Competitors are registered in the categories %(keys)s; "
                        "keep them or move those competitors first.",
                        keys=", ".join(missing)),
                      field="categories", code="category_in_use")
    if values.get("judges_per_aspect") != championship.judges_per_aspect:
        judgements = db.session.execute(
            sa.select(sa.func.count()).select_from(Mark).join(Skill)
            .where(Skill.championship_id == championship.id, Mark.aspect_type == "J")
        ).scalar_one()
        if judgements:
            raise Invalid(_(
                "Judgement marks have already been entered with %(n)d judges per aspect; the "
                "number cannot change now.", n=championship.judges_per_aspect),
                field="judges_per_aspect", code="has_marks")


def save_championship(data: dict, championship_id: int | None = None) -> Championship:
    with write_transaction() as session:
        existing = session.get(Championship, championship_id) if championship_id else None
        values = championship_values(data)
        if existing is None and values.get("kind") == "abilympics" \
                and not values.get("categories"):
            values["categories"] = ABILYMPICS_CATEGORIES_PRESET
        _check_championship(existing, values)
        championship = existing or Championship()
        changes = audit.diff(championship, list(CHAMPIONSHIP_FIELDS), values)
        if existing is None:
            session.add(championship)
        session.flush()
        audit.record("update" if existing else "create", "championship", championship.id,
                     summary=f"{championship.code} {championship.name()}", changes=changes,
                     championship_id=championship.id)
    return championship


# --- skills -------------------------------------------------------------------------------------

SKILL_FIELDS = ("code", *NAME_FIELDS, "team_size", "position", "age_rules")


def save_skill(championship_id: int, data: dict, skill_id: int | None = None) -> Skill:
    with write_transaction() as session:
        championship = session.get(Championship, championship_id)
        existing = session.get(Skill, skill_id) if skill_id else None
        values = {"code": text_of(data.get("code")),
                  **{f: text_of(data.get(f)) for f in NAME_FIELDS},
                  "team_size": data.get("team_size") or 1, "position": data.get("position") or 0}
        if "age_rules" in data:  # the skill's own age limits (docs/people.md)
            values["age_rules"] = data["age_rules"] or None
        taken = session.execute(
            sa.select(Skill).where(Skill.championship_id == championship.id,
                                   Skill.code == values["code"])).scalar_one_or_none()
        if taken is not None and taken is not existing:
            raise Invalid(_("Skill %(code)s already exists in this championship.",
                            code=values["code"]),
                          field="code", code="code_taken")
        if existing is not None and values["team_size"] != existing.team_size \
                and existing.competitors:
            raise Invalid(_(
                "Competitors are registered in this skill (%(n)d) with teams of %(size)d; the "
                "team size cannot change while they are.", n=len(existing.competitors),
                size=existing.team_size),
                field="team_size", code="competitors_registered")
        skill = existing or Skill(championship_id=championship.id)
        changes = audit.diff(skill, list(SKILL_FIELDS), values)
        if existing is None:
            session.add(skill)
        session.flush()
        audit.record("update" if existing else "create", "skill", skill.id,
                     summary=f"{skill.code} {skill.name()}", changes=changes,
                     championship_id=championship.id)
    return skill


def skill_delete_refusal(skill: Skill) -> str | None:
    marks = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if marks:
        return _("This skill cannot be deleted: marks have been entered in it (%(num)d).",
                 num=marks)
    if skill.competitors:
        return _("This skill cannot be deleted: competitors are registered in it (%(num)d). "
                 "Delete them first.", num=len(skill.competitors))
    return None


def delete_skill(skill_id: int) -> None:
    delete_audited(Skill, skill_id, skill_delete_refusal, lambda skill: (
        "skill", f"{skill.code} {skill.name()}",
        {f: [getattr(skill, f), None] for f in SKILL_FIELDS}, skill.championship_id))


# --- the championship's overview ----------------------------------------------------------------

@dataclass(frozen=True)
class SkillLine:
    skill: Skill
    competitors: int
    experts: int
    aspects: int
    marks: int
    chief: Expert | None


def skill_overview(championship: Championship) -> list[SkillLine]:
    """Each skill of the championship with what is registered in it (one query per count)."""
    from ....models import Aspect

    def counts(column, model, *where) -> dict[int, int]:
        query = sa.select(column, sa.func.count()).select_from(model).group_by(column)
        return dict(db.session.execute(query.where(*where)).all())

    skill_ids = [s.id for s in championship.skills]
    competitors = counts(Competitor.skill_id, Competitor, Competitor.skill_id.in_(skill_ids))
    experts = counts(ExpertRole.skill_id, ExpertRole, ExpertRole.skill_id.in_(skill_ids))
    aspects = counts(Aspect.skill_id, Aspect, Aspect.skill_id.in_(skill_ids))
    marks = counts(Mark.skill_id, Mark, Mark.skill_id.in_(skill_ids))
    chiefs = {r.skill_id: r.expert for r in db.session.execute(
        sa.select(ExpertRole).where(ExpertRole.skill_id.in_(skill_ids),
                                    ExpertRole.role == "chief")).scalars()}
    return [SkillLine(s, competitors.get(s.id, 0), experts.get(s.id, 0), aspects.get(s.id, 0),
                      marks.get(s.id, 0), chiefs.get(s.id)) for s in championship.skills]
