"""Plain data in and out of the rules: the skill as marked, and its results.

Single-object rules (a known scale, a `max` above 0, a known status …) are checked when an
object is built, so the server building these objects directly gets the same checks as a file
read by `parse.parse_skill`. Rules that relate objects (duplicate codes, marks against the
scheme) are checked by `evaluate.evaluate_skill` in its one pass over the marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

from .errors import RulesInputError, quote

SKILL_FORMAT = "competition.skill/1"
RESULTS_FORMAT = "competition.results/1"

MEASUREMENT = "M"
JUDGEMENT = "J"
KIND_NAMES = {MEASUREMENT: "measurement", JUDGEMENT: "judgement"}

SCALES = ("raw", "ws500", "ws700")
STATUSES = ("active", "guest", "withdrawn", "disqualified")
MEDALS = ("gold", "silver", "bronze")
MEDALLION = "medallion"

# Per scale: (default tie_margin, default medallion_threshold) — docs/rules.md section 5.
SCALE_DEFAULTS: dict[str, tuple[Decimal, Decimal | None]] = {
    "raw": (Decimal(0), None),
    "ws500": (Decimal(2), Decimal(500)),
    "ws700": (Decimal(0), Decimal(700)),
}

Number = int | Decimal


# --- the input -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MedalMinField:
    """The least number of active competitors a group needs for each medal."""

    gold: int = 1
    silver: int = 1
    bronze: int = 1

    def __post_init__(self) -> None:
        for medal in MEDALS:
            n = getattr(self, medal)
            if type(n) is not int or n < 0:
                raise RulesInputError(f"{medal}: must be a whole number ≥ 0, not {quote(n)}")

    def for_medal(self, medal: str) -> int:
        return getattr(self, medal)


@dataclass(frozen=True, slots=True)
class Policy:
    """The championship's scoring policy. `tie_margin` and `medallion_threshold` of None mean
    "the scale's default" (docs/rules.md section 5); read the effective values from the
    properties."""

    scale: str = "raw"
    judges_per_aspect: int = 3
    tie_margin: Decimal | None = None
    medallion_threshold: Decimal | None = None
    medal_min_field: MedalMinField = MedalMinField()

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise RulesInputError(
                f"scale: unknown scale {quote(self.scale)} (expected raw, ws500 or ws700)"
            )
        jpa = self.judges_per_aspect
        if type(jpa) is not int or jpa < 1:
            raise RulesInputError(
                f"judges_per_aspect: must be a whole number ≥ 1, not {quote(jpa)}"
            )
        if self.tie_margin is not None and not self.tie_margin >= 0:
            raise RulesInputError(f"tie_margin: must be ≥ 0, not {self.tie_margin}")

    @property
    def effective_tie_margin(self) -> Decimal:
        if self.tie_margin is None:
            return SCALE_DEFAULTS[self.scale][0]
        return self.tie_margin

    @property
    def effective_medallion_threshold(self) -> Decimal | None:
        if self.medallion_threshold is None:
            return SCALE_DEFAULTS[self.scale][1]
        return self.medallion_threshold


@dataclass(frozen=True, slots=True)
class Aspect:
    """One aspect of the marking scheme. `values` (M only) lists the allowed marks; None means
    0 and `max`."""

    code: str
    kind: str
    max: Decimal
    values: tuple[Decimal, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KIND_NAMES:
            raise RulesInputError(f"type: must be \"M\" or \"J\", not {quote(self.kind)}")
        if not self.max > 0:
            raise RulesInputError(f"max: must be > 0, not {self.max}")
        if self.values is not None and self.kind != MEASUREMENT:
            raise RulesInputError('values: only a measurement ("M") aspect lists allowed values')

    @property
    def allowed_values(self) -> tuple[Decimal, ...]:
        """The marks an M aspect accepts."""
        if self.values is None:
            return (Decimal(0), self.max)
        return self.values


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    name: Any  # shown, never computed with: a string, None or {"ru": …, "kk": …, "en": …}
    aspects: tuple[Aspect, ...]


@dataclass(frozen=True, slots=True)
class Competitor:
    code: str
    name: Any = None
    organization: str | None = None
    category: str | None = None
    status: str = "active"
    penalty: Decimal = Decimal(0)  # points off the total (docs/rules.md section 3)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise RulesInputError(
                "status: must be active, guest, withdrawn or disqualified, "
                f"not {quote(self.status)}"
            )
        if not isinstance(self.penalty, int | Decimal) or isinstance(self.penalty, bool):
            raise RulesInputError(f"penalty: must be a number, not {quote(self.penalty)}")
        if not self.penalty >= 0:
            raise RulesInputError(f"penalty: must be ≥ 0, not {self.penalty}")


class Mark(NamedTuple):
    """One mark. A tuple, not a dataclass: a skill holds tens of thousands of them.
    `value` is an exact number (int or Decimal); `judge` is None for M marks."""

    aspect: str
    competitor: str
    judge: str | None
    value: Number


@dataclass(frozen=True, slots=True)
class SkillInput:
    code: str
    name: Any
    policy: Policy
    criteria: tuple[Criterion, ...]
    competitors: tuple[Competitor, ...]
    marks: tuple[Mark, ...]


# --- the results -----------------------------------------------------------------------------


class AspectState(StrEnum):
    COUNTED = "counted"
    PENDING = "pending"
    DISPUTE = "dispute"


@dataclass(frozen=True, slots=True)
class Dispute:
    """A J aspect whose scores, all present, differ by more than 1. `scores`: (judge, score)
    ordered by judge code."""

    aspect: str
    competitor: str
    scores: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CompetitorResult:
    """Exact figures (`total`, `criteria` as Fractions); `score` is already rounded (2 decimals
    for raw, an integer for the WorldSkills scales)."""

    competitor: str
    name: Any
    organization: str | None
    category: str | None
    status: str
    complete: bool
    pending: int  # aspects with no mark yet (or too few judgement scores)
    disputed: int  # aspects in dispute
    total: Fraction
    max_marked: Fraction  # the sum of the max of the counted aspects
    criteria: Mapping[str, Fraction]
    score: Decimal
    rank: int | None
    medal: str | None  # gold, silver, bronze, medallion or None
    penalty: Decimal = Decimal(0)  # already taken off `total`


@dataclass(frozen=True, slots=True)
class GroupResult:
    category: str | None
    final: bool
    results: tuple[CompetitorResult, ...]  # ranked by rank then code, then unranked by code
    scale: str = "raw"  # the scale the scores are on: the policy's once final, raw before


@dataclass(frozen=True, slots=True)
class SkillResult:
    skill: str
    name: Any
    scale: str
    groups: tuple[GroupResult, ...]  # null category first, then by category
    disputes: tuple[Dispute, ...]  # by aspect code, then competitor code


@dataclass(frozen=True, slots=True)
class MedalRow:
    organization: str
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    medallion: int = 0

    @property
    def points(self) -> int:
        return 4 * self.gold + 3 * self.silver + 2 * self.bronze + self.medallion


@dataclass(frozen=True, slots=True)
class BestOfEntry:
    skill: str
    competitor: str
    score: Decimal
    scale: str


@dataclass(frozen=True, slots=True)
class BestOfRow:
    organization: str
    competitors: tuple[BestOfEntry, ...]


@dataclass(frozen=True, slots=True)
class Results:
    skills: tuple[SkillResult, ...]
    medal_table: tuple[MedalRow, ...] = field(default=())
    best_of: tuple[BestOfRow, ...] = field(default=())
