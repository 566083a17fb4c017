from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


def _int_or_zero(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (GET: no CSRF, it changes nothing)."""

    class Meta:
        csrf = False

    user = SelectField(_l("Who"), coerce=_int_or_zero, validators=[Optional()])
    entity = SelectField(_l("What"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    championship = SelectField(_l("Championship"), coerce=_int_or_zero, validators=[Optional()])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date, inclusive)"), validators=[Optional()])
