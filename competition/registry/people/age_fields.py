"""The age rules on the championship form and the skill form (docs/people.md, "Eligibility"):
the date the age is counted on, the lower and upper limits and, for a championship with
categories, each category's limits typed one per line ("students: 15-30").

Empty fields mean the defaults of the championship's kind (on the skill form: the
championship's rules). `age_rules_value()` gives the JSON stored in `age_rules`, or None;
`load_age_rules(rules)` fills the fields from it. Which categories a line may name is the
form's own business (`known_categories()`): the championship form's are typed on it, the skill
form's are its championship's.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectChoice, TextAreaField
from wtforms.validators import NumberRange, Optional, ValidationError

from .eligibility import AGE_LIMITS, FIRST_DAY, YEAR_END, rule_problems
from .fields import BaseForm, ChoiceField, normalize_choice, strip

AGE_RANGE = NumberRange(min=AGE_LIMITS[0], max=AGE_LIMITS[1],
                        message=_l("Give an age from 10 to 100."))
CATEGORY_LINE = re.compile(r"^\s*([^:]+?)\s*:\s*(\d*)\s*(?:[-–—]\s*(\d*))?\s*$")
ON_DATE = "date"


class AgeLimitFields(BaseForm):
    """A mixin: the date ages are counted on and the two limits."""

    age_on = ChoiceField(
        _l("Age counted on"), keys=(YEAR_END, FIRST_DAY, ON_DATE), required=False,
        labels={YEAR_END: _l("31 December of the championship's year"),
                FIRST_DAY: _l("The first day of the championship"), ON_DATE: _l("A date")},
        description=_l("WorldSkills: 31 December; Abilympics: the first day."))
    age_on_date = DateField(_l("Date ages are counted on"), validators=[Optional()])
    age_min = IntegerField(_l("Youngest age"), validators=[Optional(), AGE_RANGE])
    age_max = IntegerField(_l("Oldest age"), validators=[Optional(), AGE_RANGE])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.age_on.choices = [SelectChoice("", _l("— the default —")),
                               *(c for c in self.age_on.options() if c.value)]

    def validate_age_on_date(self, field):
        if self.age_on.data == ON_DATE and field.data is None:
            raise ValidationError(_("Give the date ages are counted on."))

    def validate_age_max(self, field):
        low = self.age_min.data
        if field.data is not None and low is not None and low > field.data:
            raise ValidationError(_("The oldest age cannot be below the youngest."))

    def _limits_value(self) -> dict:
        value: dict = {}
        if self.age_on.data == ON_DATE and self.age_on_date.data:
            value["on"] = self.age_on_date.data.isoformat()
        elif self.age_on.data in (YEAR_END, FIRST_DAY):
            value["on"] = self.age_on.data
        for key, field in (("min", self.age_min), ("max", self.age_max)):
            if field.data is not None:
                value[key] = field.data
        return value

    def age_rules_value(self) -> dict | None:
        return self._limits_value() or None

    def load_age_rules(self, rules: dict | None) -> None:
        rules = rules or {}
        on = rules.get("on")
        if on in (YEAR_END, FIRST_DAY):
            self.age_on.data = on
        elif on:
            from datetime import date

            self.age_on.data, self.age_on_date.data = ON_DATE, date.fromisoformat(on)
        self.age_min.data, self.age_max.data = rules.get("min"), rules.get("max")


def age_categories_field(description) -> TextAreaField:
    return TextAreaField(_l("Age limits per category"), filters=[strip],
                         description=description)


class AgeCategoryFields(AgeLimitFields):
    """A mixin: the limits per category too. The form says which categories there are."""

    age_categories = age_categories_field(
        _l("One category a line, e.g. “students: 15-30”, “specialists: 18-”. Empty: the "
           "defaults of the kind (Abilympics: schoolchildren 14–18, students 15–30, "
           "specialists 18 and over)."))

    def known_categories(self) -> list[str]:
        """The category keys a line may name."""
        raise NotImplementedError

    def category_limits(self) -> dict[str, dict]:
        known = self.known_categories()
        limits: dict[str, dict] = {}
        for line in (self.age_categories.data or "").splitlines():
            if not line.strip():
                continue
            found = CATEGORY_LINE.match(line)
            if not found:
                raise ValidationError(_("“%(line)s” is not “category: youngest-oldest”.",
                                        line=line.strip()))
            key = normalize_choice(found.group(1), known)
            low, high = found.group(2), found.group(3)
            limits[key] = {"min": int(low) if low else None, "max": int(high) if high else None}
        return limits

    def validate_age_categories(self, field):
        limits = self.category_limits()
        known = self.known_categories()
        for _field, problem, details in rule_problems({"categories": limits}, known):
            if problem == "category":
                raise ValidationError(_("The championship has no category “%(key)s”; its "
                                        "categories: %(keys)s.", key=details["key"],
                                        keys=", ".join(known) or "—"))
            if problem == "range":
                raise ValidationError(_("%(key)s: give an age from 10 to 100.",
                                        key=details["key"]))
            raise ValidationError(_("%(key)s: the oldest age cannot be below the youngest.",
                                    key=details["key"]))

    def age_rules_value(self) -> dict | None:
        value = self._limits_value()
        try:
            categories = self.category_limits()
        except ValidationError:
            categories = {}
        if categories:
            value["categories"] = categories
        return value or None

    def load_age_rules(self, rules: dict | None) -> None:
        super().load_age_rules(rules)
        lines = []
        for key, limits in ((rules or {}).get("categories") or {}).items():
            low, high = limits.get("min"), limits.get("max")
            lines.append(f"{key}: {'' if low is None else low}-{'' if high is None else high}")
        self.age_categories.data = "\n".join(lines)
