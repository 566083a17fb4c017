"""Public results: each skill's standings as far as its visibility allows, the medal table and
Best of Region, and a competitor's own page reached with their personal results code.

Every score these pages show comes from `live.hub().snapshot_for(skill, current_user)`: the one
filter by visibility and role (docs/api.md, "Boards and their snapshots"). The medal table
reads published skills only, through the rules engine (RULES.md sections 7 and 8).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import rules
from ..extensions import db
from ..judging import live
from ..judging.service import Refused, find_skill, skill_ref
from ..models import Championship, Competitor, Organization, Skill
from ..models.base import pick_translation
from . import bp
from .charts import CriterionBar, criteria_chart

MEDALS = ("gold", "silver", "bronze", "medallion")
MEDAL_LABELS = {"gold": _l("Gold"), "silver": _l("Silver"), "bronze": _l("Bronze"),
                "medallion": _l("Medallion for Excellence")}
CATEGORY_LABELS = {"schoolchildren": _l("Schoolchildren"), "students": _l("Students"),
                   "specialists": _l("Specialists")}
STATE_LABELS = {"hidden": _l("Not shown yet"), "progress": _l("Marking in progress"),
                "live": _l("Live standings"), "frozen": _l("Standings frozen"),
                "published": _l("Results published")}
STATUS_LABELS = {"guest": _l("guest, not ranked"), "withdrawn": _l("withdrawn")}
CODE_CLEAN = re.compile(r"[\s\-–—]+")


def tr(names: dict | None) -> str:
    """A {ru, kk, en} name of a snapshot in the reader's language."""
    return pick_translation(names or {})


def category_label(category: str | None) -> str:
    if category is None:
        return ""
    return str(CATEGORY_LABELS.get(category, category))


def _ambiguous_codes() -> set[str]:
    return set(db.session.execute(
        sa.select(Skill.code).group_by(Skill.code).having(sa.func.count() > 1)).scalars())


def _skill_or_404(ref: str) -> Skill:
    try:
        return find_skill(ref)
    except Refused:
        abort(404)


# --- a skill's standings, from its snapshot ------------------------------------------------------

@dataclass
class Row:
    code: str
    name: str
    organization: str
    region: str
    status: str
    complete: bool
    rank: int | None
    medal: str | None
    score: str
    total: str
    max_marked: str
    criteria: list[str]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))

    @property
    def medal_label(self) -> str:
        return str(MEDAL_LABELS[self.medal]) if self.medal else ""


@dataclass
class Group:
    category: str | None
    label: str
    final: bool
    rows: list[Row]


@dataclass
class CriterionHead:
    code: str
    name: str
    max: str


@dataclass
class Standings:
    """What a page may show of one skill: built from the viewer's snapshot only."""

    skill: Skill
    ref: str
    name: str
    visibility: str  # the skill's visibility (the snapshot's)
    staff: bool  # the viewer sees everything, live (organizers, admins, the skill's experts)
    version: int | None = None
    frozen_at: datetime | None = None
    progress: dict | None = None
    criteria: list[CriterionHead] = field(default_factory=list)
    groups: list[Group] | None = None  # None: no standings may be shown
    show_total: bool = False  # the scale's score differs from the points (ws500/ws700)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.visibility, self.visibility))

    @property
    def has_medals(self) -> bool:
        return any(row.medal for group in self.groups or () for row in group.rows)

    @property
    def scheme_max(self) -> str:
        return rules.score_text(sum((Decimal(c.max) for c in self.criteria), Decimal(0)), "raw")

    @property
    def percent(self) -> int | None:
        if not self.progress or not self.progress.get("expected"):
            return None
        return min(100, round(100 * self.progress["marked"] / self.progress["expected"]))

    def row(self, code: str) -> tuple[Group, Row] | None:
        for group in self.groups or ():
            for row in group.rows:
                if row.code == code:
                    return group, row
        return None


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def standings_of(skill: Skill) -> Standings | None:
    """The skill as the current viewer may see it; None when its standings cannot be computed
    (the page says so)."""
    snapshot = live.hub().snapshot_for(skill.id, current_user)
    if snapshot is None:
        return None
    return build_standings(skill, snapshot, staff=live.is_staff(current_user, skill.id))


def build_standings(skill: Skill, snapshot: dict[str, Any], staff: bool) -> Standings:
    standings = Standings(skill=skill, ref=snapshot["skill"], name=tr(snapshot.get("name")),
                          visibility=snapshot["visibility"], staff=staff,
                          version=snapshot.get("version"),
                          frozen_at=_moment(snapshot.get("frozen_at")),
                          progress=snapshot.get("progress"))
    standings.criteria = [CriterionHead(c["code"], tr(c.get("name")), c["max"])
                          for c in snapshot.get("criteria") or ()]
    results = snapshot.get("results")
    if not results:
        return standings
    people = snapshot.get("competitors") or {}
    codes = [c.code for c in standings.criteria]
    standings.show_total = skill.championship.scale != "raw"
    standings.groups = []
    for group in results.get("groups", ()):
        rows = []
        for entry in group["results"]:
            person = people.get(entry["competitor"], {})
            rows.append(Row(
                code=entry["competitor"], name=tr(person.get("name")) or entry["competitor"],
                organization=tr(person.get("organization_name")) or person.get(
                    "organization") or "",
                region=person.get("region") or "", status=entry["status"],
                complete=entry["complete"], rank=entry["rank"], medal=entry.get("medal"),
                score=entry["score"], total=entry["total"], max_marked=entry["max_marked"],
                criteria=[entry["criteria"].get(code, "0.00") for code in codes]))
        standings.groups.append(Group(group["category"], category_label(group["category"]),
                                      group["final"], rows))
    return standings


# --- pages ----------------------------------------------------------------------------------------

@bp.get("/results")
def results_index():
    ambiguous = _ambiguous_codes()
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    listing = [(championship, [(skill, skill_ref(skill, ambiguous),
                                str(STATE_LABELS[skill.visibility]))
                               for skill in championship.skills])
               for championship in championships]
    return render_template("board/results_index.html", listing=listing)


@bp.get("/results/<path:ref>.xlsx")
def results_export(ref: str):
    """The published results as a workbook: the same table as the page."""
    from ..documents.sheets import results_workbook

    skill = _skill_or_404(ref)
    if skill.visibility != "published":
        abort(404)
    standings = standings_of(skill)
    if standings is None or standings.groups is None:
        abort(404)
    data = results_workbook(standings)
    filename = f"results-{skill.championship.code}-{skill.code}.xlsx"
    return current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"})


@bp.get("/results/<path:ref>")
def results_skill(ref: str):
    skill = _skill_or_404(ref)
    standings = standings_of(skill)
    return render_template("board/results_skill.html", skill=skill, standings=standings,
                           public_state=str(STATE_LABELS[skill.visibility]))


# --- medal table and Best of Region ---------------------------------------------------------------

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
    from .standings import skill_standings

    cache = current_app.extensions.setdefault("competition.published_results", {})
    key = (skill.version, skill.scheme_version)
    kept = cache.get(skill.id)
    if kept is None or kept[0] != key:
        kept = cache[skill.id] = (key, skill_standings(skill))
    return kept[1]


def _order(line: MedalLine):
    return (-line.points, -line.gold, -line.silver, -line.bronze, -line.medallion, line.key)


def championship_medals(championship: Championship) -> ChampionshipMedals:
    published = [s for s in championship.skills if s.visibility == "published"]
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
        names = {(skill_id, code): competitor.name() for skill_id, code, competitor in
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


@bp.get("/medals")
def medals():
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    return render_template("board/medals.html",
                           tables=[championship_medals(c) for c in championships])


# --- the participant's page -----------------------------------------------------------------------

def clean_code(text: str | None) -> str:
    """A results code as typed from a badge: any case, spaces or dashes between groups."""
    return CODE_CLEAN.sub("", text or "").upper()[:32]


def _competitor_by_code(code: str) -> Competitor | None:
    if not code:
        return None
    return db.session.execute(
        sa.select(Competitor).where(Competitor.results_code == code)).scalar_one_or_none()


@bp.get("/me")
def participant_lookup():
    """The form for the personal results code; a GET form, so the address can be bookmarked."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("board/participant_lookup.html", error=None, typed="")
    code = clean_code(typed)
    if _competitor_by_code(code) is not None:
        return redirect(url_for("board.participant", code=code))
    return _wrong_code(typed)


def _wrong_code(typed: str):
    error = _("No results were found for this code. Check it against your badge and try "
              "again.")
    return render_template("board/participant_lookup.html", error=error, typed=typed), 404


def _median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def competitor_chart(standings: Standings, row: Row, *, chart_id: str):
    """The competitor's points per criterion against its maximum and the skill's median (over
    the active competitors of the same snapshot)."""
    active = [r for group in standings.groups or () for r in group.rows if r.status == "active"]
    bars, lines = [], []
    for index, criterion in enumerate(standings.criteria):
        median = _median([Decimal(r.criteria[index]) for r in active])
        median_text = "" if median is None else rules.score_text(median, "raw")
        label = f"{criterion.code}. {criterion.name}" if criterion.name else criterion.code
        if len(label) > 42:
            label = label[:41].rstrip() + "…"
        bars.append(CriterionBar(criterion.code, label, Decimal(row.criteria[index]),
                                 Decimal(criterion.max), median, row.criteria[index],
                                 criterion.max))
        lines.append({"code": criterion.code, "name": criterion.name,
                      "points": row.criteria[index], "max": criterion.max,
                      "median": median_text})
    svg = criteria_chart(
        bars, chart_id=chart_id,
        title=_("Your points per criterion"),
        description=_("For each criterion: your points against its maximum, and the median "
                      "of all competitors of the skill. The same numbers are in the table "
                      "below."),
        points_legend=_("Your points"), median_legend=_("Median"))
    return svg, lines


@bp.get("/me/<code>")
def participant(code: str):
    from ..documents.certificates import KIND_LABELS
    from ..documents.views import certificates_of

    competitor = _competitor_by_code(clean_code(code))
    if competitor is None:
        return _wrong_code(code)
    skill = competitor.skill
    standings = standings_of(skill)
    found = standings.row(competitor.code) if standings is not None else None
    group, row = found if found is not None else (None, None)
    chart = lines = None
    if row is not None and standings.criteria:
        chart, lines = competitor_chart(standings, row, chart_id="my-criteria")
    return render_template(
        "board/participant.html", competitor=competitor, skill=skill, standings=standings,
        group=group, row=row, chart=chart, lines=lines,
        organization=competitor.organization.name() if competitor.organization else "",
        category=category_label(competitor.category),
        results_url=url_for("board.results_skill", ref=skill_ref(skill)),
        certificates=certificates_of(competitor.id), certificate_kinds=KIND_LABELS)
