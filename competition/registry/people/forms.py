"""Forms of the people pages: organizations, competitors, experts, championship and skills, the
workstation draw; and the labels of their choices.

The import of Excel/CSV files validates each row with these same forms, built without a request:

    CompetitorForm(formdata=MultiDict(row), meta={"csrf": False}, skill=skill)
    ExpertRoleRowForm(formdata=MultiDict(row), meta={"csrf": False}, championship=championship)
    OrganizationForm(formdata=MultiDict(row), meta={"csrf": False})

so the field names are also the import's column keys, and the context a validator needs (the
skill, the championship) comes in as keyword arguments. Choice fields accept the key
("college") and, for people typing into spreadsheets, the Russian, Kazakh or English word
("колледж", "College"); an empty cell means the default. Uniqueness of codes is the service's
business (competition.registry.people.service), not the form's. The fields and checks these
forms share with the rest of the product are in .fields.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ...models import Skill
from ...models.event import ABILYMPICS_CATEGORIES
from ...vocabulary import (
    AbilympicsCategory,
    ChampionshipKind,
    CompetitorStatus,
    ExpertRole,
    OrganizationKind,
    PublicNames,
    Scale,
)
from .age_fields import AgeCategoryFields, age_categories_field
from .fields import (
    BaseForm,
    ChoiceField,
    NamesForm,
    StatusField,
    code_field,
    name_fields,
    normalize_choice,
    strip,
    validate_code_text,
)
from .member_fields import TeamMemberFields, members_from
from .orgnames import resolve_organization
from .personal_fields import PersonalFields
from .teams import team_text, teams_valid

# The choices' keys and labels are competition/vocabulary.py's; the words people type in
# spreadsheets for them are fields.ALIASES.


def validate_organization_code(field) -> None:
    """A code or a name (orgnames.py); the field's data becomes the organization's code."""
    field.data = resolve_organization(field.data)


# --- organizations ------------------------------------------------------------------------------

class OrganizationForm(NamesForm):
    code = code_field(_l("Code"))
    name_ru, name_kk, name_en = name_fields(_l("Name (Russian)"), _l("Name (Kazakh)"),
                                            _l("Name (English)"))
    kind = ChoiceField(_l("Kind"), words=OrganizationKind,
                       default="college")
    region = StringField(_l("Region"), filters=[strip],
                         validators=[Length(max=64, message=_l("At most %(max)d characters.",
                                                               max=64))])

    def validate_code(self, field):
        validate_code_text(field.data)


# --- competitors --------------------------------------------------------------------------------

class CompetitorForm(PersonalFields, TeamMemberFields, NamesForm):
    """A competitor of `skill` (keyword argument; the categories and team size come from it)."""

    code = code_field(_l("Code"))
    name_ru, name_kk, name_en = name_fields(_l("Name or team name (Russian)"),
                                            _l("Name or team name (Kazakh)"),
                                            _l("Name or team name (English)"))
    organization = StringField(_l("Organization (code)"), filters=[strip])
    category = ChoiceField(_l("Category"), keys=(), required=False)
    status = StatusField(_l("Status"), words=CompetitorStatus,  # never set to disqualified
                         default="active")
    workstation = StringField(_l("Workstation"), filters=[strip],
                              validators=[Length(max=32, message=_l("At most %(max)d characters.",
                                                                    max=32))])

    def __init__(self, *args, skill: Skill | None = None, **kwargs):
        self.skill = skill
        categories = skill.championship.category_list() if skill is not None else []
        # the field's keys depend on the championship: set them before the data is processed
        self._categories = categories
        super().__init__(*args, **kwargs)
        self.category.keys = tuple(categories)
        self.category.required = bool(categories)
        self.category.labels = AbilympicsCategory.labels()
        self.category.choices = self.category.options()
        if self.category.raw_data:
            self.category.data = normalize_choice(self.category.raw_data[0], categories)

    @property
    def team_size(self) -> int:
        return self.skill.team_size if self.skill is not None else 1

    def validate_code(self, field):
        validate_code_text(field.data)

    def validate_organization(self, field):
        validate_organization_code(field)

    def validate_category(self, field):
        if not self._categories and field.data:
            raise ValidationError(_("This championship has no categories; leave the category "
                                     "empty (or add categories to the championship first)."))

    def check_form(self) -> bool:
        names = self._check_names()
        members = self._check_members()
        return names and members

    def members(self) -> list[dict]:
        """The team members as [{"ru": …, "kk": …, "en": …, "birth_date": …,
        "name_consent": …}, …] in order."""
        return members_from(self.data)


# --- experts ------------------------------------------------------------------------------------

class SkillRoleForm(Form):
    """One skill's line in the expert form: the skill (hidden code) and the role, or none."""

    skill = HiddenField()
    role = ChoiceField(_l("Role"), words=ExpertRole, required=False)
    team = StringField(_l("Marking team: criteria"), filters=[strip])  # teams.py


class _ExpertFields(NamesForm):
    """What the expert form and an expert import row share: code, names, organization."""

    code = code_field(_l("Code"))
    name_ru, name_kk, name_en = name_fields(_l("Full name (Russian)"), _l("Full name (Kazakh)"),
                                            _l("Full name (English)"))
    organization = StringField(_l("Organization (code)"), filters=[strip])

    def __init__(self, *args, championship=None, **kwargs):
        self.championship = championship
        super().__init__(*args, **kwargs)

    def validate_code(self, field):
        validate_code_text(field.data)

    def validate_organization(self, field):
        validate_organization_code(field)


class ExpertForm(_ExpertFields):
    """An expert of `championship` with a role line per skill (`roles`, one entry per skill)."""

    roles = FieldList(FormField(SkillRoleForm))

    def validate_roles(self, field):
        if self.championship is None:
            return
        codes = {s.code for s in self.championship.skills}
        for entry in field.entries:
            if entry.form.skill.data not in codes:
                raise ValidationError(_("Unknown skill “%(code)s” in this championship.",
                                         code=entry.form.skill.data))

    def role_map(self) -> dict[str, str]:
        """skill code → role, for the skills given a role."""
        return {entry.form.skill.data: entry.form.role.data
                for entry in self.roles.entries if entry.form.role.data}

    def team_map(self) -> dict[str, str]:
        """skill code → the marking team's criteria ("A, B"; "" for every criterion)."""
        return {entry.form.skill.data: team_text(entry.form.team.data)
                for entry in self.roles.entries if entry.form.role.data}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # first: it clears the fields' errors
        return teams_valid(self) and ok


class ExpertRoleRowForm(_ExpertFields):
    """One import row: an expert and one role in one skill of `championship`."""

    skill = StringField(_l("Skill (code)"), filters=[strip],
                        validators=[DataRequired(message=_l("A skill code is required."))])
    role = ChoiceField(_l("Role"), words=ExpertRole, default="expert")

    def validate_skill(self, field):
        if self.championship is None or not field.data:
            return
        if field.data not in {s.code for s in self.championship.skills}:
            raise ValidationError(_("No skill has the code “%(code)s” in this championship; "
                                     "expected one of: %(codes)s.", code=field.data,
                                     codes=", ".join(s.code for s in self.championship.skills)))


# --- championship and skills --------------------------------------------------------------------

class ChampionshipForm(AgeCategoryFields, NamesForm):
    """Championship settings and its scoring policy (docs/rules.md sections 1, 5 and 7)."""

    code = code_field(_l("Code"))
    name_ru, name_kk, name_en = name_fields(_l("Name (Russian)"), _l("Name (Kazakh)"),
                                            _l("Name (English)"))
    kind = ChoiceField(_l("Kind"), words=ChampionshipKind,
                       default="worldskills")
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    venue_ru, venue_kk, venue_en = (
        StringField(label, filters=[strip],
                    validators=[Length(max=300, message=_l("At most %(max)d characters.",
                                                           max=300))])
        for label in (_l("Venue (Russian)"), _l("Venue (Kazakh)"), _l("Venue (English)")))
    categories = StringField(
        _l("Categories"), filters=[strip],
        description=_l("Competitor categories ranked separately, as keys separated by commas "
                       "(Abilympics: schoolchildren, students, specialists). Leave empty when "
                       "everyone competes in one group."),
        validators=[Length(max=300, message=_l("At most %(max)d characters.", max=300))])
    scale = ChoiceField(
        _l("Scale"), words=Scale, default="raw",
        description=_l("How totals become scores. Raw: the total out of 100, rounded to "
                       "0.01. WorldSkills 500: 500 + 20 × (total − mean) ÷ standard deviation. "
                       "WorldSkills 700: 700 + 20 × (total − median) ÷ standard deviation."))
    judges_per_aspect = IntegerField(
        _l("Judges per judgement aspect"), default=3,
        validators=[InputRequired(message=_l("Give a whole number from 1 to 9.")),
                    NumberRange(min=1, max=9, message=_l("Give a whole number from 1 to 9."))],
        description=_l("How many experts score each judgement aspect (WorldSkills: 3). An "
                       "aspect is counted once all of them have scored it."))
    tie_margin = DecimalField(
        _l("Tie margin"), places=None, validators=[Optional(), NumberRange(
            min=0, message=_l("The tie margin cannot be negative."))],
        description=_l("Competitors whose scores are within this many points of the leader of "
                       "their group share a rank. Leave empty for the scale's default (raw 0, "
                       "WorldSkills 500: 2, WorldSkills 700: 0)."))
    medallion_threshold = DecimalField(
        _l("Medallion threshold"), places=None, validators=[Optional(), NumberRange(
            min=0, message=_l("The threshold cannot be negative."))],
        description=_l("Competitors without a medal whose score reaches this value get the "
                       "Medallion for Excellence. Leave empty for the scale's default (raw: no "
                       "medallion, WorldSkills 500: 500, WorldSkills 700: 700)."))
    medal_min_gold = IntegerField(
        _l("Gold: minimum competitors"), default=1,
        validators=[InputRequired(message=_l("Give a whole number of at least 1.")),
                    NumberRange(min=1, message=_l("Give a whole number of at least 1."))],
        description=_l("A gold medal is awarded only when the group has at least this many "
                       "active competitors (WorldSkills: 1)."))
    medal_min_silver = IntegerField(
        _l("Silver: minimum competitors"), default=1,
        validators=[InputRequired(message=_l("Give a whole number of at least 1.")),
                    NumberRange(min=1, message=_l("Give a whole number of at least 1."))],
        description=_l("The same for silver (WorldSkills: 1; some regional rules: 5)."))
    medal_min_bronze = IntegerField(
        _l("Bronze: minimum competitors"), default=1,
        validators=[InputRequired(message=_l("Give a whole number of at least 1.")),
                    NumberRange(min=1, message=_l("Give a whole number of at least 1."))],
        description=_l("The same for bronze (WorldSkills: 1; some regional rules: 6)."))
    appeal_minutes = IntegerField(
        _l("Appeal window (minutes)"), validators=[Optional(), NumberRange(
            min=0, max=10080, message=_l("Give a whole number of minutes from 0 to 10080."))],
        description=_l("How long after a skill's results are published a competitor may "
                       "appeal. Leave empty for the default of the kind: 60 minutes for "
                       "Abilympics, 120 for WorldSkills."))
    public_names = ChoiceField(_l("Names on public screens"), words=PublicNames, default="full",
                               description=_l("Competitors under 18 without consent are "
                                              "shown as “Surname N.” whatever this says."))

    def validate_code(self, field):
        validate_code_text(field.data)

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_("The last day cannot be before the first day."))

    def validate_categories(self, field):
        keys = category_keys(field.data)
        for key in keys:
            if not re.fullmatch(r"[\w-]{1,64}", key):
                raise ValidationError(_("“%(key)s” is not a category key: use one word of "
                                         "letters, digits, “-” or “_”.", key=key))
        if len(set(keys)) != len(keys):
            raise ValidationError(_("A category is listed twice."))

    def known_categories(self) -> list[str]:
        """The categories typed on this form; a new Abilympics one gets the three
        (service/championships.py)."""
        known = category_keys(self.categories.data)
        if not known and self.kind.data == "abilympics":
            return list(ABILYMPICS_CATEGORIES)
        return known


def category_keys(text: str | None) -> list[str]:
    parts = [normalize_choice(p, ABILYMPICS_CATEGORIES) for p in (text or "").split(",")]
    return [p for p in parts if p]


class SkillForm(AgeCategoryFields, NamesForm):
    """A skill of `championship` (keyword argument: its categories are the ones the age limits
    per category may name)."""

    code = code_field(_l("Code"))
    name_ru, name_kk, name_en = name_fields(_l("Name (Russian)"), _l("Name (Kazakh)"),
                                            _l("Name (English)"))
    team_size = IntegerField(
        _l("Team size"), default=1,
        validators=[InputRequired(message=_l("Give a whole number from 1 to 10.")),
                    NumberRange(min=1, max=10, message=_l("Give a whole number from 1 to 10."))],
        description=_l("1 for individual competitors; more for teams (each team lists this "
                       "many members)."))
    position = IntegerField(
        _l("Position in lists"), default=0,
        validators=[InputRequired(message=_l("Give a whole number.")),
                    NumberRange(min=0, max=10000, message=_l("Give a whole number from 0 to "
                                                             "10000."))])
    age_categories = age_categories_field(
        _l("One category a line, e.g. “students: 16-20”, “specialists: 18-”: over the "
           "championship's limits for that category. Empty: the championship's."))

    def __init__(self, *args, championship=None, **kwargs):
        self.championship = championship
        super().__init__(*args, **kwargs)

    def validate_code(self, field):
        validate_code_text(field.data)

    def known_categories(self) -> list[str]:
        return self.championship.category_list() if self.championship is not None else []


class DrawForm(BaseForm):
    """The workstation draw: which workstations, and optionally the seed (empty: a new one)."""

    workstations = TextAreaField(
        _l("Workstations"), filters=[strip],
        validators=[DataRequired(message=_l("List the workstations, e.g. 1-12."))],
        description=_l("Ranges like 1-12 or A1-A6, or names separated by commas or lines."))
    seed = StringField(
        _l("Seed"), filters=[strip],
        validators=[Length(max=64, message=_l("At most %(max)d characters.", max=64))],
        description=_l("Leave empty for a new random seed. Type a recorded seed to check a "
                       "draw: the same seed with the same competitors and workstations gives "
                       "the same outcome."))
    preview = SubmitField(_l("Preview without recording"))
    submit = SubmitField(_l("Draw and assign"))
