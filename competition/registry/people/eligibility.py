"""Who may compete by age (docs/people.md, "Eligibility"): the age rules as data, their
defaults per kind of championship, a competitor's age on the reference date and the verdict.

A rule set (Championship.age_rules, Skill.age_rules, or the kind's default below) is

    {"on": "year_end" | "first_day" | "YYYY-MM-DD",   # the date the age is counted on
     "min": 14 | None, "max": 22 | None,              # inclusive; None: no limit
     "categories": {"students": {"min": 15, "max": 30}, …}}   # per category, optional

A skill's rules override the championship's key by key (a skill of juniors: {"min": 14,
"max": 16}); a category's limits override the general ones. A team's members are each held to
the team's limits. Nothing here writes: the verdict is a warning for the organizer, who may
accept an exception with a reason (service/eligibility).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ...vocabulary import ChampionshipKind

YEAR_END, FIRST_DAY = "year_end", "first_day"
AGE_LIMITS = (10, 100)  # what a limit may be
EARLIEST_BIRTH = date(1900, 1, 1)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The defaults of each kind of championship, the one place they are defined (docs/people.md):
# - WorldSkills regional championships in Kazakhstan: at most 22 years old in the year of the
#   championship (the age on 31 December); no lower limit (a skill of juniors sets its own).
# - Abilympics: 14 and over on the first day; schoolchildren 14–18, students 15–30,
#   specialists 18 and over.
DEFAULT_AGE_RULES: dict[str, dict] = {
    ChampionshipKind.WORLDSKILLS: {"on": YEAR_END, "min": None, "max": 22, "categories": {}},
    ChampionshipKind.ABILYMPICS: {
        "on": FIRST_DAY, "min": 14, "max": None,
        "categories": {"schoolchildren": {"min": 14, "max": 18},
                       "students": {"min": 15, "max": 30},
                       "specialists": {"min": 18, "max": None}}},
}


def default_rules(kind: str) -> dict:
    return DEFAULT_AGE_RULES.get(kind, DEFAULT_AGE_RULES[ChampionshipKind.WORLDSKILLS])


def championship_rules(championship) -> dict:
    """The championship's own rules, or its kind's defaults."""
    return championship.age_rules or default_rules(championship.kind)


@dataclass(frozen=True)
class Limits:
    on: str
    min: int | None
    max: int | None

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min}–{self.max}"
        if self.min is not None:
            return f"{self.min}+"
        if self.max is not None:
            return f"≤ {self.max}"
        return "—"


def limits_for(skill, category: str | None) -> Limits:
    """The limits that apply to a competitor of `skill` in `category` (skill over championship,
    category over general)."""
    base = championship_rules(skill.championship)
    own = skill.age_rules or {}
    merged = {"on": base.get("on") or YEAR_END, "min": base.get("min"), "max": base.get("max")}
    layers = [(base.get("categories") or {}).get(category or "") or {},
              {k: own[k] for k in ("on", "min", "max") if k in own},
              (own.get("categories") or {}).get(category or "") or {}]
    for layer in layers:
        merged.update({k: layer[k] for k in ("on", "min", "max") if k in layer})
    return Limits(merged["on"] or YEAR_END, merged["min"], merged["max"])


def reference_date(on: str, championship, today: date | None = None) -> date:
    """The date ages are counted on: 31 December of the championship's year, its first day, or
    a date given. Without a first day the current year / today stands in."""
    first = championship.starts_on or today or date.today()
    if on == FIRST_DAY:
        return first
    if on and ISO_DATE.match(on):
        return date.fromisoformat(on)
    return date(first.year, 12, 31)


def age_on(born: date, day: date) -> int:
    """Full years on `day`. Born on 29 February: a year older on 1 March of a common year."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Verdict:
    status: str              # "eligible", "too_young", "too_old", "no_birth_date"
    limits: Limits
    day: date
    age: int | None = None

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def excluded(self) -> bool:
        """The age rules exclude the person (not merely unknown: no birth date)."""
        return self.status in ("too_young", "too_old")


def _limits_and_day(competitor, today: date | None) -> tuple[Limits, date]:
    skill = competitor.skill
    limits = limits_for(skill, competitor.category)
    return limits, reference_date(limits.on, skill.championship, today)


def verdict(competitor, today: date | None = None) -> Verdict:
    limits, day = _limits_and_day(competitor, today)
    return judge(competitor.birth_date, limits, day)


def member_verdicts(competitor, today: date | None = None) -> list[tuple[object, Verdict]]:
    """Each member of a team, in order, with their verdict: a member is held to the team's
    limits (its skill and category) on the same day."""
    limits, day = _limits_and_day(competitor, today)
    return [(member, judge(member.birth_date, limits, day)) for member in competitor.members]


def judge(born: date | None, limits: Limits, day: date) -> Verdict:
    if born is None:
        return Verdict("no_birth_date", limits, day)
    age = age_on(born, day)
    if limits.min is not None and age < limits.min:
        return Verdict("too_young", limits, day, age)
    if limits.max is not None and age > limits.max:
        return Verdict("too_old", limits, day, age)
    return Verdict("eligible", limits, day, age)


# --- checking a rule set an organizer typed ------------------------------------------------------

def rule_problems(rules: dict | None, known_categories) -> list[tuple[str, str, dict]]:
    """What is wrong with a rule set: [(field, problem key, details)]; the form words them.
    Problem keys: "on", "range", "order", "category"."""
    if not rules:
        return []
    problems: list[tuple[str, str, dict]] = []
    on = rules.get("on")
    if on not in (None, YEAR_END, FIRST_DAY) and not _is_date(on):
        problems.append(("on", "on", {"value": on}))
    groups = [("", rules)] + list((rules.get("categories") or {}).items())
    for key, group in groups:
        if key and key not in known_categories:
            problems.append(("categories", "category", {"key": key}))
            continue
        low, high = group.get("min"), group.get("max")
        for value in (low, high):
            if value is not None and not AGE_LIMITS[0] <= value <= AGE_LIMITS[1]:
                problems.append(("categories" if key else "min", "range",
                                 {"key": key, "value": value}))
        if low is not None and high is not None and low > high:
            problems.append(("categories" if key else "max", "order",
                             {"key": key, "min": low, "max": high}))
    return problems


def _is_date(text) -> bool:
    if not isinstance(text, str) or not ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
