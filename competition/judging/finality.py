"""Whether a skill's results are final: what publishing them waits for (board/service.py,
`set_visibility`), and what the organizer is shown when it is refused.

A skill is final when every active competitor has all their marks (an M aspect one mark, a J
aspect judges_per_aspect scores), no judgement is in dispute and every sub-criterion is signed
off (locked). The counts come from overview.py (progress, disputes), the locks from signoff.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Conflict
from ..extensions import db
from ..lookup import skill_ref
from ..models import Criterion, Skill, SubCriterion
from .overview import disputes, missing_marks
from .signoff import lock_states


@dataclass(frozen=True)
class SubFinality:
    """One sub-criterion: marks missing (of those expected), open disputes, signed off."""

    code: str
    marks_missing: int
    marks_expected: int
    disputes: int
    signed_off: bool

    @property
    def ready(self) -> bool:
        return not self.marks_missing and not self.disputes and self.signed_off

    def as_json(self) -> dict:
        return {"sub_criterion": self.code, "marks_missing": self.marks_missing,
                "marks_expected": self.marks_expected, "disputes": self.disputes,
                "signed_off": self.signed_off}


@dataclass(frozen=True)
class Finality:
    """The finality report of a skill: its sub-criteria in scheme order and the active
    competitors with marks missing (by code)."""

    ref: str
    sub_criteria: list[SubFinality]
    incomplete: list[str]

    @property
    def final(self) -> bool:
        return not self.incomplete and all(sub.ready for sub in self.sub_criteria)

    def missing(self) -> list[SubFinality]:
        """The sub-criteria that hold the skill back."""
        return [sub for sub in self.sub_criteria if not sub.ready]

    def as_json(self) -> dict:
        return {"skill": self.ref, "final": self.final,
                "sub_criteria": [sub.as_json() for sub in self.sub_criteria],
                "incomplete_competitors": list(self.incomplete)}


def finality(skill: Skill) -> Finality:
    """The finality report of the skill, read from the database (a few queries)."""
    gaps = missing_marks(skill)
    open_disputes: dict[str, int] = {}
    for dispute in disputes(skill):
        sub = dispute["sub_criterion"]
        open_disputes[sub] = open_disputes.get(sub, 0) + 1
    codes = dict(db.session.execute(
        sa.select(SubCriterion.id, SubCriterion.code).join(Criterion)
        .where(Criterion.skill_id == skill.id)).all())
    signed = {codes[sub_id] for sub_id, event in lock_states(skill).items()
              if event is not None and event.action == "lock"}
    subs = [SubFinality(code, cell["missing"], cell["expected"], open_disputes.get(code, 0),
                        code in signed)
            for code, cell in gaps["sub_criteria"].items()]
    return Finality(skill_ref(skill), subs, list(gaps["incomplete"]))


class NotFinal(Conflict):
    """Publishing refused: the skill's results are not final. Carries the report, so that the
    organizer's page and the API can say what is missing, per sub-criterion."""

    default_code = "not_final"

    def __init__(self, report: Finality):
        super().__init__(_("The results of skill %(skill)s are not final yet: every active "
                           "competitor must have all their marks, no judgement may be in "
                           "dispute and every sub-criterion must be signed off.",
                           skill=report.ref))
        self.report = report

    def answer(self) -> dict:
        return super().answer() | {
            "missing": [sub.as_json() for sub in self.report.missing()],
            "incomplete_competitors": list(self.report.incomplete)}
