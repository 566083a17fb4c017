"""Totals per competitor (docs/rules.md section 3), from the grids of `aspects.collect_marks`."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import and_, is_not, mul

from .aspects import DISPUTE, TOO_MANY, SchemeIndex, first_error
from .model import Dispute, SkillInput


@dataclass(slots=True)
class Tally:
    """One competitor's exact figures, as integers over the skill's common denominators:
    total and criteria in 1/index.unit, max_marked in 10^-index.places."""

    total: int
    max_marked: int
    criteria: list[int]
    pending: int
    disputed: int

    @property
    def complete(self) -> bool:
        return self.pending == 0 and self.disputed == 0


def tally(skill: SkillInput, index: SchemeIndex, m_grid: list,
          j_grid: list[int]) -> tuple[list[Tally], list[Dispute]]:
    """One Tally per competitor (in input order), and the J aspects in dispute.

    Whole grids are turned into J marks and "counted" flags with map() at C speed; each
    competitor's row then sums per criterion with compress() and filter()."""
    fields = index.fields
    n_m, n_j = len(index.m_codes), len(index.j_codes)
    n_competitors = len(index.competitors)
    states = list(map(fields.state.__getitem__, map(and_, j_grid, repeat(fields.score_mask))))
    if TOO_MANY in states:
        raise first_error(skill, index)
    j_counted = list(map((0).__le__, states))  # a sum of scores, not PENDING nor DISPUTE
    j_marks = list(map(mul, index.j_max * n_competitors, states))  # junk where not counted
    m_counted = list(map(is_not, m_grid, repeat(None)))

    disputes = []
    disputed = [0] * n_competitors
    k = -1
    while True:
        try:
            k = states.index(DISPUTE, k + 1)
        except ValueError:
            break
        c, a = divmod(k, n_j)
        disputed[c] += 1
        disputes.append(Dispute(index.j_codes[a], index.competitors[c],
                                tuple(fields.scores(j_grid[k]))))

    tallies = []
    for c in range(n_competitors):
        m0, j0 = c * n_m, c * n_j
        criteria = [
            sum(filter(None, m_grid[m0 + m_lo:m0 + m_hi]))
            + sum(compress(j_marks[j0 + j_lo:j0 + j_hi], j_counted[j0 + j_lo:j0 + j_hi]))
            for m_lo, m_hi, j_lo, j_hi in index.spans
        ]
        m_row, j_row = m_counted[m0:m0 + n_m], j_counted[j0:j0 + n_j]
        max_marked = sum(compress(index.m_max, m_row)) + sum(compress(index.j_max, j_row))
        uncounted = m_row.count(False) + j_row.count(False)
        tallies.append(Tally(sum(criteria), max_marked, criteria, uncounted - disputed[c],
                             disputed[c]))
    return tallies, disputes

