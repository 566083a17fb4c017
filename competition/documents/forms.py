"""The organizer's forms for certificates: a batch, a template, the championship's settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .certificates import GROUP_LABELS, LANGUAGE_SETS


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_zero(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


class BatchForm(FlaskForm):
    skill = SelectField(_l("Whose certificates"), coerce=_int_or_zero, validators=[Optional()])
    groups = Checkboxes(_l("Kinds of certificate"),
                        choices=[SelectChoice(key, label) for key, label in GROUP_LABELS.items()],
                        default=list(GROUP_LABELS),
                        validators=[DataRequired(_l("Choose at least one kind of certificate."))])
    output = RadioField(_l("File"), choices=[
        SelectChoice("pdf", _l("One PDF with every certificate (to print)")),
        SelectChoice("zip", _l("A ZIP with one PDF per person (to send)"))], default="pdf")


class TemplateForm(FlaskForm):
    html = TextAreaField(_l("HTML of one certificate (Jinja)"),
                         validators=[DataRequired(_l("The HTML may not be empty."))])
    css = TextAreaField(_l("CSS"), validators=[Optional()])


LANGUAGE_LABELS = {
    "kk+ru": _l("Kazakh and Russian"),
    "kk+ru+en": _l("Kazakh, Russian and English"),
    "kk": _l("Kazakh only"),
    "ru": _l("Russian only"),
    "en": _l("English only"),
}


class SettingsForm(FlaskForm):
    languages = SelectField(_l("Languages of the certificates"),
                            choices=[SelectChoice(key, LANGUAGE_LABELS[key])
                                     for key in LANGUAGE_SETS])
    issued_on = DateField(_l("Date printed on the certificates (empty: the championship's "
                             "last day)"), validators=[Optional()])
    logo = FileField(_l("Logo (PNG, JPEG or SVG, up to 2 MB)"))


class SignatoryForm(FlaskForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[Length(max=200)])
    name_ru = StringField(_l("Name in Russian"), validators=[Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    title_kk = StringField(_l("Position in Kazakh"), validators=[Length(max=200)])
    title_ru = StringField(_l("Position in Russian"), validators=[Length(max=200)])
    title_en = StringField(_l("Position in English"), validators=[Length(max=200)])
    signature = FileField(_l("Signature image (PNG, JPEG or SVG, up to 2 MB; optional)"))
