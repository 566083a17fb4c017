"""Scale scores (docs/rules.md section 5).

The WorldSkills-scale formulas are our documented approximation; the official CIS formula is
not published (docs/rules.md says so).

With exact totals t = N / unit over a basis of n totals with sum S, the population standard
deviation is sd = √Q / (n·unit), where Q = n·ΣN² − S² is an integer. So
    ws500: 500 + 20·(t − mean)/sd   = 500 + 20·(n·N − S)/√Q
    ws700: 700 + 20·(t − median)/sd = 700 + 10·n·(2N − M2)/√Q,   M2 = 2·median·unit
and the only inexact step is √Q (and one division), done in 60-digit decimal arithmetic.
When the exact score is a half (k + 0.5), √Q is a whole number and both steps are exact, so
rounding half-up is never misled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

from .exact import half_up

CENTRES = {"ws500": 500, "ws700": 700}
_CONTEXT = Context(prec=60)
_ONE = Decimal(1)

Scorer = Callable[[int], Decimal]


def scorer(scale: str, basis: Sequence[int], unit: int) -> Scorer:
    """The score of a total N/unit in a group whose basis totals are basis[i]/unit.

    raw: the total rounded half-up to 2 decimals; ws500/ws700: an integer."""
    if scale == "raw":
        return lambda total: Decimal(half_up(total, unit, 2)).scaleb(-2, _CONTEXT)
    centre = CENTRES[scale]
    n = len(basis)
    s = sum(basis)
    q = n * sum(x * x for x in basis) - s * s
    if n < 2 or q == 0:
        constant = Decimal(centre)
        return lambda total: constant
    root = _CONTEXT.sqrt(Decimal(q))
    if scale == "ws500":
        def ws500(total: int) -> Decimal:
            return _round(Decimal(20 * (n * total - s)), root, centre)
        return ws500
    ordered = sorted(basis)
    middle = n // 2
    m2 = 2 * ordered[middle] if n % 2 else ordered[middle - 1] + ordered[middle]

    def ws700(total: int) -> Decimal:
        return _round(Decimal(10 * n * (2 * total - m2)), root, centre)
    return ws700


def _round(numerator: Decimal, root: Decimal, centre: int) -> Decimal:
    exact = _CONTEXT.add(centre, _CONTEXT.divide(numerator, root))
    return exact.quantize(_ONE, rounding=ROUND_HALF_UP, context=_CONTEXT)
