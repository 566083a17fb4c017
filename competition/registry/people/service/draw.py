"""The workstation draw: random, recorded, reproducible by anyone from its seed (`draw_outcome`
is the algorithm), and closed once marking has started in the skill."""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from .... import audit
from ....database import write_transaction
from ....errors import Conflict, Invalid
from ....extensions import db
from ....models import Competitor, Mark, Skill, WorkstationDraw
from .common import natural_key


def parse_workstations(text: str | None) -> list[str]:
    """Workstations typed as "1-12", "1, 2, 5", "A1-A4" or one per line, in natural order."""
    result: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"([^\d\s]*)(\d+)\s*[-–—]\s*\1?(\d+)", part)
        if match:
            prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
            if last < first or last - first > 999:
                raise Invalid(_("“%(part)s” is not a range of at most 1000 "
                                "workstations (write it as 1-12).", part=part),
                              field="workstations", code="bad_workstations")
            result.extend(f"{prefix}{n}" for n in range(first, last + 1))
        elif re.search(r"\s", part) or len(part) > 32:
            raise Invalid(_("“%(part)s” is not a workstation: a workstation is "
                            "one word of at most 32 characters.", part=part),
                          field="workstations", code="bad_workstations")
        else:
            result.append(part)
    if len(set(result)) != len(result):
        raise Invalid(_("A workstation is listed twice."),
                      field="workstations", code="bad_workstations")
    return sorted(result, key=natural_key)


def draw_competitors(skill: Skill) -> list[Competitor]:
    """Who takes part in a draw: every competitor of the skill not withdrawn, by code."""
    return sorted((c for c in skill.competitors if c.status != "withdrawn"),
                  key=lambda c: natural_key(c.code))


def draw_outcome(seed: str, competitor_codes: list[str], workstations: list[str]
                 ) -> dict[str, str]:
    """THE draw algorithm (pure, reproducible by anyone with Python 3):

        stations = sorted(workstations, key=natural order)   # "2" before "10"
        random.Random(seed).shuffle(stations)                # seed: the text shown
        competitors sorted by code (natural order); the i-th gets stations[i]

    random.Random seeded with a str is the same on every platform and Python 3 version
    (version-2 seeding hashes the text with SHA-512). Surplus workstations stay free.
    """
    if len(workstations) < len(competitor_codes):
        raise Invalid(_(
            "There are more competitors (%(competitors)d) than workstations (%(workstations)d); "
            "list at least as many workstations as competitors.",
            competitors=len(competitor_codes), workstations=len(workstations)),
            field="workstations", code="too_few_workstations")
    stations = sorted(workstations, key=natural_key)
    random.Random(seed).shuffle(stations)  # noqa: S311 (reproducible by design)
    codes = sorted(competitor_codes, key=natural_key)
    return dict(zip(codes, stations, strict=False))


def new_seed() -> str:
    return secrets.token_hex(6)


def default_workstations(skill: Skill) -> str:
    count = len(draw_competitors(skill))
    return f"1-{count}" if count else ""


def draw_refusal(skill: Skill) -> str | None:
    if not draw_competitors(skill):
        return _("There are no competitors to draw in this skill yet.")
    marks = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if marks:
        return _("Marking has started in this skill, so the workstations are no longer drawn; "
                 "edit a competitor to change their workstation.")
    return None


def preview_draw(skill: Skill, workstations_text: str, seed: str) -> dict[str, str]:
    codes = [c.code for c in draw_competitors(skill)]
    return draw_outcome(seed, codes, parse_workstations(workstations_text))


def draw_workstations(skill_id: int, workstations_text: str, seed: str | None = None,
                      user_id: int | None = None) -> WorkstationDraw:
    """Draw, record the draw and give every competitor drawn their workstation, at once."""
    seed = (seed or "").strip() or new_seed()
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        reason = draw_refusal(skill)
        if reason:
            raise Conflict(reason, code="draw_closed")
        workstations = parse_workstations(workstations_text)
        competitors = draw_competitors(skill)
        outcome = draw_outcome(seed, [c.code for c in competitors], workstations)
        for competitor in competitors:
            competitor.workstation = outcome[competitor.code]
        draw = WorkstationDraw(skill_id=skill.id, seed=seed, outcome=outcome, user_id=user_id)
        session.add(draw)
        session.flush()
        # the workstation list is part of what makes the draw reproducible: it is kept here
        audit.record("draw", "skill", skill.id,
                     summary=f"{skill.code}: workstation draw, seed {seed}",
                     changes={"draw_id": draw.id, "seed": seed, "workstations": workstations,
                              "outcome": outcome},
                     championship_id=skill.championship_id)
    return draw


@dataclass(frozen=True)
class DrawRecord:
    draw: WorkstationDraw
    workstations: list[str] | None  # the list the draw shuffled (from its audit entry)
    by: str  # the login of who drew

    @property
    def outcome(self) -> list[tuple[str, str]]:
        return sorted(self.draw.outcome.items(), key=lambda item: natural_key(item[0]))


def draw_history(skill: Skill) -> list[DrawRecord]:
    """The skill's draws, newest first, with the workstation list and who drew."""
    from ....models import AuditEntry, User

    draws = list(db.session.execute(
        sa.select(WorkstationDraw).where(WorkstationDraw.skill_id == skill.id)
        .order_by(WorkstationDraw.created_at.desc(), WorkstationDraw.id.desc())).scalars())
    entries = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "draw", AuditEntry.entity == "skill",
                                    AuditEntry.entity_id == skill.id)).scalars()
    lists = {(e.changes or {}).get("draw_id"): (e.changes or {}).get("workstations")
             for e in entries}
    user_ids = {d.user_id for d in draws if d.user_id}
    logins = dict(db.session.execute(
        sa.select(User.id, User.login).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return [DrawRecord(d, lists.get(d.id), logins.get(d.user_id, "")) for d in draws]
