"""Eligibility by age (docs/people.md, "Eligibility"): the championship's report of who is not
eligible or has no birth date, the same as a sheet, and the organizer's exception (accepted with
a reason, or cleared), each audited.

The rules and the verdict are ..eligibility's; this module reads the database and writes the
exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .... import audit
from ....database import write_transaction
from ....errors import Invalid, NotFound
from ....extensions import db
from ....models import Championship, Competitor, Skill
from ....vocabulary import AbilympicsCategory
from ..eligibility import Verdict, verdict
from .common import natural_key

REASON_MAX = 1000


@dataclass(frozen=True)
class Line:
    competitor: Competitor
    verdict: Verdict

    @property
    def reason(self) -> str:
        return describe(self.verdict)


def describe(found: Verdict) -> str:
    """Why (or that) a competitor is eligible, in words."""
    day = found.day.strftime("%d.%m.%Y")
    if found.status == "no_birth_date":
        return _("No birth date: eligibility cannot be checked.")
    if found.status == "too_young":
        return _("Age %(age)s on %(day)s: younger than %(min)s (limits %(limits)s).",
                 age=found.age, day=day, min=found.limits.min, limits=found.limits.describe())
    if found.status == "too_old":
        return _("Age %(age)s on %(day)s: older than %(max)s (limits %(limits)s).",
                 age=found.age, day=day, max=found.limits.max, limits=found.limits.describe())
    return _("Age %(age)s on %(day)s: eligible (limits %(limits)s).", age=found.age, day=day,
             limits=found.limits.describe())


def report(championship: Championship, today: date | None = None) -> list[Line]:
    """Every competitor of the championship who is not eligible, has no birth date (persons
    only: a team's members have none) or has an exception, in skill and code order."""
    competitors = db.session.execute(
        sa.select(Competitor).join(Skill).where(Skill.championship_id == championship.id,
                                                Competitor.erased_at.is_(None))
        .options(selectinload(Competitor.skill), selectinload(Competitor.organization))
    ).scalars().all()
    lines = []
    for competitor in competitors:
        found = verdict(competitor, today)
        if found.eligible and not competitor.eligibility_exception:
            continue
        if found.status == "no_birth_date" and competitor.skill.is_team:
            continue
        lines.append(Line(competitor, found))
    lines.sort(key=lambda line: (line.competitor.skill.position, line.competitor.skill.code,
                                 natural_key(line.competitor.code)))
    return lines


def warning_after_save(competitor: Competitor) -> str | None:
    """What the competitor form says after saving someone the age rules exclude."""
    found = verdict(competitor)
    if found.status not in ("too_young", "too_old") or competitor.eligibility_exception:
        return None
    return _("Warning: %(code)s is not eligible by age. %(reason)s Saved all the same; an "
             "organizer may accept an exception with a reason on the eligibility page.",
             code=competitor.code, reason=describe(found))


def set_exception(competitor_id: int, reason: str | None) -> Competitor:
    """Accept (a reason given) or clear (None or empty) a competitor's eligibility exception,
    with its audit entry."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise Invalid(_("At most %(max)d characters.", max=REASON_MAX), field="reason",
                      code="too_long")
    with write_transaction() as session:
        competitor = session.get(Competitor, competitor_id)
        if competitor is None:
            raise NotFound()
        old = competitor.eligibility_exception
        if old == reason:
            return competitor
        competitor.eligibility_exception = reason
        skill = competitor.skill
        what = "accepted" if reason else "cleared"
        audit.record("update", "competitor", competitor.id,
                     summary=f"{skill.code}/{competitor.code}: eligibility exception {what}",
                     changes={"eligibility_exception": [old, reason]},
                     championship_id=skill.championship_id)
    return competitor


def sheet_rows(lines: list[Line]) -> list[dict]:
    """The report as rows of the sheet (keys of SHEET_COLUMNS in the view)."""
    rows = []
    for line in lines:
        competitor, found = line.competitor, line.verdict
        rows.append({
            "skill": competitor.skill.code, "code": competitor.code, "name": competitor.name(),
            "organization": competitor.organization.name() if competitor.organization else "",
            "category": AbilympicsCategory.label_of(competitor.category)
            if competitor.category else "",
            "birth_date": competitor.birth_date, "age": found.age,
            "on": found.day, "limits": found.limits.describe(), "reason": line.reason,
            "exception": competitor.eligibility_exception or "",
        })
    return rows
