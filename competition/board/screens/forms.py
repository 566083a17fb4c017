"""The organizer's forms of the hall's screens: one set per screen on the page, their field
names prefixed with the screen's id (`form_of`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ...models import Screen, Skill
from .commands import MESSAGE_MAX, NAME_MAX, SECONDS


class NewScreenForm(FlaskForm):
    championship = HiddenField()
    name = StringField(_l("Screen name"), validators=[DataRequired(), Length(max=NAME_MAX)])


class NameForm(FlaskForm):
    name = StringField(_l("Screen name"), validators=[DataRequired(), Length(max=NAME_MAX)])


class SkillForm(FlaskForm):
    # The service checks the skill (and says why it refuses one), not the list of choices.
    skill = SelectField(_l("Skill"), coerce=int, validators=[InputRequired()],
                        validate_choice=False)


class RotationForm(FlaskForm):
    skills = SelectMultipleField(_l("Skills in the rotation"), widget=ListWidget(),
                                 option_widget=CheckboxInput())
    seconds = IntegerField(_l("Seconds per skill"), default=20,
                           validators=[InputRequired(), NumberRange(*SECONDS)])


class MessageForm(FlaskForm):
    message_ru = TextAreaField(_l("Message in Russian"), validators=[Length(max=MESSAGE_MAX)])
    message_kk = TextAreaField(_l("Message in Kazakh"), validators=[Length(max=MESSAGE_MAX)])
    message_en = TextAreaField(_l("Message in English"), validators=[Length(max=MESSAGE_MAX)])


class CeremonyForm(FlaskForm):
    skill = SelectField(_l("Published skill"), coerce=int, validators=[InputRequired()],
                        validate_choice=False)
    order = RadioField(_l("Order of the ceremony"), default="rank", choices=[
        SelectChoice("rank", _l("From the last place up")),
        SelectChoice("medal", _l("By medal: bronze, silver, gold")),
    ])


class ActionForm(FlaskForm):
    """Only the CSRF token: one button (medal table, delete, next, back)."""


FORMS = {"name": NameForm, "skill": SkillForm, "rotation": RotationForm, "medals": ActionForm,
         "message": MessageForm, "ceremony": CeremonyForm, "delete": ActionForm,
         "next": ActionForm, "back": ActionForm}


def form_of(kind: str, screen: Screen, skills: list[Skill], published: list[Skill],
            formdata=None):
    """The form `kind` of a screen; its field names carry the screen's id (many on a page)."""
    options = {} if formdata is not None else {"formdata": None}
    form = FORMS[kind](prefix=f"s{screen.id}-{kind}", **options)
    if kind == "skill":
        form.skill.choices = [SelectChoice(s.id, f"{s.code} {s.name()}") for s in skills]
        if formdata is None and screen.skill_id:
            form.skill.data = screen.skill_id
    elif kind == "rotation":
        form.skills.choices = [SelectChoice(s.code, f"{s.code} {s.name()}") for s in skills]
        if formdata is None:
            form.skills.data = list(screen.skills or [])
            form.seconds.data = screen.rotation_seconds
    elif kind == "message":
        if formdata is None:
            for locale, text in screen.messages().items():
                getattr(form, f"message_{locale}").data = text
    elif kind == "ceremony":
        form.skill.choices = [SelectChoice(s.id, f"{s.code} {s.name()}") for s in published]
        if formdata is None:
            form.order.data = screen.ceremony_order
            if screen.ceremony_skill_id:
                form.skill.data = screen.ceremony_skill_id
    elif kind == "name" and formdata is None:
        form.name.data = screen.name
    return form
