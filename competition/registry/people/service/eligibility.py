"""Eligibility by age (docs/people.md, "Eligibility"): the championship's report of who is not
eligible or has no birth date (a team: which of its members), the same as a sheet, and the
organizer's exception (accepted with a reason, or cleared), each audited.

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
from ....models import Championship, Competitor, CompetitorMember, Skill
from ....vocabulary import AbilympicsCategory
from ..eligibility import Verdict, member_verdicts, verdict
from .common import natural_key

REASON_MAX = 1000


@dataclass(frozen=True)
class MemberLine:
    """A team's member the age rules exclude or who has no birth date."""

    member: CompetitorMember
    verdict: Verdict

    @property
    def reason(self) -> str:
        return describe(self.verdict)


@dataclass(frozen=True)
class Line:
    """A competitor to check: a person with their verdict, or a team (verdict None) with the
    members to check."""

    competitor: Competitor
    verdict: Verdict | None
    members: tuple[MemberLine, ...] = ()

    @property
    def reason(self) -> str:
        if self.verdict is not None:
            return describe(self.verdict)
        if not self.members:
            return _("Every member is eligible.")
        return " ".join(f"{m.member.name()}: {m.reason}" for m in self.members)

    @property
    def excluded(self) -> bool:
        """The age rules exclude the competitor or one of the team's members."""
        verdicts = [self.verdict] if self.verdict is not None else [m.verdict
                                                                    for m in self.members]
        return any(v.excluded for v in verdicts)


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


def line_of(competitor: Competitor, today: date | None = None) -> Line:
    """The competitor's eligibility: a person's verdict, or a team's members to check (those
    the age rules exclude and those without a birth date)."""
    if competitor.skill.is_team:
        return Line(competitor, None, tuple(
            MemberLine(member, found) for member, found in member_verdicts(competitor, today)
            if not found.eligible))
    return Line(competitor, verdict(competitor, today))


def report(championship: Championship, today: date | None = None) -> list[Line]:
    """Every competitor of the championship who is not eligible or has no birth date — for a
    team: has members who are not or have none —, or has an exception, in skill and code
    order."""
    competitors = db.session.execute(
        sa.select(Competitor).join(Skill).where(Skill.championship_id == championship.id,
                                                Competitor.erased_at.is_(None))
        .options(selectinload(Competitor.skill), selectinload(Competitor.organization),
                 selectinload(Competitor.members))
    ).scalars().all()
    lines = []
    for competitor in competitors:
        line = line_of(competitor, today)
        clear = line.verdict.eligible if line.verdict is not None else not line.members
        if clear and not competitor.eligibility_exception:
            continue
        lines.append(line)
    lines.sort(key=lambda line: (line.competitor.skill.position, line.competitor.skill.code,
                                 natural_key(line.competitor.code)))
    return lines


def warning_after_save(competitor: Competitor) -> str | None:
    """What the competitor form says after saving someone the age rules exclude (for a team:
    the members they exclude, by name)."""
    line = line_of(competitor)
    if not line.excluded or competitor.eligibility_exception:
        return None
    if line.verdict is None:
        members = " ".join(f"{m.member.name()}: {m.reason}" for m in line.members
                           if m.verdict.excluded)
        return _("Warning: team %(code)s has members who are not eligible by age. %(members)s "
                 "Saved all the same; an organizer may accept an exception with a reason on "
                 "the eligibility page.", code=competitor.code, members=members)
    return _("Warning: %(code)s is not eligible by age. %(reason)s Saved all the same; an "
             "organizer may accept an exception with a reason on the eligibility page.",
             code=competitor.code, reason=line.reason)


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
    """The report as rows of the sheet (keys of SHEET_COLUMNS in the view): one per person to
    check, a team's members each on a row of their own with the team's name."""
    rows = []
    for line in lines:
        competitor = line.competitor
        common = {
            "skill": competitor.skill.code, "code": competitor.code,
            "organization": competitor.organization.name() if competitor.organization else "",
            "category": AbilympicsCategory.label_of(competitor.category)
            if competitor.category else "",
            "exception": competitor.eligibility_exception or "",
            "team": competitor.name() if line.verdict is None else "",
        }
        people = ([(competitor, line.verdict, line.reason)] if line.verdict is not None else
                  [(m.member, m.verdict, m.reason) for m in line.members])
        if not people:  # a team with an exception and every member eligible now
            rows.append({**common, "name": competitor.name(), "reason": line.reason})
        for person, found, reason in people:
            rows.append({**common, "name": person.name(), "birth_date": person.birth_date,
                         "age": found.age, "on": found.day, "limits": found.limits.describe(),
                         "reason": reason})
    return rows
