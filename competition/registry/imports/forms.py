"""Forms of the import pages: upload a file, confirm a preview, download a template or a list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ...vocabulary import ImportKind

LANGUAGE_LABELS = {"ru": "Русский", "kk": "Қазақша", "en": "English"}


FORMATS = [SelectChoice("xlsx", "Excel (.xlsx)"), SelectChoice("csv", "CSV")]


def kind_choices(kinds) -> list[SelectChoice]:
    return [SelectChoice(kind, ImportKind.label_of(kind)) for kind in kinds]


class _Target(FlaskForm):
    """The kind of list and where it goes (the choices are filled in by the view)."""

    kind = SelectField(_l("What the file holds"), validators=[InputRequired()])
    championship = SelectField(_l("Championship"), validate_choice=False,
                               description=_l("For experts, competitors and a marking scheme."))
    skill = SelectField(_l("Skill"), validate_choice=False,
                        description=_l("For competitors and a marking scheme."))

    def fill(self, kinds, championships) -> None:
        self.kind.choices = kind_choices(kinds)
        self.championship.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(c.code, f"{c.code} · {c.name()}") for c in championships]
        self.skill.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(f"{c.code}/{s.code}", f"{c.code} / {s.code} · {s.name()}")
            for c in championships for s in c.skills]


class UploadForm(_Target):
    task = HiddenField()  # progress over Socket.IO (competition.progress); optional
    file = FileField(_l("File (.xlsx or .csv)"),
                     validators=[FileRequired(message=_l("Choose a file to import."))],
                     description=_l("Up to 5 MB. The first row holds the column names."))


class ExportForm(_Target):
    class Meta:
        csrf = False  # a GET download that changes nothing

    format = SelectField(_l("Format"), choices=FORMATS)


class TemplateForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download that changes nothing

    kind = SelectField(_l("Template for"), validators=[InputRequired()])
    lang = SelectField(_l("Column names in"),
                       choices=[SelectChoice(k, v) for k, v in LANGUAGE_LABELS.items()])
    format = SelectField(_l("Format"), choices=FORMATS)


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])
    task = HiddenField()  # progress over Socket.IO (competition.progress); optional
