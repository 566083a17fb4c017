"""The plan: which judge marks what, with which value, following the rules the server enforces
(no compatriots, marking teams, J scores within 1 of each other but for a dispute now and
then, signed-off sub-criteria and withdrawn competitors left alone)."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

DEVICE = "competition simulate"
REASON = "Re-marked after the experts discussed the dispute (simulated)."
DISPUTE_SHARE = 1 / 30  # of the J cells marked afresh
# The order in which panel experts take the judge slots of a J cell.
ROLE_ORDER = {"expert": 0, "deputy": 1, "independent": 2, "chief": 3}


@dataclass
class Submission:
    skill: str
    aspect: str
    competitor: str
    login: str  # the judge's account, whose connection sends it
    judge: str | None  # the expert's code on a J mark
    value: object
    base: int = 0
    reason: str = ""
    key: str = field(default_factory=lambda: f"sim-{uuid.uuid4()}")
    attempts: int = 0

    def payload(self) -> dict:
        body = {"id": self.key, "skill": self.skill, "aspect": self.aspect,
                "competitor": self.competitor, "value": self.value, "base": self.base,
                "device": DEVICE}
        if self.reason:
            body["reason"] = self.reason
        return body


@dataclass
class SkillPlan:
    ref: str
    submissions: list[Submission]
    remarks: list[Submission]  # disputes found open: re-marked at once
    unreachable: int  # marks no judge of ours may enter (signed off, compatriots, teams)


def _spread_ok(values: list[int]) -> bool:
    return not values or max(values) - min(values) <= 1


def plausible_scores(existing: list[int], count: int, rng: random.Random, ability: float,
                     dispute: bool) -> list[int]:
    """`count` more J scores for a cell that has `existing`: within 1 of each other, or 2 apart
    when `dispute` (only for a fresh cell)."""
    if not existing and dispute and count >= 2:
        low = rng.randint(0, 1)
        scores = [low, low + 2] + [low + 1] * (count - 2)
        rng.shuffle(scores)
        return scores
    scores = list(existing)
    if not scores:
        centre = min(2, max(0, round(ability * 3 - rng.random())))
        scores.append(centre + rng.randint(0, 1))
        count -= 1
    for _ in range(count):
        fitting = [v for v in range(4) if _spread_ok([*scores, v])]
        scores.append(rng.choice(fitting) if fitting else sorted(scores)[len(scores) // 2])
    return scores[len(existing):] if existing else scores


def settling_remark(scores: dict[str, int]) -> tuple[str, int] | None:
    """Which judge re-marks a disputed cell, and to what: the one whose score is furthest from
    the others (so that a single correction brings the cell within 1)."""
    for judge, score in sorted(scores.items(), key=lambda item: -abs(
            item[1] * (len(scores) - 1) - (sum(scores.values()) - item[1]))):
        others = [v for code, v in scores.items() if code != judge]
        fitting = [v for v in range(4) if _spread_ok([*others, v])]
        if fitting and _spread_ok(others):
            return judge, min(fitting, key=lambda v: abs(v - score))
    return None


def plan_skill(description: dict, marks: list[dict], judges: dict[str, str],
               rng: random.Random) -> SkillPlan:
    """Every mark still missing in the skill (`description`: GET /api/v1/skills/<ref>; `marks`:
    its marks now), given to the judges who may enter it (`judges`: expert code -> login)."""
    ref = description["ref"]
    per_aspect = int(description["judges_per_aspect"])
    experts = sorted((e for e in description["experts"] if e["code"] in judges),
                     key=lambda e: (ROLE_ORDER.get(e["role"], 9), e["code"]))
    # A withdrawn competitor's cells are not expected (their board does not count them).
    competitors = sorted((c for c in description["competitors"] if c["status"] != "withdrawn"),
                         key=lambda c: c["code"])
    ability = {c["code"]: rng.uniform(0.35, 0.95) for c in competitors}
    m_marks: set[tuple[str, str]] = set()
    j_marks: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}  # judge -> (score, revision)
    # A withdrawn mark is an empty cell whose next entry is a change of that mark.
    withdrawn = {(m["aspect"], m["competitor"], m["judge"]): m["revision"]
                 for m in marks if m["value"] is None}
    for mark in marks:
        if mark["value"] is None:
            continue
        cell = (mark["aspect"], mark["competitor"])
        if mark["judge"] is None:
            m_marks.add(cell)
        else:
            j_marks.setdefault(cell, {})[mark["judge"]] = (int(mark["value"]), mark["revision"])

    panels = description.get("panels") or {}

    def may_mark(expert: dict, competitor: dict, criterion: str) -> bool:
        if expert["organization"] and expert["organization"] == competitor["organization"]:
            return False
        team = {part.strip() for part in (expert.get("marking_team") or "").split(",")}
        return not (team - {""}) or criterion in team

    def on_panel(expert: dict, aspect: dict, competitor: dict) -> bool:
        """A J aspect with a fixed panel: only its members (or the substitute named for this
        competitor) score it."""
        panel = panels.get(aspect["code"])
        if panel is None:
            return True
        members = (panel.get("exceptions") or {}).get(competitor["code"], panel["members"])
        return expert["code"] in members

    submissions: list[Submission] = []
    remarks: list[Submission] = []
    unreachable = 0
    turn = itertools.count()
    for criterion in description["criteria"]:
        for sub in criterion["sub_criteria"]:
            for competitor in competitors:
                for aspect in sub["aspects"]:
                    cell = (aspect["code"], competitor["code"])
                    allowed = [e for e in experts if may_mark(e, competitor, criterion["code"])]
                    if aspect["type"] == "M":
                        if cell in m_marks:
                            continue
                        if sub["locked"] or not allowed:
                            unreachable += 1
                            continue
                        expert = allowed[next(turn) % len(allowed)]
                        values = sorted(aspect["values"], key=Decimal)
                        value = values[-1] if rng.random() < ability[competitor["code"]] \
                            else rng.choice(values)
                        submissions.append(Submission(ref, *cell, judges[expert["code"]],
                                                      None, value,
                                                      base=withdrawn.get((*cell, None), 0)))
                        continue
                    done = j_marks.get(cell, {})
                    missing = per_aspect - len(done)
                    if missing <= 0:
                        scores = {judge: score for judge, (score, _r) in done.items()}
                        settle = None if _spread_ok(list(scores.values())) or sub["locked"] \
                            else settling_remark(scores)
                        if settle is not None and settle[0] in judges:
                            judge, value = settle
                            remarks.append(Submission(ref, *cell, judges[judge], judge, value,
                                                      base=done[judge][1], reason=REASON))
                        continue
                    free = [e for e in allowed if e["code"] not in done
                            and on_panel(e, aspect, competitor)][:missing]
                    if sub["locked"]:
                        free = []
                    unreachable += missing - len(free)
                    if not free:
                        continue
                    scores = plausible_scores([score for score, _r in done.values()], len(free),
                                              rng, ability[competitor["code"]],
                                              dispute=rng.random() < DISPUTE_SHARE)
                    for expert, score in zip(free, scores, strict=True):
                        submissions.append(Submission(
                            ref, *cell, judges[expert["code"]], expert["code"], score,
                            base=withdrawn.get((*cell, expert["code"]), 0)))
    return SkillPlan(ref, submissions, remarks, unreachable)


def interleave(plans: list[SkillPlan]) -> list[Submission]:
    """The skills' marks taken in turns, so that every board moves at once."""
    lanes = [plan.submissions for plan in plans]
    return [item for group in itertools.zip_longest(*lanes) for item in group
            if item is not None]


