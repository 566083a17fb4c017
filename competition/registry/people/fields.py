"""The fields and checks every registry form shares: choices typed as a word in any of the three
languages (`ChoiceField`), codes, names (no invisible control or direction characters, stored
in NFC), a form that also validates outside a request (`BaseForm`, for the rows of an import)
and its messages as plain strings (`error_messages`).

Used by the people forms (.forms), the account, award and document forms, the hall screens and
the command line; the people pages' own forms and their labels are in .forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, ValidationError

from ...extensions import db
from ...models import Competitor

CODE_MAX = 32

# Words accepted for a key besides the key itself (compared case-insensitively).
ALIASES = {
    "college": ("колледж", "college"),
    "enterprise": ("предприятие", "кәсіпорын", "enterprise", "company"),
    "school": ("школа", "мектеп", "school"),
    "university": ("университет", "вуз", "university"),
    "other": ("другое", "другая", "басқа", "other"),
    "active": ("активный", "участвует", "белсенді", "active"),
    "guest": ("гость", "қонақ", "guest", "вне конкурса"),
    "withdrawn": ("снят", "выбыл", "шықты", "withdrawn"),
    "disqualified": ("дисквалифицирован", "дисквалификация", "дисквалификацияланды",
                     "disqualified"),
    "chief": ("главный эксперт", "главный", "бас сарапшы", "chief expert", "chief"),
    "deputy": ("заместитель", "заместитель главного эксперта", "бас сарапшының орынбасары",
               "орынбасар", "deputy chief expert", "deputy"),
    "expert": ("эксперт", "сарапшы", "expert"),
    "independent": ("независимый эксперт", "независимый", "тәуелсіз сарапшы", "тәуелсіз",
                    "independent expert", "independent"),
    "schoolchildren": ("школьники", "мектеп оқушылары", "schoolchildren"),
    "students": ("студенты", "студенттер", "students"),
    "specialists": ("специалисты", "мамандар", "specialists"),
}


def normalize_choice(value, keys) -> str:
    """The key a typed value stands for ("" stays ""; an unknown word comes back as typed)."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    folded = text.casefold()
    for key in keys:
        if folded == key.casefold() or folded in ALIASES.get(key, ()):
            return key
    return text


def strip(value):
    """Surrounding spaces off; a missing value becomes "" (rows of an import lack columns)."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


class ChoiceField(SelectField):
    """A select whose value may also be typed as a word in any of the three languages.

    An empty value becomes `default` (if any); an unknown one is refused with the list of
    accepted keys, which is what a person fixing a spreadsheet needs to read.
    """

    def __init__(self, label=None, validators=None, keys=(), labels=None, required=True,
                 words=None, **kwargs):
        # `words`: a word list of competition/vocabulary.py, giving both keys and labels
        self.keys = tuple(words.keys() if words else keys)
        self.labels = words.labels() if words else (labels or {})
        self.required = required
        super().__init__(label, validators, choices=self.options(), validate_choice=False,
                         **kwargs)

    def options(self) -> list[SelectChoice]:
        choices = [SelectChoice(key, self.labels.get(key, key)) for key in self.keys]
        if not self.required or not self.keys:
            choices.insert(0, SelectChoice("", _l("— none —")))
        return choices

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.data is None:
            self.data = self.default or ""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = normalize_choice(valuelist[0], self.keys) or (self.default or "")

    def pre_validate(self, form):
        value = self.data or ""
        if not value:
            if self.required:
                raise ValidationError(
                    _("Choose one of: %(keys)s.", keys=", ".join(self.keys)))
            return
        if self.keys and value not in self.keys:
            raise ValidationError(_("“%(value)s” is not allowed here; expected one of: %(keys)s.",
                                     value=value, keys=", ".join(self.keys)))


def code_field(label, required: bool = True) -> StringField:
    validators = [Length(max=CODE_MAX, message=_l("At most %(max)d characters.", max=CODE_MAX))]
    if required:
        validators.insert(0, DataRequired(message=_l("A code is required.")))
    return StringField(label, validators=validators, filters=[strip])


def validate_code_text(value: str | None) -> None:
    if value and re.search(r"\s", value):
        raise ValidationError(_("A code may not contain spaces; use letters, digits, "
                                 "“-” or “_”."))


# C0/C1 control characters and DEL: invisible, in no one's name, and refused downstream (NUL by
# PostgreSQL, all of them by the XML of .xlsx exports). Tab and line breaks are whitespace the
# fields strip or team lists split on. Zero-width joiners and emoji are kept as typed; bidi
# controls: below.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(_form, field) -> None:
    found = CONTROL_CHARACTERS.search(field.data or "")
    if found:
        raise ValidationError(_("Remove the invisible control character %(char)s (often pasted "
                                "from another program): a name holds letters, digits, spaces "
                                "and punctuation.", char=f"U+{ord(found.group()):04X}"))


# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible, they
# reorder the text after them on a page, a PDF or a spreadsheet, so a name could read as another
# ("Trojan Source"). No Kazakh, Russian or English name needs them. The marks that only hint a
# direction (LRM U+200E, RLM U+200F, ALM U+061C) stay allowed, like zero-width joiners and
# combining marks: a name is stored in NFC (`nfc`), so a "й" typed as "и" + U+0306 is one letter.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_control_problem(text: str | None) -> str | None:
    """What to tell the person who typed `text` if it holds a bidi control, else None."""
    found = BIDI_CONTROLS.search(text or "")
    if found is None:
        return None
    char = found.group()
    return _("Remove the invisible direction control %(char)s (%(name)s), character %(position)s "
             "of the text: it reorders the letters around it, so the name would not read as "
             "typed.", char=f"U+{ord(char):04X}", name=unicodedata.name(char),
             position=found.start() + 1)


def no_bidi_controls(_form, field) -> None:
    problem = bidi_control_problem(field.data)
    if problem:
        raise ValidationError(problem)


def nfc(value):
    """A name in Unicode's composed form (NFC): the same letters typed either way compare, sort
    and search alike."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def name_fields(label_ru, label_kk, label_en):
    length = Length(max=500, message=_l("At most %(max)d characters.", max=500))
    checks = [length, no_control_characters, no_bidi_controls]
    return (StringField(label_ru, validators=checks, filters=[strip, nfc]),
            StringField(label_kk, validators=checks, filters=[strip, nfc]),
            StringField(label_en, validators=checks, filters=[strip, nfc]))


@contextmanager
def report_locale() -> Iterator[None]:
    """Messages in the request's language; outside a request (the command line, a worker) in the
    locale the caller forced with flask_babel.force_locale, else in the default one."""
    try:
        get_locale()
    except RuntimeError:  # no request to choose a language from
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")):
            yield
        return
    yield


class BaseForm(FlaskForm):
    """Validation that also works outside a request (rows of an import)."""

    def validate(self, extra_validators=None):
        with report_locale():
            ok = super().validate(extra_validators)
            return self.check_form() and ok

    def check_form(self) -> bool:
        """Rules over several fields; add messages to field.errors and return False."""
        return True


class NamesForm(BaseForm):
    """At least one of name_ru / name_kk / name_en (a form-level rule, shown on name_ru)."""

    def check_form(self) -> bool:
        return self._check_names()

    def _check_names(self) -> bool:
        if any((getattr(self, f"name_{lang}").data or "").strip() for lang in ("ru", "kk", "en")):
            return True
        self.name_ru.errors = [*self.name_ru.errors, _(
            "Give the name in at least one language (Russian, Kazakh or English).")]
        return False


def error_messages(form) -> dict[str, list[str]]:
    """{field name: [message, …]} as plain strings (lazy ones resolved), for reports."""
    messages = {}
    with report_locale():
        for name, errors in form.errors.items():
            _flatten(messages, name, errors)
    return messages


def _flatten(messages: dict, name: str, errors) -> None:
    if isinstance(errors, dict):  # a FormField
        errors = [str(e) for sub in errors.values() for e in sub]
    flat = []
    for error in errors:
        if isinstance(error, dict):  # an entry of a FieldList of FormFields
            flat.extend(str(e) for sub in error.values() for e in sub)
        else:
            flat.append(str(error))
    if flat:
        messages[name] = flat


# --- a competitor's status: never `disqualified` from a form or an import -------------------------

DISQUALIFIED = "disqualified"


def disqualification_refusal(current: str | None, wanted: str | None) -> str | None:
    """Why a form or an import row may not set status `wanted` for a competitor whose status is
    `current` (None: a new competitor); None when it may. A disqualification is given and
    withdrawn only on the skill's page "Penalties and disqualification", with a reason
    (competition/judging/sanctions.py); a row that keeps it as it is passes."""
    if wanted == DISQUALIFIED and current != DISQUALIFIED:
        return _("A competitor is disqualified only on the skill's page “Penalties and "
                 "disqualification”, by the chief expert or an organizer, with a reason.")
    if current == DISQUALIFIED and wanted != DISQUALIFIED:
        return _("This competitor is disqualified: the status changes only when the "
                 "disqualification is withdrawn, with a reason, on the skill's page "
                 "“Penalties and disqualification”.")
    return None


class StatusField(ChoiceField):
    """A competitor's status (CompetitorForm: its `skill` and `code`): the list offers
    `disqualified` only where it is the value shown, and a change to or from it is refused with
    `disqualification_refusal`, checked against the stored competitor of the same code."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.data != DISQUALIFIED:
            self.choices = [c for c in self.options() if c.value != DISQUALIFIED]

    def pre_validate(self, form):
        super().pre_validate(form)
        skill, code = getattr(form, "skill", None), form.code.data
        current = None
        if skill is not None and code:
            current = db.session.execute(
                sa.select(Competitor.status).where(Competitor.skill_id == skill.id,
                                                   Competitor.code == code)
            ).scalar_one_or_none()
        refusal = disqualification_refusal(current, self.data)
        if refusal:
            raise ValidationError(refusal)
