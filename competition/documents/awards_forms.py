"""Forms of the awards pages: a nomination's title, and recipients to add (organizations ticked
in a list, people typed in rows).

The forms check what a form can (a title in some language, a person's row with a name); the
service (competition.documents.awards) checks the rest against the database (the organization
exists, no recipient twice, no second nomination with the same title).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

from ..registry.people.fields import name_fields
from .awards import LANGS, Person

PEOPLE_ROWS = 3


class TitleForm(FlaskForm):
    """A nomination's title in Russian, Kazakh and English (at least one)."""

    name_ru, name_kk, name_en = name_fields(_l("Title (Russian)"), _l("Title (Kazakh)"),
                                            _l("Title (English)"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not any((getattr(self, f"name_{lang}").data or "").strip() for lang in LANGS):
            self.name_ru.errors = [*self.name_ru.errors, _(
                "Give the nomination's title in at least one language (Russian, Kazakh or "
                "English).")]
            return False
        return ok

    def title(self) -> dict[str, str]:
        return {lang: getattr(self, f"name_{lang}").data or "" for lang in LANGS}


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PersonForm(Form):
    """One person's row: the name in three languages and, optionally, their organization."""

    name_ru, name_kk, name_en = name_fields(_l("Full name (Russian)"), _l("Full name (Kazakh)"),
                                            _l("Full name (English)"))
    organization = SelectField(_l("Organization"), coerce=_int_or_none, validate_choice=False)

    def is_blank(self) -> bool:
        return not any((getattr(self, f"name_{lang}").data or "").strip() for lang in LANGS) \
            and not self.organization.data

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.is_blank() and not any(
                (getattr(self, f"name_{lang}").data or "").strip() for lang in LANGS):
            self.name_ru.errors = [*self.name_ru.errors, _(
                "Give the person's name in at least one language.")]
            return False
        return ok


class RecipientsForm(FlaskForm):
    """Recipients to add: organizations (ticked) and people (rows; empty rows are ignored)."""

    organizations = SelectMultipleField(_l("Organizations"), coerce=_int_or_none,
                                        validate_choice=False)
    people = FieldList(FormField(PersonForm), min_entries=PEOPLE_ROWS, max_entries=20)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_list = sorted(organizations,
                                        key=lambda o: (o.name().casefold(), o.code))
        person_choices = [(0, _("— none —"))] + [(o.id, f"{o.name()} ({o.code})")
                                                  for o in self.organization_list]
        self.organizations.choices = [(o.id, o.name()) for o in self.organization_list]
        for entry in self.people:
            entry.form.organization.choices = person_choices

    def validate_organizations(self, field):
        if any(value is None for value in field.data or ()):
            raise ValidationError(_("Choose organizations from the list."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.organization_ids() and not self.people_list():
            self.organizations.errors = [*self.organizations.errors, _(
                "Choose at least one organization or give at least one person's name.")]
            return False
        return ok

    def organization_ids(self) -> list[int]:
        return [value for value in self.organizations.data or () if value]

    def people_list(self) -> list[Person]:
        people = []
        for index, entry in enumerate(self.people):
            person = entry.form
            if person.is_blank():
                continue
            people.append(Person(
                names={lang: getattr(person, f"name_{lang}").data or "" for lang in LANGS},
                organization_id=person.organization.data or None, row=index))
        return people


class NominationForm(TitleForm, RecipientsForm):
    """A new nomination: its title and its first recipients."""
