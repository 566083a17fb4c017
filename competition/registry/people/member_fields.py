"""A team's members on the competitor form and in the import (docs/people.md, docs/imports.md):
their names in each language, one a line or separated by ";", and — in the same order — each
member's birth date ("31.12.2007; 2008-01-15", "-" for one not known) and consent to show the
full name ("yes; no"; empty: no for every member).

The birth dates take the competitor's formats (31.12.2007, 31/12/2007, 2007-12-31; an Excel date
cell is one date) and are refused for the same reasons (in the future, before 1900, not a date),
each message naming the member: "Member 2 (Петров Пётр): The birth date 01.01.2099 is in the
future." Whether a member is eligible by age is only a warning (.eligibility).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.utils import unset_value

from ...models.base import pick_translation
from .fields import BaseForm, nfc, no_bidi_controls, no_control_characters, strip
from .personal_fields import (
    birth_date_problem,
    consent_text,
    not_a_consent_text,
    not_a_date_text,
    parse_birth_date,
    parse_consent,
)

LANGUAGES = ("ru", "kk", "en")
MEMBER_SEPARATOR = re.compile(r"[;\n]")
NONE = ("-", "–", "—")  # an entry for a member without a value


def split_members(text: str | None) -> list[str]:
    return [part.strip() for part in MEMBER_SEPARATOR.split(text or "") if part.strip()]


def split_entries(text: str | None) -> list[str]:
    """One entry per member, in order: "" for a member without one (an empty entry between two
    separators, or "-"); empty entries at the end are left off ("a; b;" is two)."""
    parts = [part.strip() for part in MEMBER_SEPARATOR.split(text or "")]
    while parts and not parts[-1]:
        parts.pop()
    return ["" if part in NONE else part for part in parts]


def entries_text(values: list, show: Callable, separator: str = "; ") -> str:
    """Values per member as typed back: "-" for a member without one; "" when none has one."""
    if not any(values):
        return ""
    return separator.join("-" if value is None else show(value) for value in values)


class PerMemberField(TextAreaField):
    """One value per team member, in the members' order (split_entries). `data` is the list of
    values (None for a member without one); `wrong` the entries `parse` refused, as (index,
    text), for the form to word with the member's name."""

    def __init__(self, label=None, validators=None, parse=None, show=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse, self.show = parse, show
        self.wrong: list[tuple[int, str]] = []

    def process_data(self, value):
        self.data = [] if value is None or value is unset_value else list(value)

    def process_formdata(self, valuelist):
        self.wrong = []
        if not valuelist:
            return
        values = []
        for index, entry in enumerate(split_entries(str(valuelist[0]))):
            try:
                values.append(self.parse(entry) if entry else None)
            except ValueError:
                values.append(None)
                self.wrong.append((index, entry))
        self.data = values

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return entries_text(self.data or [], self.show, "\n")


def member_problem(n: int, name: str, problem: str) -> str:
    """A message about the n-th member (from 1), naming them."""
    return _("Member %(n)d (%(name)s): %(problem)s", n=n, name=name or "—", problem=problem)


def member_name(member: dict) -> str:
    """A member of members_from() by their name in the reader's language (else another)."""
    return pick_translation({lang: member.get(lang) for lang in LANGUAGES})


def _date_text(day) -> str:
    return day.strftime("%d.%m.%Y")


class TeamMemberFields(BaseForm):
    """The members of CompetitorForm (a mixin; the field names are import columns). The form
    says how many members a team has (`team_size`)."""

    members_ru = TextAreaField(_l("Team members (Russian)"), filters=[strip, nfc],
                               validators=[no_control_characters, no_bidi_controls])
    members_kk = TextAreaField(_l("Team members (Kazakh)"), filters=[strip, nfc],
                               validators=[no_control_characters, no_bidi_controls])
    members_en = TextAreaField(_l("Team members (English)"), filters=[strip, nfc],
                               validators=[no_control_characters, no_bidi_controls])
    members_birth_dates = PerMemberField(
        _l("Members' birth dates"), parse=parse_birth_date, show=_date_text,
        description=_l("In the order of the names, one a line or separated by “;”, e.g. "
                       "31.12.2007; “-” for a member whose date is not known. Decides each "
                       "member's eligibility by age and whether public pages shorten the "
                       "name of a minor."))
    members_consent = PerMemberField(
        _l("Members' consent to show their full names"), parse=parse_consent, show=consent_text,
        description=_l("yes or no for each member, in the order of the names (also да/нет, "
                       "иә/жоқ): recorded consent (of the parents for a minor) to show the "
                       "full name on public pages. Empty: no for every member."))

    team_size: int

    def _member_label(self, index: int) -> str:
        names = {lang: split_members(getattr(self, f"members_{lang}").data)
                 for lang in LANGUAGES}
        return pick_translation({lang: found[index] if index < len(found) else ""
                                 for lang, found in names.items()})

    def _member_error(self, field, index: int, problem: str) -> None:
        field.errors = [*field.errors, member_problem(index + 1, self._member_label(index),
                                                      problem)]

    def _check_member_names(self) -> bool:
        ok = True
        lists = {lang: split_members(getattr(self, f"members_{lang}").data)
                 for lang in LANGUAGES}
        size = self.team_size
        for lang, members in lists.items():
            field = getattr(self, f"members_{lang}")
            if size <= 1 and members:
                field.errors = [*field.errors, _(
                    "This skill is for individual competitors; leave the team members empty.")]
                ok = False
            elif size > 1 and members and len(members) != size:
                field.errors = [*field.errors, _(
                    "Team members in this skill: %(size)d; given: %(count)d (separate the names "
                    "with “;”).", size=size, count=len(members))]
                ok = False
        if size > 1 and not any(lists.values()):
            self.members_ru.errors = [*self.members_ru.errors, _(
                "Team members in this skill: %(size)d; give their names in at least one "
                "language, separated by “;”.", size=size)]
            ok = False
        return ok

    def _check_per_member(self, field, wrong_text: Callable[[str], str],
                          problem: Callable | None = None) -> bool:
        values, size = field.data or [], self.team_size
        if not values:
            return True
        if size <= 1:
            field.errors = [*field.errors, _(
                "This skill is for individual competitors; leave the team members empty.")]
            return False
        if len(values) != size:
            field.errors = [*field.errors, _(
                "Team members in this skill: %(size)d; given: %(count)d (one for each member, "
                "in the order of their names, separated by “;”; “-” for a member without one).",
                size=size, count=len(values))]
            return False
        for index, text in field.wrong:
            self._member_error(field, index, wrong_text(text))
        for index, value in enumerate(values):
            found = problem(value) if problem is not None else None
            if found:
                self._member_error(field, index, found)
        return not field.errors

    def _check_members(self) -> bool:
        names = self._check_member_names()
        dates = self._check_per_member(self.members_birth_dates, not_a_date_text,
                                       birth_date_problem)
        consent = self._check_per_member(self.members_consent, not_a_consent_text)
        return names and dates and consent


def members_from(data: dict) -> list[dict]:
    """The team members of a form's data as [{"ru", "kk", "en", "birth_date",
    "name_consent"}, …] in order."""
    lists = {lang: split_members(data.get(f"members_{lang}")) for lang in LANGUAGES}
    count = max((len(v) for v in lists.values()), default=0)
    dates = list(data.get("members_birth_dates") or [])
    consent = list(data.get("members_consent") or [])
    return [{**{lang: (lists[lang][i] if i < len(lists[lang]) else "") for lang in lists},
             "birth_date": dates[i] if i < len(dates) else None,
             "name_consent": bool(consent[i]) if i < len(consent) else False}
            for i in range(count)]
