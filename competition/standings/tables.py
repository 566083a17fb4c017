"""A skill's standings as a page, a sheet or a screen shows them: rows and groups built from
the snapshot the viewer may see (competition/standings/live.py), never from the database.

One filter by visibility and role (the hub's `snapshot_for`), so no view can show more than its
viewer may see (docs/api.md, "Boards and their snapshots").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from .. import rules
from ..models import Skill
from ..models.base import pick_translation
from ..vocabulary import AbilympicsCategory, CompetitorStatus, Medal, Visibility
from .live import hub, is_staff


def tr(names: dict | None) -> str:
    """A {ru, kk, en} name of a snapshot in the reader's language."""
    return pick_translation(names or {})


def public_state(visibility: str, under_appeal: bool = False) -> str:
    """What the public reads of a skill's visibility ("Results published"), or that its
    results are under appeal."""
    if under_appeal:
        return _("Results under appeal")
    try:
        return str(Visibility(visibility).public)
    except ValueError:
        return visibility


def category_label(category: str | None) -> str:
    return AbilympicsCategory.label_of(category)


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
    penalty: str = ""  # points off the total ("1.50"), "" when none

    @property
    def status_label(self) -> str:
        try:
            return str(CompetitorStatus(self.status).note)
        except ValueError:
            return ""

    @property
    def medal_label(self) -> str:
        return Medal.label_of(self.medal)


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
    under_appeal: bool = False  # an appeal is open: not final for medals (docs/appeals.md)

    @property
    def state_label(self) -> str:
        return public_state(self.visibility, self.under_appeal)

    @property
    def has_medals(self) -> bool:
        return any(row.medal for group in self.groups or () for row in group.rows)

    @property
    def has_penalties(self) -> bool:
        return any(row.penalty for group in self.groups or () for row in group.rows)

    @property
    def scheme_max(self) -> str:
        return rules.score_text(sum((Decimal(c.max) for c in self.criteria), Decimal(0)), "raw")

    @property
    def percent(self) -> int | None:
        if not self.progress or not self.progress.get("expected"):
            return None
        if "percent" in self.progress:  # the snapshot's (rounded down: 100 once complete)
            return self.progress["percent"]
        return min(100, round(100 * self.progress["marked"] / self.progress["expected"]))

    @property
    def final(self) -> bool:
        """Final results: published (which waits for them to be final) and not under appeal;
        until then the pages say how far marking has come."""
        return self.visibility == "published" and not self.under_appeal

    def row(self, code: str) -> tuple[Group, Row] | None:
        for group in self.groups or ():
            for row in group.rows:
                if row.code == code:
                    return group, row
        return None


def _penalty_text(value) -> str:
    """A competitor's penalty as a table shows it ("1.50"); "" for none or 0."""
    if value in (None, ""):
        return ""
    points = Decimal(str(value))
    return rules.score_text(points, "raw") if points > 0 else ""


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text)


def standings_of(skill: Skill, viewer) -> Standings | None:
    """The skill as `viewer` (an account, or None for the public) may see it; None when its
    standings cannot be computed (the page says so)."""
    snapshot = hub().snapshot_for(skill.id, viewer)
    if snapshot is None:
        return None
    return build_standings(skill, snapshot, staff=is_staff(viewer, skill.id))


def staff_standings(skill: Skill) -> Standings | None:
    """Everything of the skill, live, whatever its visibility (organizers' sheets)."""
    both = hub().snapshot(skill.id)
    if both is None:
        return None
    return build_standings(skill, both[0], staff=True)


def build_standings(skill: Skill, snapshot: dict[str, Any], staff: bool) -> Standings:
    standings = Standings(skill=skill, ref=snapshot["skill"], name=tr(snapshot.get("name")),
                          visibility=snapshot["visibility"], staff=staff,
                          version=snapshot.get("version"),
                          frozen_at=_moment(snapshot.get("frozen_at")),
                          progress=snapshot.get("progress"),
                          under_appeal=bool(snapshot.get("under_appeal")))
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
                criteria=[entry["criteria"].get(code, "0.00") for code in codes],
                penalty=_penalty_text(entry.get("penalty", person.get("penalty")))))
        standings.groups.append(Group(group["category"], category_label(group["category"]),
                                      group["final"], rows))
    return standings
