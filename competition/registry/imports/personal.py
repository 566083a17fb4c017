"""What the competitor and expert imports add for lists as organizers have them (docs/imports.md,
docs/people.md): the organization by code or name, a `name` column, the competitor's personal
data (birth date, IIN, consent, disability, health note), a team's members' (birth dates,
consent) and the eligibility warnings of the preview.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..people.eligibility import judge, limits_for, reference_date
from ..people.member_fields import entries_text, member_name, member_problem, members_from
from ..people.personal_fields import consent_text
from .tabular import Column, Plan, RowError

ORGANIZATION_COLUMN = Column(
    "organization", ru="Организация (код)", kk="Ұйым (коды)",
    aliases=("Организация", "Ұйым", "Колледж", "Учебное заведение", "Оқу орны",
             "Organization name"),
    help=_l("The code or the name (Russian, Kazakh or English) of a registered organization; "
            "case, quotes and a legal form such as ТОО, КГКП or LLP do not matter (import "
            "organizations first)."))

NAME_COLUMN = Column(
    "name", ru="Имя", kk="Аты", aliases=("Full name",),
    help=_l("The name in the championship's first language (the first of its certificate "
            "languages; without certificate settings the installation's default language), "
            "when the list has one name column."))

PERSONAL_COLUMNS = (
    Column("birth_date", ru="Дата рождения", kk="Туған күні",
           aliases=("Дата рожд.", "Туған күні (күн.ай.жыл)"),
           help=_l("31.12.2007, 31/12/2007, 2007-12-31 or a date cell. Not in the future, not "
                   "before 1900.")),
    Column("iin", ru="ИИН", kk="ЖСН",
           help=_l("The 12-digit personal number; its date must be the birth date (which it "
                   "gives when the birth date is empty).")),
    Column("name_consent", ru="Согласие", kk="Келісім", aliases=("consent",),
           help=_l("Consent to show the full name on public screens: yes or no (да/нет, "
                   "иә/жоқ); empty: no.")),
    Column("disability", ru="Инвалидность", kk="Мүгедектік",
           help=_l("Confidential (organizers and the chief expert only): the disability, e.g. "
                   "its group.")),
    Column("health_note", ru="Примечание о здоровье", kk="Денсаулық туралы ескертпе",
           help=_l("Confidential (organizers and the chief expert only): what the venue should "
                   "know.")),
)
PERSONAL_KEYS = tuple(c.key for c in PERSONAL_COLUMNS)

# A team's members' personal data, one entry per member in the order of their names
# (member_fields.py; docs/imports.md).
MEMBER_COLUMNS = (
    Column("members_birth_dates", ru="Даты рождения членов команды",
           kk="Команда мүшелерінің туған күндері",
           aliases=("Даты рождения участников команды",),
           help=_l("Team skills only: each member's birth date in the order of their names, "
                   "separated by “;”, as for birth_date (31.12.2007, 2007-12-31…); “-” for a "
                   "member whose date is not known.")),
    Column("members_consent", ru="Согласие членов команды", kk="Команда мүшелерінің келісімі",
           help=_l("Team skills only: each member's consent to show the full name, yes or no "
                   "in the order of their names, separated by “;”; empty: no for every "
                   "member.")),
)
MEMBER_KEYS = tuple(c.key for c in MEMBER_COLUMNS)


def personal_cells(values: dict) -> dict:
    """The personal values as a file's cells: the birth date as YYYY-MM-DD, consent yes/no; a
    team's members' as "2007-12-31; -" and "yes; no" ("" when none has one)."""
    born = values.get("birth_date")
    values["birth_date"] = born.isoformat() if isinstance(born, date) else (born or "")
    consent = values.get("name_consent")
    values["name_consent"] = consent if isinstance(consent, str) else consent_text(bool(consent))
    dates = values.get("members_birth_dates")
    if not isinstance(dates, str):
        values["members_birth_dates"] = entries_text(dates or [], date.isoformat)
    consents = values.get("members_consent")
    if not isinstance(consents, str):
        values["members_consent"] = entries_text([bool(c) for c in consents or []],
                                                 consent_text)
    return values


def eligibility_warnings(plan: Plan, skill, existing: dict) -> list[RowError]:
    """One warning per planned competitor, or team member, the age rules exclude (they are
    imported all the same); a competitor with an exception accepted already is not warned
    about."""
    warnings = []
    for item in plan.items:
        data, _current_id = item.payload
        current = existing.get(item.code)
        if (current is not None and current.eligibility_exception) or item.row is None:
            continue
        limits = limits_for(skill, data.get("category") or None)
        day = reference_date(limits.on, skill.championship)
        if skill.is_team:
            for n, member in enumerate(members_from(data), start=1):
                verdict = judge(member["birth_date"], limits, day)
                if verdict.status in ("too_young", "too_old"):
                    warnings.append(item.row.error(
                        "members_birth_dates",
                        member_problem(n, member_name(member), not_eligible_text(verdict)),
                        value=member["birth_date"].strftime("%d.%m.%Y")))
            continue
        verdict = judge(data.get("birth_date"), limits, day)
        if verdict.status in ("too_young", "too_old"):
            warnings.append(item.row.error("birth_date", not_eligible_text(verdict),
                                           value=item.row.values.get("birth_date")
                                           or data["birth_date"].isoformat()))
    return warnings


def not_eligible_text(verdict) -> str:
    """Why a competitor is not eligible: "age 23 on 31.12.2026; limits: ≤ 22"."""
    return _("Not eligible by age: %(age)s on %(day)s; the limits are %(limits)s (imported all "
             "the same; an organizer may accept an exception on the eligibility page).",
             age=verdict.age, day=verdict.day.strftime("%d.%m.%Y"),
             limits=verdict.limits.describe())
