"""A skill's standings as the live hub keeps them in memory (competition/standings/live.py),
updated mark by mark, and the standings of a frozen skill as they stood."""

from __future__ import annotations

from decimal import Decimal

from .. import rules
from ..models import Skill
from ..rules.model import MEASUREMENT
from .document import progress_counts, skill_document
from .meta import public_competitors, skill_meta


def expected_marks(parsed) -> int:
    n_m = n_j = 0
    for criterion in parsed.criteria:
        for aspect in criterion.aspects:
            if aspect.kind == MEASUREMENT:
                n_m += 1
            else:
                n_j += 1
    markable = sum(1 for c in parsed.competitors if c.status != "withdrawn")
    return markable * (n_m + parsed.policy.judges_per_aspect * n_j)


def marked_cells(document: dict, withdrawn: set[str]) -> int:
    return sum(1 for mark in document["marks"] if mark["competitor"] not in withdrawn)


class KeptStandings:
    """One skill's standings at a version, the count of its marked cells, and its names."""

    def __init__(self, skill: Skill):
        document = skill_document(skill)
        parsed = rules.parse_skill(document)
        self.version = skill.version
        self.meta = skill_meta(skill)
        # What the public sees of the names (competition/names.py): once per load.
        self.public_people = public_competitors(skill, self.meta["competitors"])
        self.meta_version = skill.scheme_version  # names and scheme change with it
        self.code = self.meta["skill"]
        self.standings = rules.SkillStandings(parsed)
        self.withdrawn = {c.code for c in parsed.competitors if c.status == "withdrawn"}
        self.filled = {(m["aspect"], m["competitor"], m.get("judge"))
                       for m in document["marks"]}
        # the marked cells of competitors not withdrawn, counted as marks come and go (each
        # broadcast shows it: counting them all again took a pass over every mark)
        self._marked = sum(1 for cell in self.filled if cell[1] not in self.withdrawn)
        self.expected = expected_marks(parsed)
        self._snapshot: dict | None = None

    def apply(self, mark: dict) -> None:
        """One change of a mark (a mark of the API, value None = withdrawn)."""
        judge = mark["judge"]
        cell = (mark["aspect"], mark["competitor"], judge)
        counts = mark["competitor"] not in self.withdrawn
        if mark["value"] is None:
            self.standings.remove(mark["aspect"], mark["competitor"], judge)
            if cell in self.filled:
                self.filled.discard(cell)
                self._marked -= counts
        else:
            value = mark["value"] if judge is not None else Decimal(mark["value"])
            self.standings.apply(rules.Mark(mark["aspect"], mark["competitor"], judge, value))
            if cell not in self.filled:
                self.filled.add(cell)
                self._marked += counts
        self.version = mark["version"]
        self._snapshot = None

    def marked(self) -> int:
        return self._marked

    def results(self) -> dict:
        if self._snapshot is None:
            self._snapshot = rules.skill_result_to_json(self.standings.result())
        return self._snapshot


def frozen_standings(skill: Skill, version: int) -> tuple[dict, dict]:
    """(results, progress) of the skill as it stood at `version`."""
    document = skill_document(skill, as_of=version, sanctions_at=skill.frozen_at)
    parsed = rules.parse_skill(document)
    withdrawn = {c.code for c in parsed.competitors if c.status == "withdrawn"}
    results = rules.skill_result_to_json(rules.evaluate_skill(parsed))
    return results, progress_counts(marked_cells(document, withdrawn), expected_marks(parsed))


def public_results(results: dict, medals: bool, under_appeal: bool = False) -> dict:
    """Results for the public: no disputes; medals only once published and not under appeal
    (then no group is final either: docs/appeals.md)."""
    groups = []
    for group in results["groups"]:
        rows = group["results"] if medals else [
            {**row, "medal": None} for row in group["results"]]
        groups.append({**group, "results": rows} | ({"final": False} if under_appeal else {}))
    return {key: value for key, value in results.items() if key != "disputes"} | {
        "groups": groups}
