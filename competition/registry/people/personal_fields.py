"""A competitor's personal data on the competitor form and in the import (docs/people.md): the
birth date (31.12.2007, 31/12/2007, 2007-12-31 or an Excel date), the IIN, the consent to show
the full name, and the confidential disability and health note.

What is refused (nothing is saved): a birth date in the future or before 1900, an IIN wrong in
any part (the message names the part), an IIN whose date is not the birth date. An IIN without
a birth date gives the birth date. Whether the competitor is eligible by age is only a warning
(.eligibility).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from .eligibility import EARLIEST_BIRTH
from .fields import BaseForm, no_bidi_controls, no_control_characters, strip
from .iin import IinError, check_iin

DATE_FORMATS = (
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), ("day", "month", "year")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("year", "month", "day")),
)
YES = ("yes", "y", "true", "1", "on", "да", "д", "иә", "ия", "и")
NO = ("no", "n", "false", "0", "off", "нет", "н", "жоқ", "жок", "")


def parse_birth_date(text) -> date | None:
    """A date as organizers type it; None for an empty cell; ValueError otherwise."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    text = (text or "").strip()
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text) else text
    for pattern, order in DATE_FORMATS:
        found = pattern.match(text)
        if found:
            parts = dict(zip(order, (int(g) for g in found.groups()), strict=True))
            return date(parts["year"], parts["month"], parts["day"])
    raise ValueError(text)


class BirthDateField(StringField):
    """A date typed as 31.12.2007, 31/12/2007 or 2007-12-31; `data` is a date or None."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d.%m.%Y") if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.parse_error = None
        if not valuelist:
            return
        try:
            self.data = parse_birth_date(valuelist[0])
        except ValueError:
            self.data = None
            self.parse_error = str(valuelist[0])

    def pre_validate(self, form):
        if getattr(self, "parse_error", None):
            raise ValidationError(not_a_date_text(self.parse_error))


def not_a_date_text(value: str) -> str:
    return _("A date such as 31.12.2007, 31/12/2007 or 2007-12-31; “%(value)s” is not one.",
             value=value)


def birth_date_problem(born: date | None) -> str | None:
    """What is wrong with a birth date (in the future, before 1900), or None."""
    if born is None:
        return None
    if born > date.today():
        return _("The birth date %(date)s is in the future.", date=born.strftime("%d.%m.%Y"))
    if born < EARLIEST_BIRTH:
        return _("The birth date %(date)s is before 1900.", date=born.strftime("%d.%m.%Y"))
    return None


def parse_consent(text) -> bool:
    """yes/no, да/нет, иә/жоқ (empty: no); ValueError for any other word."""
    word = str(text or "").strip().casefold()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(text)


def not_a_consent_text(value: str) -> str:
    return _("yes or no (also да/нет, иә/жоқ); “%(value)s” is neither.", value=value)


class ConsentField(BooleanField):
    """A checkbox on the page; in a file yes/no, да/нет, иә/жоқ (empty: no)."""

    def process_formdata(self, valuelist):
        self.unknown = None
        if not valuelist:
            self.data = False
            return
        try:
            self.data = parse_consent(valuelist[0])
        except ValueError:
            self.data, self.unknown = False, str(valuelist[0])

    def pre_validate(self, form):
        if getattr(self, "unknown", None):
            raise ValidationError(not_a_consent_text(self.unknown))


def consent_text(value: bool) -> str:
    return "yes" if value else "no"


CONFIDENTIAL = _l("Confidential: organizers and the chief expert only.")


def iin_problem(error: IinError) -> str:
    return {
        "format": _("An IIN is 12 digits; “%(value)s” is not.", value=error.detail),
        "date": _("The IIN's first six digits are not a date (YYMMDD): %(value)s.",
                  value=error.detail),
        "century": _("The IIN's seventh digit (century and sex) must be 1 to 6, not %(value)s.",
                     value=error.detail),
        "check": _("The IIN's check digit (the last) is wrong: the number is mistyped."),
    }[error.part]


class PersonalFields(BaseForm):
    """The personal data of CompetitorForm (a mixin; the field names are import columns)."""

    birth_date = BirthDateField(
        _l("Birth date"),
        description=_l("For example 31.12.2007. Decides eligibility by age and whether public "
                       "screens shorten the name of a minor."))
    iin = StringField(_l("IIN"), filters=[strip],
                      description=_l("The 12-digit personal number (optional); its date must be "
                                     "the birth date."))
    name_consent = ConsentField(
        _l("Consent to show the full name"),
        description=_l("Recorded consent (of the parents for a minor) to show the full name on "
                       "public screens."))
    disability = StringField(
        _l("Disability"), filters=[strip], description=CONFIDENTIAL,
        validators=[Length(max=64, message=_l("At most %(max)d characters.", max=64)),
                    no_control_characters, no_bidi_controls])
    health_note = TextAreaField(
        _l("Health note"), filters=[strip], description=CONFIDENTIAL,
        validators=[Length(max=2000, message=_l("At most %(max)d characters.", max=2000)),
                    no_control_characters])

    def validate_birth_date(self, field):
        problem = birth_date_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_iin(self, field):
        if not field.data:
            return
        try:
            number = check_iin(field.data)
        except IinError as error:
            raise ValidationError(iin_problem(error)) from None
        born = self.birth_date.data
        if born is None and not getattr(self.birth_date, "parse_error", None):
            self.birth_date.data = number.birth_date  # the IIN gives the birth date
        elif born is not None and born != number.birth_date:
            raise ValidationError(_("The IIN %(iin)s is of someone born on %(iin_date)s, but "
                                    "the birth date is %(date)s.", iin=field.data,
                                    iin_date=number.birth_date.strftime("%d.%m.%Y"),
                                    date=born.strftime("%d.%m.%Y")))
