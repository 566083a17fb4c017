"""Exact numbers: reading them without floats, and rounding half-up only at output."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from .errors import RulesInputError, quote

_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# Scheme numbers (max, allowed values, margins) beyond this are surely a mistake, and would
# make the exact integer arithmetic needlessly slow.
_MAX_DIGITS = 24
_MAX_PLACES = 12


def to_number(value: object) -> int | Decimal:
    """A JSON number or decimal string as an exact int or Decimal; never a float's error.

    Floats (from a json.loads without parse_float=Decimal) are read by their shortest repr,
    which is the text the JSON held for any reasonable mark."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[return-value]
    if kind is Decimal:
        if value.is_finite():  # type: ignore[union-attr]
            return value  # type: ignore[return-value]
    elif kind is str:
        text = value.strip()  # type: ignore[union-attr]
        if _DECIMAL_TEXT.fullmatch(text):
            return Decimal(text)
    elif kind is float and value == value and value not in (float("inf"), float("-inf")):
        return Decimal(repr(value))
    raise RulesInputError(f"{quote(value)} is not a number")


def to_scheme_decimal(value: object) -> Decimal:
    """A number of the scheme or policy, with a sanity bound on its size and decimals."""
    number = Decimal(to_number(value))
    places = decimal_places(number)
    if places > _MAX_PLACES or abs(number) >= 10**_MAX_DIGITS:
        raise RulesInputError(
            f"{number} is out of range (at most {_MAX_PLACES} decimals, below 10^{_MAX_DIGITS})"
        )
    return number


def to_whole(value: object) -> int:
    """A count (judges_per_aspect, medal_min_field): 3, 3.0 and "3" are 3."""
    number = to_number(value)
    if type(number) is int:
        return number
    if number == number.to_integral_value():  # type: ignore[union-attr]
        return int(number)
    raise RulesInputError(f"{quote(value)} is not a whole number")


def decimal_places(number: Decimal | int) -> int:
    """The decimals a number needs: 1.50 → 1, 100 → 0 (exact, whatever the context)."""
    if isinstance(number, int):
        return 0
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    places = -exponent
    for digit in reversed(digits):
        if places <= 0 or digit:
            break
        places -= 1
    return max(0, places)


def scaled(number: Decimal | int, places: int) -> int:
    """number × 10^places as an int; exact (the caller chose `places` ≥ its decimals)."""
    if isinstance(number, int):
        return number * 10**places
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    whole = int("".join(map(str, digits)) or "0")
    shift = exponent + places
    if shift < 0:
        whole, rest = divmod(whole, 10**-shift)
        assert rest == 0, (number, places)
    else:
        whole *= 10**shift
    return -whole if sign else whole


def half_up(numerator: int, denominator: int, places: int) -> int:
    """numerator/denominator rounded half-up (half away from zero, like ROUND_HALF_UP) to
    `places` decimals, as a count of 10^-places."""
    q, r = divmod(abs(numerator) * 10**places, denominator)
    if 2 * r >= denominator:
        q += 1
    return -q if numerator < 0 else q


def fixed(units: int, places: int) -> str:
    """A count of 10^-places as text: fixed(8325, 2) == "83.25"."""
    sign = "-" if units < 0 else ""
    whole, part = divmod(abs(units), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"


def fraction_text(value: Fraction, places: int = 2) -> str:
    """An exact rational rounded half-up to `places` decimals: Fraction(10, 9) → "1.11"."""
    return fixed(half_up(value.numerator, value.denominator, places), places)


def decimal_text(value: Decimal, places: int = 2) -> str:
    return fraction_text(Fraction(value), places)
