"""The marks as the API shows them: one mark's JSON, and the marks changed since a version.

Shared by the write side (a submission's answer, `panel:join`, `GET …/marks`) and the read
side (the live standings catching up with marks another process wrote): one format, described
in docs/api.md.

Blind judgement: until every judge of a J cell (aspect, competitor) has scored, only the
skill's chief and deputy, organizers, admins and each judge for their own score see a score;
`blind_cell` is the one rule, applied to the `panel:join` answer and `GET …/marks`
(`visible_since`) and to the panel's `marks` events (`panel_events`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from .extensions import db
from .lookup import skill_ref
from .models import Aspect, Championship, Competitor, Expert, Mark, Skill, User
from .models.base import decimal_text, iso
from .rooms import panel_blind_room, panel_full_room, panel_judge_room, panel_room
from .statements import Prepared


def _value_json(aspect_type: str, value: Decimal | None):
    if value is None:
        return None
    return int(value) if aspect_type == "J" else decimal_text(value)


def mark_json(skill: str, aspect: str, competitor: str, judge: str | None, aspect_type: str,
               value: Decimal | None, revision: int, version: int, by: str | None, at,
               device: str, reason: str = "") -> dict:
    """A mark as the API and the events show it (docs/api.md)."""
    return {
        "skill": skill, "aspect": aspect, "competitor": competitor, "judge": judge,
        "value": _value_json(aspect_type, value), "revision": revision, "version": version,
        "by": by, "at": iso(at), "device": device, "reason": reason,
    }


def marks_since(skill: Skill, since: int | None = None) -> dict:
    """The marks changed after version V (every mark without V), every score shown: what the
    standings read; a viewer reads `visible_since`."""
    # One read transaction: the version and the marks are of the same moment.
    version = db.session.execute(
        sa.select(Skill.version).where(Skill.id == skill.id)
    ).scalar_one()
    ref = skill_ref(skill)
    return {"skill": ref, "version": version, "marks": marks_after(skill.id, ref, since)}


def marks_after(skill_id: int, ref: str, since: int | None = None) -> list[dict]:
    """The skill's marks changed after version `since` (all without it), by version, in one
    statement; `ref`: the skill's reference, as its marks name it."""
    query = _SELECT.where(Mark.skill_id == skill_id)
    if since is not None:
        query = query.where(Mark.version > since)
    rows = db.session.execute(query.order_by(Mark.version)).all()
    return [mark_json(ref, *row) for row in rows]


_SELECT = (
    sa.select(Aspect.code, Competitor.code, Expert.code, Mark.aspect_type, Mark.value,
              Mark.revision, Mark.version, User.login, Mark.updated_at, Mark.device)
    .join(Aspect, Aspect.id == Mark.aspect_id)
    .join(Competitor, Competitor.id == Mark.competitor_id)
    .outerjoin(Expert, Expert.id == Mark.judge_id)
    .outerjoin(User, User.id == Mark.updated_by_id)
)
MARK_COLUMNS = 10  # the columns of _SELECT, which mark_json takes after the skill's ref
# The marks of one J cell, by its codes (_with_cells); more cells than _FEW_CELLS are read at once
_J_CELL = Prepared(_SELECT.where(
    Mark.skill_id == sa.bindparam("skill"), Mark.aspect_type == "J",
    Aspect.code == sa.bindparam("aspect"), Competitor.code == sa.bindparam("competitor")))
_FEW_CELLS = 4


def marks_after_subquery() -> sa.Subquery:
    """marks_after's rows for the skill and version bound as `skill` and `since`, as a
    subquery another statement joins (the broadcaster reads its skill's row with them, in one
    statement: competition/standings/live.py); its first MARK_COLUMNS columns are mark_json's."""
    return _SELECT.where(Mark.skill_id == sa.bindparam("skill"),
                         Mark.version > sa.bindparam("since")).subquery()



# --- blind judgement ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Who reads a skill's marks: `full` for its chief and deputy, organizers and admins (every
    score); anyone else sees their own scores (`expert`: their code) and counts."""

    full: bool
    expert: str | None = None


def blind_cell(marks: list[dict], viewer: Viewer, jpa: int) -> list[dict]:
    """The marks of ONE J cell (all of them) as `viewer` may see them: each with `scored` (the
    scores given) and `of` (judges_per_aspect). Until `scored` reaches `of`, a score that is not
    the viewer's own is sent with `value` null and `hidden: true`, and without its reason,
    device and author; once complete, everyone sees every score (docs/api.md)."""
    scored = sum(1 for mark in marks if mark["value"] is not None)
    revealed = viewer.full or scored >= jpa
    shown = []
    for mark in marks:
        mark = {**mark, "scored": scored, "of": jpa}
        if not revealed and mark["value"] is not None and mark["judge"] != viewer.expert:
            mark.update(value=None, hidden=True, by=None, device="", reason="")
        shown.append(mark)
    return shown


def blind(marks: list[dict], viewer: Viewer, jpa: int) -> list[dict]:
    """`marks` (by version; each J cell with all its marks) as `viewer` may see them."""
    cells: dict[tuple, list[dict]] = defaultdict(list)
    for mark in marks:
        if mark["judge"] is not None:
            cells[mark["aspect"], mark["competitor"]].append(mark)
    seen = {}
    for cell in cells.values():
        for original, mark in zip(cell, blind_cell(cell, viewer, jpa), strict=True):
            seen[id(original)] = mark
    return [seen.get(id(mark), mark) for mark in marks]


def _with_cells(skill_id: int, ref: str, marks: list[dict]) -> list[dict]:
    """`marks` and every other mark of their J cells, newest of each, by version: a cell's
    count and its reveal need all of its scores, not only the changed ones."""
    cells = {(m["aspect"], m["competitor"]) for m in marks if m["judge"] is not None}
    latest = {(m["aspect"], m["competitor"], m["judge"]): m for m in marks}
    if len(cells) > _FEW_CELLS:
        rows = db.session.execute(_SELECT.where(
            Mark.skill_id == skill_id, Mark.aspect_type == "J",
            Aspect.code.in_({a for a, _c in cells}),
            Competitor.code.in_({c for _a, c in cells}))).all()
    elif cells:  # a broadcast's few cells: a prepared read of each
        connection = db.session.connection()
        rows = [row for aspect, competitor in cells for row in _J_CELL.all(
            connection, {"skill": skill_id, "aspect": aspect, "competitor": competitor})]
    else:
        rows = []
    for row in rows:
        mark = mark_json(ref, *row)
        key = (mark["aspect"], mark["competitor"], mark["judge"])
        if key[:2] in cells and (key not in latest or latest[key]["version"] < mark["version"]):
            latest[key] = mark
    return sorted(latest.values(), key=lambda mark: mark["version"])


def _judges_per_aspect(skill_id: int) -> int:
    return db.session.execute(
        sa.select(Championship.judges_per_aspect).join(Skill, Skill.championship_id
                                                       == Championship.id)
        .where(Skill.id == skill_id)).scalar_one()


def visible_since(skill: Skill, since: int | None, viewer: Viewer) -> dict:
    """marks_since as `viewer` may see it: with `since`, the J marks changed come with the rest
    of their cells (a cell revealed or hidden again by a later score)."""
    found = marks_since(skill, since)
    marks = _with_cells(skill.id, found["skill"], found["marks"]) if since is not None \
        else found["marks"]
    return found | {"marks": blind(marks, viewer, _judges_per_aspect(skill.id))}


def panel_events(skill_id: int, marks: list[dict], jpa: int) -> list[tuple[str, dict]]:
    """The `marks` events of a broadcast (marks by version) and the room of each: without a J
    mark one event to the panel room; with one, all scores to the chief's room (`full`), the
    cells as a co-judge sees them to the others (`blind`), and to each judge of a cell still
    incomplete their own scores (their room). `jpa`: the championship's judges per aspect."""
    ref, version = marks[0]["skill"], marks[-1]["version"]

    def event(shown: list[dict]) -> dict:
        return {"skill": ref, "version": version, "marks": shown}

    if all(mark["judge"] is None for mark in marks):
        return [(panel_room(skill_id), event(marks))]
    every = _with_cells(skill_id, ref, marks)
    blinded = blind(every, Viewer(False), jpa)
    events = [(panel_full_room(skill_id), event(blind(every, Viewer(True), jpa))),
              (panel_blind_room(skill_id), event(blinded))]
    for judge in sorted({mark["judge"] for mark in blinded if mark.get("hidden")}):
        own = [mark for mark in blind(every, Viewer(False, judge), jpa)
               if mark["judge"] == judge]
        events.append((panel_judge_room(skill_id, judge), event(own)))
    return events
