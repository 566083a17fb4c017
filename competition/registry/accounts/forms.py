from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ...auth.service import LOGIN_CODE_DAYS, LOGIN_CODE_MAX_DAYS
from ..people.fields import no_bidi_controls, no_control_characters

LOCALE_CHOICES = [SelectChoice("", _l("As the browser asks")), SelectChoice("ru", "Русский"),
                  SelectChoice("kk", "Қазақша"), SelectChoice("en", "English")]


def options(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as select options, optionally in one <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def grouped(groups: dict[str, list[tuple]]) -> list[SelectChoice]:
    return [choice for name, pairs in groups.items() for choice in options(pairs, name)]


def _int_or_zero(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class AccountFilterForm(FlaskForm):
    """The filters above the account list (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    championship = SelectField(_l("Championship"), coerce=_int_or_zero, validators=[Optional()])
    skill = SelectField(_l("Skill"), coerce=_int_or_zero, validators=[Optional()])
    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("All")),
                                  SelectChoice("enabled", _l("Enabled")),
                                  SelectChoice("disabled", _l("Disabled"))],
                         validators=[Optional()])


class AccountLinksForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired(_l("Choose a role."))])
    expert_id = SelectField(
        _l("Expert (for expert and chief expert accounts)"), coerce=_int_or_zero,
        validators=[Optional()])
    competitor_id = SelectField(
        _l("Competitor (for competitor accounts)"), coerce=_int_or_zero,
        validators=[Optional()])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, validators=[Optional()])


class NewAccountForm(AccountLinksForm):
    login = StringField(_l("Login"), validators=[
        DataRequired(_l("Enter a login.")), Length(max=64),
        Regexp(r"^\S+$", message=_l("A login has no spaces.")),
        no_control_characters, no_bidi_controls])
    password = PasswordField(
        _l("Password (at least 8 characters; experts may go without)"),
        validators=[Optional(), Length(min=8, max=200,
                                       message=_l("A password needs at least 8 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", message=_l("The two passwords differ."))])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter the new password.")),
        Length(min=8, max=200, message=_l("A password needs at least 8 characters."))])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("password", message=_l("The two passwords differ."))])


class PinForm(FlaskForm):
    pin = StringField(_l("New PIN (4 to 6 digits)"), validators=[
        DataRequired(_l("Enter the PIN.")),
        Regexp(r"^[0-9]{4,6}$", message=_l("A PIN has 4 to 6 digits."))])


class LoginCodeForm(FlaskForm):
    days = IntegerField(
        _l("Valid for (days)"), default=LOGIN_CODE_DAYS,
        validators=[InputRequired(_l("Enter a number of days.")),
                    NumberRange(1, LOGIN_CODE_MAX_DAYS,
                                message=_l("Enter 1 to %(max)s days.", max=LOGIN_CODE_MAX_DAYS))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that confirms an action."""


class BadgesForm(LoginCodeForm):
    championship = SelectField(_l("Championship"), coerce=_int_or_zero,
                               validators=[DataRequired(_l("Choose a championship."))])
    skill = SelectField(_l("Skill (leave empty for every skill)"), coerce=_int_or_zero,
                        validators=[Optional()])
    task = HiddenField()  # the page's progress bar (competition/progress.py)
