"""The Kazakh personal number (ИИН / ЖСН): 12 digits, checked part by part (docs/people.md).

    digits 1–6   the birth date, YYMMDD
    digit 7      the century and sex: 1/2 → 1800s, 3/4 → 1900s, 5/6 → 2000s (odd: male)
    digits 8–11  a serial number
    digit 12     the check digit: weights 1..11 over the first 11 digits, the sum mod 11; if
                 that is 10, weights 3, 4, …, 11, 1, 2, mod 11; if again 10 the number is invalid

`check_iin(text)` returns what the number says (its birth date and sex) or raises IinError
naming the part that is wrong ("format", "date", "century", "check"). Pure: no Flask, no
database; the messages are the form's (forms call it and translate `part`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURIES = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


class IinError(ValueError):
    """An IIN that is wrong; `part` says where: format, date, century or check."""

    def __init__(self, part: str, detail: str = ""):
        self.part = part
        self.detail = detail
        super().__init__(f"{part}: {detail}" if detail else part)


@dataclass(frozen=True)
class Iin:
    number: str
    birth_date: date
    sex: str  # "male" or "female"


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11, or None when no check digit exists (the number is invalid)."""
    digits = [int(d) for d in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        value = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if value != 10:
            return value
    return None


def check_iin(text: str) -> Iin:
    number = (text or "").strip()
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise IinError("format", number)
    century = CENTURIES.get(number[6])
    if century is None:
        raise IinError("century", number[6])
    try:
        born = date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        raise IinError("date", number[:6]) from None
    expected = check_digit(number[:11])
    if expected is None or expected != int(number[11]):
        raise IinError("check", number[11])
    return Iin(number, born, "male" if int(number[6]) % 2 else "female")


def make_iin(born: date, sex: str = "male", serial: int = 1) -> str:
    """A valid IIN for `born` (tests, demo data): the first serial from `serial` that has a
    check digit."""
    digit = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100] + (0 if sex == "male" else 1)
    while True:
        first = f"{born:%y%m%d}{digit}{serial:04d}"
        check = check_digit(first)
        if check is not None:
            return first + str(check)
        serial += 1
