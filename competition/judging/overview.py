"""How far marking has come (per sub-criterion, judge and competitor) and the judgement
disputes: what the chief's board (chief_board.py) and docs/api.md's `panel:join` answer show."""


from collections import defaultdict

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Aspect,
    Competitor,
    Criterion,
    Expert,
    ExpertRole,
    Mark,
    Skill,
    SubCriterion,
)
from ..rules import AspectState, judgement_state

# --- progress and disputes ----------------------------------------------------------------------

def _cell(marked: int = 0, expected: int = 0) -> dict:
    return {"marked": marked, "expected": expected}


def progress(skill: Skill) -> dict:
    """How far marking has come, as counts of marks with a value against marks expected:

    {"marked", "expected",                                  the whole skill
     "sub_criteria": {sub: {"marked", "expected"}},
     "judges": {expert: {sub: {"marked", "expected"}}},     J marks of each expert
     "competitors": {competitor: {sub: {"marked", "expected"}}}}

    Expected marks of a sub-criterion: markable competitors (not withdrawn) × (its M aspects +
    judges_per_aspect × its J aspects). An expert could give a J mark to every markable
    competitor but their compatriots, on the criteria of their marking team (all when empty).
    Codes are in the scheme's order (sub-criteria), by code (experts, competitors).
    A handful of GROUP BY queries, whatever the size of the skill."""
    jpa = skill.championship.judges_per_aspect
    subs = db.session.execute(
        sa.select(SubCriterion.id, SubCriterion.code, Criterion.code).join(Criterion)
        .where(Criterion.skill_id == skill.id)
        .order_by(Criterion.position, Criterion.code, SubCriterion.position, SubCriterion.code)
    ).all()
    sub_code = {sub_id: code for sub_id, code, _criterion in subs}
    criterion_of = {code: criterion for _id, code, criterion in subs}
    n_m: dict[str, int] = defaultdict(int)
    n_j: dict[str, int] = defaultdict(int)
    for sub_id, kind, count in db.session.execute(
            sa.select(Aspect.sub_criterion_id, Aspect.type, sa.func.count(Aspect.id))
            .where(Aspect.skill_id == skill.id)
            .group_by(Aspect.sub_criterion_id, Aspect.type)):
        (n_j if kind == "J" else n_m)[sub_code[sub_id]] = count

    competitors = db.session.execute(
        sa.select(Competitor.id, Competitor.code, Competitor.organization_id)
        .where(Competitor.skill_id == skill.id, Competitor.status != "withdrawn")
        .order_by(Competitor.code)
    ).all()
    competitor_code = {cid: code for cid, code, _org in competitors}
    n_competitors = len(competitors)
    per_competitor = {sub: n_m[sub] + jpa * n_j[sub] for sub in sub_code.values()}

    markable = sa.and_(Mark.skill_id == skill.id, Mark.value.is_not(None),
                       Competitor.status != "withdrawn")
    marks = (sa.select(Aspect.sub_criterion_id, sa.func.count(Mark.id))
             .select_from(Mark).join(Aspect, Aspect.id == Mark.aspect_id)
             .join(Competitor, Competitor.id == Mark.competitor_id))

    sub_criteria = {sub: _cell(0, n_competitors * per_competitor[sub])
                    for sub in sub_code.values()}
    for sub_id, count in db.session.execute(
            marks.where(markable).group_by(Aspect.sub_criterion_id)):
        sub_criteria[sub_code[sub_id]]["marked"] = count

    by_competitor = {code: {sub: _cell(0, per_competitor[sub]) for sub in sub_code.values()}
                     for _cid, code, _org in competitors}
    for sub_id, count, cid in db.session.execute(
            marks.add_columns(Mark.competitor_id).where(markable)
            .group_by(Aspect.sub_criterion_id, Mark.competitor_id)):
        by_competitor[competitor_code[cid]][sub_code[sub_id]]["marked"] = count

    # The panel: every expert of the skill; compatriots counted per organization.
    panel = db.session.execute(
        sa.select(Expert.id, Expert.code, Expert.organization_id, ExpertRole.marking_team)
        .join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)
    ).all()
    per_organization: dict[int | None, int] = defaultdict(int)
    for _cid, _code, organization in competitors:
        per_organization[organization] += 1
    judges: dict[str, dict[str, dict]] = {}
    judge_code: dict[int, str] = {}
    for expert_id, code, organization, team in panel:
        judge_code[expert_id] = code
        team_codes = {c.strip() for c in (team or "").split(",") if c.strip()}
        others = n_competitors - (per_organization[organization] if organization else 0)
        judges[code] = {
            sub: _cell(0, others * n_j[sub]
                       if not team_codes or criterion_of[sub] in team_codes else 0)
            for sub in sub_code.values()}
    for sub_id, count, expert_id in db.session.execute(
            marks.add_columns(Mark.judge_id).where(markable, Mark.aspect_type == "J")
            .group_by(Aspect.sub_criterion_id, Mark.judge_id)):
        code = judge_code.get(expert_id)
        if code is None:  # a judge since taken off the panel: still counted, nothing expected
            code = db.session.get(Expert, expert_id).code
            judges[code] = {sub: _cell() for sub in sub_code.values()}
        judges[code][sub_code[sub_id]]["marked"] = count

    return {
        "marked": sum(cell["marked"] for cell in sub_criteria.values()),
        "expected": sum(cell["expected"] for cell in sub_criteria.values()),
        "sub_criteria": sub_criteria,
        "judges": judges,
        "competitors": by_competitor,
    }


def must_remark(scores: dict[str, int]) -> list[str]:
    """Who re-marks a judgement cell in dispute (the chief's board, the tablet's explanation):
    the judges outside the 1-point band (m, m + 1) that holds the most scores, since moving
    them into it settles the dispute in one round; when two bands hold as many, there is no
    majority to move towards: all judges. static/js/tablet/store.js has the same rule."""
    bands = {frozenset(judge for judge, v in scores.items() if low <= v <= low + 1)
             for low in set(scores.values())}
    best = max(map(len, bands), default=0)
    held = [band for band in bands if len(band) == best]
    if len(held) != 1:
        return sorted(scores)
    return sorted(set(scores) - held[0])


def disputes(skill: Skill) -> list[dict]:
    """The judgement cells in dispute (docs/rules.md section 2: all scores in, differing by more
    than 1), guests and withdrawn competitors included, by aspect then competitor code:
    [{"aspect", "competitor", "sub_criterion", "scores": {judge: score}, "spread" (highest −
    lowest score), "remark": [judge…] (must_remark)}]."""
    jpa = skill.championship.judges_per_aspect
    scored = sa.and_(Mark.skill_id == skill.id, Mark.aspect_type == "J", Mark.value.is_not(None))
    cells = (sa.select(Mark.aspect_id, Mark.competitor_id).where(scored)
             .group_by(Mark.aspect_id, Mark.competitor_id)
             .having(sa.func.count(Mark.id) >= jpa,
                     sa.func.max(Mark.value) - sa.func.min(Mark.value) > 1)
             .subquery())
    rows = db.session.execute(
        sa.select(Aspect.code, Competitor.code, Expert.code, Mark.value, SubCriterion.code)
        .select_from(Mark)
        .join(cells, sa.and_(cells.c.aspect_id == Mark.aspect_id,
                             cells.c.competitor_id == Mark.competitor_id))
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .join(Expert, Expert.id == Mark.judge_id)
        .where(scored)
    ).all()
    found: dict[tuple[str, str], dict] = {}
    for aspect, competitor, judge, value, sub in rows:
        cell = found.setdefault((aspect, competitor), {
            "aspect": aspect, "competitor": competitor, "sub_criterion": sub, "scores": {}})
        cell["scores"][judge] = int(value)
    result = []
    for key in sorted(found):
        cell = found[key]
        cell["scores"] = dict(sorted(cell["scores"].items()))
        if judgement_state(tuple(cell["scores"].values()), jpa) == AspectState.DISPUTE:
            values = cell["scores"].values()
            cell |= {"spread": max(values) - min(values),
                     "remark": must_remark(cell["scores"])}
            result.append(cell)
    return result


def missing_marks(skill: Skill, counts: dict | None = None) -> dict:
    """The marks still missing for the active competitors (the ones ranked; guests and
    disqualified competitors do not hold results back), from progress() (`counts`, when the
    caller has it already):

    {"sub_criteria": {sub: {"missing", "expected", "competitors": [code…]}},  scheme order
     "incomplete": [code…]}       active competitors with any mark missing, by code

    An M aspect wants one mark per competitor, a J aspect judges_per_aspect scores."""
    counts = counts if counts is not None else progress(skill)
    active = set(db.session.execute(
        sa.select(Competitor.code).where(Competitor.skill_id == skill.id,
                                         Competitor.status == "active")).scalars())
    subs = {sub: {"missing": 0, "expected": 0, "competitors": []}
            for sub in counts["sub_criteria"]}
    incomplete = []
    for code, row in counts["competitors"].items():
        if code not in active:
            continue
        for sub, cell in row.items():
            gap = max(0, cell["expected"] - cell["marked"])
            subs[sub]["expected"] += cell["expected"]
            subs[sub]["missing"] += gap
            if gap:
                subs[sub]["competitors"].append(code)
        if any(code in subs[sub]["competitors"] for sub in row):
            incomplete.append(code)
    return {"sub_criteria": subs, "incomplete": incomplete}
