"""A skill's standings kept up to date mark by mark, for the live path (docs/design.md).

`evaluate_skill` reads every mark of a skill on each call (tens of thousands on a large skill).
`SkillStandings` reads them once, then takes one mark at a time:

* It keeps each cell as it stands: an M cell's mark (in 1/unit, the common denominator of
  `aspects.SchemeIndex`), a J cell's scores by judge. A new mark changes one cell; its state
  before and after (`aspects.judgement_state`, the rule itself) moves one competitor's exact
  `totals.Tally` — total, max_marked, the criterion's sum, pending and disputed counts — by
  the difference. O(1) per mark.
* `result()` hands the tallies to `evaluate.skill_result`, the very code `evaluate_skill` ends
  with (groups, scale, ranking, medals): linear in the competitors, never in the marks.

Marks are checked like the batch rules check them (`aspects.mark_error`), before anything
changes: a refused mark leaves the standings as they were. Not thread-safe: one writer at a
time (the caller holds a lock), as for any mutable object.
"""

from __future__ import annotations

from dataclasses import replace

from .aspects import (
    SchemeIndex,
    allowed_marks,
    collect_marks,
    judgement_state,
    mark_error,
)
from .errors import RulesInputError, quote
from .evaluate import skill_result
from .model import AspectState, Dispute, Mark, SkillInput, SkillResult
from .totals import Tally, tally

# A cell's part in its competitor's tally: its mark in 1/unit when counted (an int, which an
# M aspect with negative allowed values may make negative), _PENDING or _IN_DISPUTE.
_PENDING = None
_IN_DISPUTE = object()


class SkillStandings:
    """One skill's results, kept up to date as marks are set, corrected and withdrawn.

    Built from a SkillInput (checked like `evaluate_skill`, with the same errors). At any
    time `result()` equals `evaluate_skill` on the same scheme and competitors holding the
    current marks. `apply` and `remove` cost O(1); `result` costs O(competitors × criteria)
    and is cached until the next change."""

    def __init__(self, skill: SkillInput) -> None:
        index = SchemeIndex(skill)
        m_grid, j_grid = collect_marks(skill, index)
        tallies, disputes = tally(skill, index, m_grid, j_grid)
        # The marks live in the cells from now on; the rest of the input is read by result().
        self._skill = replace(skill, marks=())
        self._index = index
        self._jpa = skill.policy.judges_per_aspect
        self._allowed = allowed_marks(skill)
        self._aspect_at = index.aspect_at
        self._m_row, self._j_row = index.m_row, index.j_row
        self._n_j = len(index.j_codes)
        self._m_crit = [0] * len(index.m_codes)  # aspect → its criterion's position
        self._j_crit = [0] * len(index.j_codes)
        for ci, (m_lo, m_hi, j_lo, j_hi) in enumerate(index.spans):
            self._m_crit[m_lo:m_hi] = [ci] * (m_hi - m_lo)
            self._j_crit[j_lo:j_hi] = [ci] * (j_hi - j_lo)
        self._tallies: list[Tally] = tallies
        self._m_cells: list[int | None] = m_grid  # competitor-major, as in SchemeIndex
        self._j_cells: list[dict[str, int]] = [{} for _ in j_grid]  # judge → score
        aspect_at, j_row, j_cells = self._aspect_at, self._j_row, self._j_cells
        for aspect, competitor, judge, value in skill.marks:
            is_j, a, scores = aspect_at[aspect]
            if is_j:
                j_cells[j_row[competitor] + a][judge] = scores[value]
        self._disputed = {j_row[d.competitor] + aspect_at[d.aspect][1] for d in disputes}
        self._result: SkillResult | None = None

    def apply(self, mark: Mark) -> None:
        """Set or replace one mark: an M mark is the value of (aspect, competitor) (its judge
        is not read); a J mark the score of (aspect, competitor, judge). Raises
        RulesInputError, leaving the standings unchanged, for a mark the rules refuse
        (unknown aspect or competitor, a value not allowed, no judge on a J mark, one judge
        more than judges_per_aspect)."""
        aspect, competitor, judge, value = mark
        try:
            is_j, a, values = self._aspect_at[aspect]
            if is_j:
                if type(judge) is not str:
                    raise KeyError(judge)
                k = self._j_row[competitor] + a
                score = values[value]
            else:
                k = self._m_row[competitor] + a
                units = values[value]
        except (KeyError, TypeError):
            raise self._refused(mark, []) from None
        if is_j:
            scores = self._j_cells[k]
            if judge not in scores and len(scores) >= self._jpa:
                raise self._refused(mark, [(f"judge {quote(j)}", j) for j in scores])
            self._set_judged(k, a, judge, score)
        else:
            self._set_measured(k, a, units)

    def remove(self, aspect: str, competitor: str, judge: str | None = None) -> None:
        """Withdraw one mark: the M mark of (aspect, competitor), or the J score of (aspect,
        competitor, judge); the cell is pending again. Withdrawing a mark that is not there
        changes nothing. Raises RulesInputError for an unknown aspect or competitor, or a J
        aspect without a judge."""
        try:
            is_j, a, _ = self._aspect_at[aspect]
            if is_j:
                if type(judge) is not str:
                    raise KeyError(judge)
                k = self._j_row[competitor] + a
            else:
                k = self._m_row[competitor] + a
        except (KeyError, TypeError):
            known = self._aspect_at.get(aspect) if isinstance(aspect, str) else None
            is_j = known is not None and known[0]
            # a stand-in value that any J aspect accepts: the fault lies before the value
            raise self._refused(Mark(aspect, competitor, judge if is_j else None, 0),
                                []) from None
        if is_j:
            if judge in self._j_cells[k]:
                self._set_judged(k, a, judge, None)
        elif self._m_cells[k] is not None:
            self._set_measured(k, a, None)

    def result(self) -> SkillResult:
        """The skill's results now: equal to `evaluate_skill` on the current marks."""
        if self._result is None:
            index = self._index
            disputes = []
            for k in self._disputed:
                c, a = divmod(k, self._n_j)
                disputes.append(Dispute(index.j_codes[a], index.competitors[c],
                                        tuple(sorted(self._j_cells[k].items()))))
            self._result = skill_result(self._skill, index, self._tallies, disputes)
        return self._result

    # --- one cell --------------------------------------------------------------------------

    def _set_measured(self, k: int, a: int, units: int | None) -> None:
        c = k // len(self._index.m_codes)
        maximum = self._index.m_max[a]
        self._move(c, self._m_crit[a], maximum, self._m_cells[k], units)
        self._m_cells[k] = units

    def _set_judged(self, k: int, a: int, judge: str, score: int | None) -> None:
        scores = self._j_cells[k]
        before = self._judged(a, scores)
        if score is None:
            del scores[judge]
        else:
            scores[judge] = score
        after = self._judged(a, scores)
        if after is _IN_DISPUTE:
            self._disputed.add(k)
        else:
            self._disputed.discard(k)
        self._move(k // self._n_j, self._j_crit[a], self._index.j_max[a], before, after)

    def _judged(self, a: int, scores: dict[str, int]) -> object:
        """A J cell's part in the tally, by the rule of docs/rules.md section 2."""
        state = judgement_state(tuple(scores.values()), self._jpa)
        if state is AspectState.COUNTED:
            # max × sum / (3 × judges) in 1/unit, as in SchemeIndex: (max × 10^places) × sum
            return self._index.j_max[a] * sum(scores.values())
        return _IN_DISPUTE if state is AspectState.DISPUTE else _PENDING

    def _move(self, c: int, criterion: int, maximum: int, before: object, after: object) -> None:
        """Competitor c's tally, with one cell's part `before` taken out and `after` put in."""
        t = self._tallies[c]
        for part, sign in ((before, -1), (after, 1)):
            if part is _PENDING:
                t.pending += sign
            elif part is _IN_DISPUTE:
                t.disputed += sign
            else:
                t.total += sign * part
                t.criteria[criterion] += sign * part
                t.max_marked += sign * maximum
        self._result = None

    def _refused(self, mark: Mark, earlier: list[tuple[str, str | None]]) -> RulesInputError:
        error = mark_error(mark, self._index, self._allowed, earlier, self._jpa)
        if error is None:
            raise AssertionError(f"the mark was refused, mark_error found nothing wrong: {mark}")
        return RulesInputError(error)
