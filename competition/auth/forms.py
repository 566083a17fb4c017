from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PinLoginForm(FlaskForm):
    """Tablet login of an expert: the code on the badge (or the login) and a short PIN."""

    championship = SelectField(_l("Championship"), coerce=int,
                               validators=[DataRequired(_l("Choose the championship."))])
    expert = StringField(
        _l("Expert code or login"),
        validators=[DataRequired(_l("Enter the code from your badge.")), Length(max=64)],
    )
    pin = PasswordField(
        _l("PIN"),
        validators=[DataRequired(_l("Enter your PIN.")),
                    Regexp(r"^[0-9]{4,6}$", message=_l("A PIN has 4 to 6 digits."))],
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: one button that confirms an action."""
