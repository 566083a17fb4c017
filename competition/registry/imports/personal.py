"""What the competitor and expert imports add for lists as organizers have them (docs/imports.md,
docs/people.md): the organization by code or name, a `name` column, the competitor's personal
data (birth date, IIN, consent, disability, health note) and the eligibility warnings of the
preview.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..people.eligibility import judge, limits_for, reference_date
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


def personal_cells(values: dict) -> dict:
    """The personal values as a file's cells: the birth date as YYYY-MM-DD, consent yes/no."""
    born = values.get("birth_date")
    values["birth_date"] = born.isoformat() if isinstance(born, date) else (born or "")
    consent = values.get("name_consent")
    values["name_consent"] = consent if isinstance(consent, str) else consent_text(bool(consent))
    return values


def eligibility_warnings(plan: Plan, skill, existing: dict) -> list[RowError]:
    """One warning per planned competitor the age rules exclude (they are imported all the
    same); one with an exception accepted already is not warned about."""
    if skill.is_team:
        return []
    warnings = []
    for item in plan.items:
        data, _current_id = item.payload
        current = existing.get(item.code)
        if current is not None and current.eligibility_exception:
            continue
        limits = limits_for(skill, data.get("category") or None)
        day = reference_date(limits.on, skill.championship)
        verdict = judge(data.get("birth_date"), limits, day)
        if verdict.status in ("too_young", "too_old") and item.row is not None:
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
