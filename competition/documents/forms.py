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

from ..registry.people.fields import nfc, no_bidi_controls, no_control_characters
from ..vocabulary import CertificateGroup
from .certificates.kinds import LANGUAGE_SETS


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
                        choices=[SelectChoice(key, label)
                                 for key, label in CertificateGroup.labels().items()],
                        default=list(CertificateGroup.keys()),
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


def _printed_name(label) -> StringField:
    """A name or position printed on every certificate: as people's names are checked."""
    return StringField(label, filters=[nfc], validators=[
        Length(max=200), no_control_characters, no_bidi_controls])


class SignatoryForm(FlaskForm):
    name_kk = _printed_name(_l("Name in Kazakh"))
    name_ru = _printed_name(_l("Name in Russian"))
    name_en = _printed_name(_l("Name in English"))
    title_kk = _printed_name(_l("Position in Kazakh"))
    title_ru = _printed_name(_l("Position in Russian"))
    title_en = _printed_name(_l("Position in English"))
    signature = FileField(_l("Signature image (PNG, JPEG or SVG, up to 2 MB; optional)"))
