"""Aspect marks (docs/rules.md sections 1 and 2), and the one pass over a skill's marks.

The rules, plainly: `judgement_state` and `judgement_mark` below, and `first_error`, which
checks the marks one by one in the order given. `collect_marks` computes the same thing fast
enough for live standings (tens of thousands of marks on every change), in integers:

* Every mark of a skill is a whole number of 1/unit, where unit = 10^places × 3 × judges.
  An M mark v is v × unit; a J mark max × sum / (3 × judges) is (max × 10^places) × sum.
  Totals are exact integers over one common denominator; no Fraction per mark.
* A J aspect's scores for one competitor are summed into one integer of bit fields
  (`JudgementFields`): how many judges gave 0, 1, 2 and 3, and how many times each judge
  marked. One addition per mark; the aspect's state is then a table look-up of that sum.
When the fast pass meets anything wrong, `first_error` names the first bad mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from itertools import repeat
from operator import and_

from .errors import RulesInputError, quote
from .exact import decimal_places, scaled
from .model import JUDGEMENT, KIND_NAMES, MEASUREMENT, AspectState, Mark, SkillInput

JUDGEMENT_SCORES = (0, 1, 2, 3)

# What a J aspect's bit-field sum means, besides the sum of its scores (≥ 0).
PENDING = -1
DISPUTE = -2
TOO_MANY = -3  # more scores than judges_per_aspect: invalid input


def judgement_state(scores: Sequence[int], judges_per_aspect: int) -> AspectState:
    """The state of one J aspect for one competitor, from the scores given so far."""
    if len(scores) < judges_per_aspect:
        return AspectState.PENDING
    if max(scores) - min(scores) > 1:
        return AspectState.DISPUTE
    return AspectState.COUNTED


def judgement_mark(maximum: Decimal, scores: Iterable[int], judges_per_aspect: int) -> Fraction:
    """max × (sum of the scores) / (3 × judges_per_aspect), exact."""
    return Fraction(maximum) * sum(scores) / (3 * judges_per_aspect)


class JudgementFields:
    """The bit-field encoding of one skill's J marks: one integer per (aspect, competitor).

    Low bits: four fields of `width` bits counting the scores 0, 1, 2 and 3 given; wide
    enough for every mark of the skill, so they never overflow, and `state[low bits]` is the
    aspect's state. Above: one field per judge (given out as judges are met) holding how many
    times that judge marked and the sum of the judge's scores. A count of 2 or more is the same
    judge twice; with a count of 1 the sum is the judge's score, for the list of disputes.
    While a cell holds at most judges_per_aspect marks (else it is TOO_MANY) no judge field can
    overflow into the next."""

    def __init__(self, judges_per_aspect: int, n_marks: int) -> None:
        self.width = width = max(n_marks, judges_per_aspect).bit_length() + 1
        self.score_bits = width * len(JUDGEMENT_SCORES)
        self.score_mask = (1 << self.score_bits) - 1
        # value → score; Decimal("2.0") and 2 find score 2: equal numbers hash alike.
        self.score_of: dict[object, int] = {s: s for s in JUDGEMENT_SCORES}
        self.count_bits = judges_per_aspect.bit_length()
        self.field_bits = self.count_bits + (3 * judges_per_aspect).bit_length()
        self.codes = _JudgeCodes(self)
        self.state = _state_table(judges_per_aspect, width)

    def score_code(self, score: int) -> int:
        return 1 << (self.width * score)

    @property
    def repeat_mask(self) -> int:
        """The bits of every judge's count but the lowest: set where a judge marked twice."""
        counts = (1 << self.count_bits) - 2
        return sum(counts << (self.score_bits + self.field_bits * i)
                   for i in range(len(self.codes)))

    def scores(self, cell: int) -> list[tuple[str, int]]:
        """(judge, score) of a cell where each judge marked once, by judge code."""
        judges = self.codes.judges
        field_mask = (1 << self.field_bits) - 1
        found = []
        rest = cell >> self.score_bits
        position = 0
        while rest:
            field = rest & field_mask
            if field:
                found.append((judges[position], field >> self.count_bits))
            rest >>= self.field_bits
            position += 1
        return sorted(found)


class _JudgeCodes(dict):
    """judge code → the codes of its scores 0, 1, 2, 3 (score fields + its own field)."""

    def __init__(self, fields: JudgementFields) -> None:
        super().__init__()
        self.fields = fields
        self.judges: list[str] = []

    def __missing__(self, judge: object) -> tuple[int, ...]:
        if type(judge) is not str:
            raise KeyError(judge)  # no judge on a J mark: first_error says so
        fields = self.fields
        base = 1 << (fields.score_bits + fields.field_bits * len(self.judges))
        codes = tuple(fields.score_code(s) + base * (1 + (s << fields.count_bits))
                      for s in JUDGEMENT_SCORES)
        self.judges.append(judge)
        self[judge] = codes
        return codes


@lru_cache(maxsize=64)
def _state_table(judges_per_aspect: int, width: int) -> dict[int, int]:
    """Score fields → the aspect's sum of scores, PENDING, DISPUTE or TOO_MANY; filled as the
    sums are met (a dict subclass pays its __missing__ only on a miss)."""

    class States(dict):
        def __missing__(self, fields: int) -> int:
            mask = (1 << width) - 1
            scores = [s for s in JUDGEMENT_SCORES for _ in range(fields >> (width * s) & mask)]
            if len(scores) > judges_per_aspect:
                state = TOO_MANY
            else:
                state = {AspectState.PENDING: PENDING, AspectState.DISPUTE: DISPUTE}.get(
                    judgement_state(scores, judges_per_aspect), sum(scores))
            self[fields] = state
            return state

    return States()


class SchemeIndex:
    """The marking scheme and the competitors laid out for the pass over the marks; checks the
    codes are unique.

    M and J marks go to two grids, competitor-major: M cell = competitor × n_m + m-index,
    J cell = competitor × n_j + j-index. Each criterion's aspects are a contiguous span in
    each grid (`spans`)."""

    def __init__(self, skill: SkillInput) -> None:
        jpa = skill.policy.judges_per_aspect
        aspects = [aspect for criterion in skill.criteria for aspect in criterion.aspects]
        numbers = {aspect.max for aspect in aspects}
        numbers.update(v for aspect in aspects if aspect.kind != JUDGEMENT
                       for v in aspect.allowed_values)
        places = max((decimal_places(n) for n in numbers), default=0)
        units = {n: scaled(n, places) for n in numbers}
        per_mark = 3 * jpa
        self.places = places
        self.unit = 10**places * per_mark
        self.fields = fields = JudgementFields(jpa, len(skill.marks))

        self.criteria = [criterion.code for criterion in skill.criteria]
        # code → (is J, index in its grid, value → M mark in 1/unit, or J score)
        self.aspect_at: dict[str, tuple[bool, int, dict[object, int]]] = {}
        self.m_codes: list[str] = []
        self.j_codes: list[str] = []
        self.m_max: list[int] = []  # max × 10^places, per M aspect
        self.j_max: list[int] = []
        self.spans: list[tuple[int, int, int, int]] = []  # per criterion: M lo:hi, J lo:hi
        for ci, criterion in enumerate(skill.criteria):
            if criterion.code in self.criteria[:ci]:
                raise RulesInputError(
                    f"criteria[{ci}]: duplicate criterion code {quote(criterion.code)}"
                )
            m_start, j_start = len(self.m_codes), len(self.j_codes)
            for i, aspect in enumerate(criterion.aspects):
                if aspect.code in self.aspect_at:
                    raise RulesInputError(
                        f"criteria[{ci}].aspects[{i}]: duplicate aspect code {quote(aspect.code)}"
                    )
                if aspect.kind == JUDGEMENT:
                    self.aspect_at[aspect.code] = (True, len(self.j_codes), fields.score_of)
                    self.j_codes.append(aspect.code)
                    self.j_max.append(units[aspect.max])
                else:
                    values = {v: units[v] * per_mark for v in aspect.allowed_values}
                    self.aspect_at[aspect.code] = (False, len(self.m_codes), values)
                    self.m_codes.append(aspect.code)
                    self.m_max.append(units[aspect.max])
            self.spans.append((m_start, len(self.m_codes), j_start, len(self.j_codes)))

        self.competitors = [competitor.code for competitor in skill.competitors]
        self.m_row: dict[str, int] = {}  # competitor → first cell of its row in the M grid
        self.j_row: dict[str, int] = {}
        for c, code in enumerate(self.competitors):
            if code in self.m_row:
                raise RulesInputError(f"competitors[{c}]: duplicate competitor code {quote(code)}")
            self.m_row[code] = c * len(self.m_codes)
            self.j_row[code] = c * len(self.j_codes)


def collect_marks(skill: SkillInput, index: SchemeIndex) -> tuple[list, list[int]]:
    """The one pass over the marks: the M grid (None where unmarked, else the mark in 1/unit)
    and the J grid (bit-field sums, 0 where unmarked). Raises RulesInputError naming the first
    bad mark."""
    m_grid: list = [None] * (len(index.m_codes) * len(index.competitors))
    j_grid = [0] * (len(index.j_codes) * len(index.competitors))
    aspect_at, m_row, j_row = index.aspect_at, index.m_row, index.j_row
    judge_codes = index.fields.codes
    try:
        for aspect, competitor, judge, value in skill.marks:
            is_j, a, values = aspect_at[aspect]
            if is_j:
                j_grid[j_row[competitor] + a] += judge_codes[judge][values[value]]
            else:
                k = m_row[competitor] + a
                if m_grid[k] is not None:
                    raise KeyError(k)
                m_grid[k] = values[value]
    except (KeyError, TypeError):
        raise first_error(skill, index) from None
    if any(map(and_, j_grid, repeat(index.fields.repeat_mask))):
        raise first_error(skill, index)  # a judge twice on one aspect and competitor
    return m_grid, j_grid


def first_error(skill: SkillInput, index: SchemeIndex) -> RulesInputError:
    """The first mark, in the order given, that breaks a rule of the skill file (docs/rules.md)."""
    allowed = allowed_marks(skill)
    seen: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for i, mark in enumerate(skill.marks):
        earlier = seen.get((mark.aspect, mark.competitor), [])
        error = mark_error(mark, index, allowed, earlier, skill.policy.judges_per_aspect)
        if error:
            return RulesInputError(f"marks[{i}]: {error}")
        seen.setdefault((mark.aspect, mark.competitor), []).append((f"marks[{i}]", mark.judge))
    raise AssertionError("collect_marks refused the marks, first_error found nothing wrong")


def allowed_marks(skill: SkillInput) -> dict[str, tuple[Decimal, ...]]:
    """aspect code → its allowed values, as the scheme lists them (for messages)."""
    return {aspect.code: aspect.allowed_values
            for criterion in skill.criteria for aspect in criterion.aspects}


def mark_error(mark: Mark, index: SchemeIndex, allowed: dict[str, tuple[Decimal, ...]],
               earlier: Sequence[tuple[str, str | None]], jpa: int) -> str | None:
    """What is wrong with one mark (docs/rules.md, "The exported file"), or None. `earlier`:
    the marks already held for its (aspect, competitor), as (how to name it, its judge): a
    second M mark, or a judge twice or one too many on a J aspect, names them."""
    aspect, competitor, judge, value = mark
    if judge is not None and not isinstance(judge, str):
        return f"judge: must be an expert's code (a string), not {quote(judge)}"
    if not isinstance(aspect, str) or aspect not in index.aspect_at:
        return f"unknown aspect {quote(aspect)}"
    is_j = index.aspect_at[aspect][0]
    where = f"aspect {quote(aspect)} ({KIND_NAMES[JUDGEMENT if is_j else MEASUREMENT]})"
    if not isinstance(competitor, str) or competitor not in index.m_row:
        return f"{where}: unknown competitor {quote(competitor)}"
    where = f"{where}, competitor {quote(competitor)}"
    if not is_j:
        if not _is_number(value) or value not in allowed[aspect]:
            shown = ", ".join(_show(v) for v in allowed[aspect])
            return f"{where}: value {_show(value)} is not an allowed mark ({shown})"
        if earlier:
            return f"{where}: a second mark (the first is {earlier[0][0]})"
        return None
    if judge is None:
        return f'{where}: needs a "judge" (the expert\'s code)'
    where = f"{where}, judge {quote(judge)}"
    if not _is_number(value) or value not in JUDGEMENT_SCORES:
        return f"{where}: value {_show(value)} is not 0, 1, 2 or 3"
    for name, other in earlier:
        if other == judge:
            return f"{where}: this judge already marked it in {name}"
    if len(earlier) >= jpa:
        others = ", ".join(name for name, _ in earlier)
        return f"{where}: more judges than judges_per_aspect ({jpa}); the others: {others}"
    return None


def _is_number(value: object) -> bool:
    return type(value) is int or (type(value) is Decimal and value.is_finite())


def _show(value: object) -> str:
    return str(value) if _is_number(value) else quote(value)
