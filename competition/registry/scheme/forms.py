"""Forms of the marking scheme editor.

The forms parse what was typed (decimal commas, "0; 0.75; 1.50") and then ask for the
scheme's rules (`rules.*_problems`), which the Excel/CSV import applies too; so a rule is
written once. Uniqueness of codes and the protection of entered marks are checked on save.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from ...config import LOCALES
from ...models.scheme import DAYS
from ...vocabulary import AspectKind
from . import rules
from .kind_text import SETTINGS, levels_text, normalize_kind, parse_kind_params
from .rules import SCORES

LANGUAGE_LABELS = {"ru": _l("Russian"), "kk": _l("Kazakh"), "en": _l("English")}
TYPE_LABELS = {"M": _l("Measurement (M)"), "J": _l("Judgement (J)")}
# What each judgement score means (docs/rules.md section 1): shown beside the descriptor fields.
SCORE_LABELS = {
    0: _l("Score 0: below the industry standard"),
    1: _l("Score 1: meets the industry standard"),
    2: _l("Score 2: meets and in specific respects exceeds the standard"),
    3: _l("Score 3: wholly exceeds the standard, excellent"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _SchemeForm(FlaskForm):
    """Runs the scheme's rules after the fields' own checks; their messages go to the fields."""

    def problems(self) -> dict[str, str]:
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.attach(self.problems()) and valid

    def attach(self, problems: dict[str, str]) -> bool:
        """Show each problem at its field (one message per field: the first one found)."""
        for name, message in problems.items():
            target = getattr(self, name, None)
            if target is None:
                target = self.code
            if not target.errors:
                target.errors = [message]
        return not problems

    def names(self, prefix: str = "name") -> dict[str, str]:
        return {locale: getattr(self, f"{prefix}_{locale}").data or "" for locale in LOCALES}


def _name_fields(cls, prefix: str = "name", area: bool = False) -> None:
    for locale in LOCALES:
        field = TextAreaField if area else StringField
        setattr(cls, f"{prefix}_{locale}", field(LANGUAGE_LABELS[locale], filters=[_strip]))


class CriterionForm(_SchemeForm):
    code = StringField(_l("Code"), filters=[_strip],
                       description=_l("A letter or short code, unique in the skill: A, B, C…"))

    def to_input(self) -> rules.CriterionInput:
        return rules.CriterionInput(code=self.code.data or "", names=self.names())

    def problems(self) -> dict[str, str]:
        return rules.criterion_problems(self.to_input())


_name_fields(CriterionForm)


class SubCriterionForm(_SchemeForm):
    code = StringField(_l("Code"), filters=[_strip],
                       description=_l("Unique in the criterion: A1, A2…"))
    # checked by the rules, which also read "С1" typed in Cyrillic
    day = SelectField(_l("Competition day"), choices=[SelectChoice(d, d) for d in DAYS],
                      default="C1", validate_choice=False)

    def to_input(self) -> rules.SubCriterionInput:
        return rules.SubCriterionInput(code=self.code.data or "", names=self.names(),
                                         day=rules.normalize_day(self.day.data))

    def problems(self) -> dict[str, str]:
        return rules.sub_criterion_problems(self.to_input())


_name_fields(SubCriterionForm)


class AspectForm(_SchemeForm):
    sub_criterion_id = SelectField(_l("Sub-criterion"), coerce=int, validate_choice=False)
    code = StringField(_l("Code"), filters=[_strip],
                       description=_l("Unique in the skill, for example A1.2"))
    type = RadioField(_l("Type"), choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
                      default="M")
    max = StringField(_l("Maximum mark"), filters=[_strip],
                      description=_l("Above 0, at most 2 decimal places, for example 1.50"))
    values = StringField(
        _l("Allowed marks (measurement only)"), filters=[_strip],
        description=_l("Every mark the aspect accepts, separated by \";\", for example "
                       "0; 0.75; 1.50. Empty: only 0 and the maximum."))
    # how the expert enters a measurement mark (docs/scheme.md); checked by the rules
    kind = RadioField(_l("How the mark is entered (measurement only)"),
                      choices=[SelectChoice(k, v) for k, v in AspectKind.labels().items()],
                      default="marks", validate_choice=False)
    step = StringField(_l("Deduction per error"), filters=[_strip],
                       description=_l("The expert counts the errors; each takes this much off "
                                      "the maximum, for example 0.25"))
    floor = StringField(_l("Lowest mark (floor)"), filters=[_strip],
                        description=_l("The mark never goes below it. Empty: 0"))
    standards_section = StringField(_l("Standards section"), filters=[_strip],
                                    description=_l("The section of the occupational standard "
                                                   "(WSOS), for example 6"))

    def __init__(self, *args, sub_criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sub_criterion_id.choices = [
            SelectChoice(sub.id, f"{sub.code} · {sub.name()} ({sub.day})",
                         optgroup=f"{sub.criterion.code} · {sub.criterion.name()}")
            for sub in sub_criteria]
        self.parsed_max = None
        self.parsed_values = None
        self.parsed_params = None

    def validate(self, extra_validators=None) -> bool:
        valid = FlaskForm.validate(self, extra_validators)
        parse_errors = {}
        try:
            self.parsed_max = rules.parse_decimal(self.max.data)
        except ValueError as error:
            parse_errors["max"] = str(error)
        if self.type.data == "M":
            try:
                self.parsed_values = rules.parse_values(self.values.data)
            except ValueError as error:
                parse_errors["values"] = str(error)
            parse_errors.update(self._parse_params())
        problems = self.problems()
        if any(name in SETTINGS for name in parse_errors):  # said by the parser
            problems = {k: v for k, v in problems.items() if k not in SETTINGS}
        problems.update(parse_errors)
        return self.attach(problems) and valid

    def _parse_params(self) -> dict[str, str]:
        """The kind's settings as typed → self.parsed_params; {field: message}."""
        self.parsed_params, errors = parse_kind_params(
            normalize_kind(self.kind.data), self.step.data, self.floor.data,
            self.names("levels"))
        return errors

    def to_input(self) -> rules.AspectInput:
        descriptors = [{locale: getattr(self, f"descriptor_{score}_{locale}").data or ""
                        for locale in LOCALES} for score in SCORES]
        return rules.AspectInput(
            code=self.code.data or "", type=self.type.data or "", max=self.parsed_max,
            values=self.parsed_values if self.type.data == "M" else None,
            description=self.names("description"),
            descriptors=descriptors if self.type.data == "J" else None,
            standards_section=self.standards_section.data or "",
            sub_criterion_id=self.sub_criterion_id.data,
            kind=normalize_kind(self.kind.data) if self.type.data == "M" else "marks",
            kind_params=self.parsed_params if self.type.data == "M" else None,
        )

    def problems(self) -> dict[str, str]:
        problems = rules.aspect_problems(self.to_input())
        if self.parsed_max is None:
            problems.pop("max", None)  # said by the parser, in its own words
        return problems

    def fill(self, data: rules.AspectInput) -> None:
        """Initial values of an edit (on GET)."""
        self.sub_criterion_id.data = data.sub_criterion_id
        self.code.data = data.code
        self.type.data = data.type
        self.max.data = rules.max_text(data.max)
        self.values.data = rules.values_text(data.values)
        self.standards_section.data = data.standards_section
        self.kind.data = data.kind or "marks"
        params = data.kind_params or {}
        if data.kind == "deduction":
            self.step.data = rules.max_text(params.get("step"))
            self.floor.data = rules.max_text(params.get("floor"))
        for locale in LOCALES:
            getattr(self, f"description_{locale}").data = data.description.get(locale, "")
            getattr(self, f"levels_{locale}").data = levels_text(params, locale, "\n")
        for score, texts in enumerate(data.descriptors or []):
            for locale in LOCALES:
                getattr(self, f"descriptor_{score}_{locale}").data = texts.get(locale, "")


_name_fields(AspectForm, "description", area=True)
_name_fields(AspectForm, "levels", area=True)  # discrete: "0.50 = label" a line
for _score in SCORES:
    _name_fields(AspectForm, f"descriptor_{_score}", area=True)


class ActionForm(FlaskForm):
    """A button that changes something (delete, save maxima): CSRF only."""


class MoveForm(FlaskForm):
    direction = StringField(validators=[AnyOf(["up", "down"])])


def parse_maxima(formdata, aspect_ids) -> tuple[dict, dict[int, str]]:
    """The editor's table of maxima ("max-<aspect id>" fields): values and parse errors."""
    maxima, errors = {}, {}
    for aspect_id in aspect_ids:
        name = f"max-{aspect_id}"
        if name not in formdata:
            continue
        try:
            maxima[aspect_id] = rules.parse_decimal(formdata.get(name))
        except ValueError as error:
            errors[aspect_id] = str(error)
    return maxima, errors
