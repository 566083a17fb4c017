"""The importers of organizations and of competitors (of one skill); experts.py has the experts'.

Each row is validated by the people feature's own form (the field names are the column keys)
and written by its service functions, so a row imported from Excel obeys exactly the rules of
the organizer's form (checking.py). What only a whole file can get wrong is checked there too:
a code twice in the file.

Updates are by code. A column absent from the file keeps the stored value; a column present
with an empty cell means "empty" (or the default, e.g. status active).

Both are written in bulk (one INSERT and one UPDATE per table, bulk.py) from the rows
`prepare` builds before the write transaction, with the people service's own functions
(`organization_values`, `competitor_values`, `member_rows`): two thousand competitors are a few
statements, not two thousand flushes, so the import holds the write lock for tens of
milliseconds. What the service's save checks per row inside its transaction (a code taken by
another record) the import checks for the whole file there (stale.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ... import progress
from ...errors import Invalid
from ...extensions import db
from ...models import Championship, Competitor, CompetitorMember, Organization, Skill
from ...models.people import new_results_code
from ..people.forms import CompetitorForm, OrganizationForm
from ..people.member_fields import members_from
from ..people.service.common import natural_key
from ..people.service.competitors import competitor_form_data, competitor_values, member_rows
from ..people.service.organizations import organization_finder, organization_values
from . import bulk
from .checking import NAMES, each_row, first_language, fold_name_column, plan_by_code
from .personal import (
    MEMBER_COLUMNS,
    MEMBER_KEYS,
    NAME_COLUMN,
    ORGANIZATION_COLUMN,
    PERSONAL_COLUMNS,
    PERSONAL_KEYS,
    eligibility_warnings,
    personal_cells,
)
from .stale import grouped, rows_by_code
from .tabular import Column, Plan, Table

# --- organizations ------------------------------------------------------------------------------

class OrganizationImporter:
    kind = "organizations"
    entity = "organization"
    scope = "none"
    columns = (
        Column("code", required=True, ru="Код", kk="Коды", aliases=("Код организации",),
               help=_l("A short unique code, e.g. VKPTK (no spaces).")),
        Column("name_ru", ru="Наименование (рус)", kk="Атауы (орыс)",
               aliases=("Название (рус)", "Name (ru)"),
               help=_l("The name in Russian (at least one of the three names).")),
        Column("name_kk", ru="Наименование (каз)", kk="Атауы (қаз)",
               aliases=("Название (каз)", "Name (kk)"), help=_l("The name in Kazakh.")),
        Column("name_en", ru="Наименование (англ)", kk="Атауы (ағылш)",
               aliases=("Название (англ)", "Name (en)"), help=_l("The name in English.")),
        Column("kind", ru="Тип", kk="Түрі",
               help=_l("college, enterprise, school, university or other (also in Russian or "
                       "Kazakh: колледж, предприятие, кәсіпорын…); empty: college.")),
        Column("region", ru="Регион", kk="Өңір", aliases=("Область", "Облыс"),
               help=_l("The region, e.g. VKO (for the medal table by region).")),
    )

    @staticmethod
    def stored(organization: Organization) -> dict[str, Any]:
        return {"code": organization.code, **{f: getattr(organization, f) for f in NAMES},
                "kind": organization.kind, "region": organization.region}

    def plan(self, table: Table, target, progress=None) -> Plan:
        existing = {o.code: o for o in db.session.execute(sa.select(Organization)).scalars()}

        def compared(data: dict) -> dict:
            return {k: data.get(k) for k in ("code", *NAMES, "kind", "region")}

        return plan_by_code(table, existing, self.stored,
                            lambda formdata: OrganizationForm(formdata=formdata,
                                                              meta={"csrf": False}),
                            compared, None, _("Checking organizations"), progress)

    def stamps(self, target, codes: list[str]) -> dict:
        return rows_by_code(sa.select(Organization.__table__)
                            .where(Organization.code.in_(codes)))

    def prepare(self, plan: Plan, target, progress=None) -> None:
        creates, updates = [], []
        for item in each_row(plan.items, progress, _("Importing organizations")):
            if item.action == "unchanged":
                continue
            data, current_id = item.payload
            values = organization_values(data)
            if current_id is None:
                creates.append(values)
            else:
                updates.append({"id": current_id, **values})
        plan.writes = bulk.Writes(creates=creates, updates=updates)
        plan.writes.ready(Organization.__table__)

    def apply(self, plan: Plan, target, progress=None) -> None:
        bulk.write_organizations(plan.writes)

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        for organization in db.session.execute(
                sa.select(Organization).order_by(Organization.code)).scalars():
            yield self.stored(organization)


# --- competitors --------------------------------------------------------------------------------

class CompetitorImporter:
    kind = "competitors"
    entity = "competitor"
    scope = "skill"
    depends_on = _l("the skill's team size or its championship's categories")
    columns = (
        Column("code", required=True, ru="Код", kk="Коды", aliases=("Код участника",),
               help=_l("The competitor's code in this skill, e.g. 10-01 (no spaces).")),
        Column("name_ru", ru="ФИО (рус)", kk="Аты-жөні (орыс)",
               aliases=("ФИО", "Команда (рус)", "Name (ru)"),
               help=_l("Full name, or the team's name, in Russian (at least one of the three "
                       "names).")),
        Column("name_kk", ru="ФИО (каз)", kk="Аты-жөні (қаз)",
               aliases=("Аты-жөні", "Команда (каз)", "Name (kk)"),
               help=_l("The name in Kazakh.")),
        Column("name_en", ru="ФИО (англ)", kk="Аты-жөні (ағылш)",
               aliases=("Команда (англ)", "Name (en)"), help=_l("The name in English.")),
        ORGANIZATION_COLUMN,
        Column("category", ru="Категория", kk="Санат",
               help=_l("Only for championships with categories (Abilympics: schoolchildren, "
                       "students, specialists).")),
        Column("status", ru="Статус", kk="Мәртебе",
               help=_l("active, guest or withdrawn (also активный, гость, снят…); empty: "
                       "active.")),
        Column("workstation", ru="Рабочее место", kk="Жұмыс орны",
               help=_l("The workstation, e.g. 7 (may be left empty and drawn later).")),
        Column("members_ru", ru="Члены команды (рус)", kk="Команда мүшелері (орыс)",
               help=_l("Team skills only: the members' names separated by “;”.")),
        Column("members_kk", ru="Члены команды (каз)", kk="Команда мүшелері (қаз)",
               help=_l("Team skills only: the members' names in Kazakh, separated by “;”.")),
        Column("members_en", ru="Члены команды (англ)", kk="Команда мүшелері (ағылш)",
               help=_l("Team skills only: the members' names in English, separated by “;”.")),
        *MEMBER_COLUMNS,
        *PERSONAL_COLUMNS,
        NAME_COLUMN,
    )
    FIELDS = ("code", *NAMES, "organization", "category", "status", "workstation",
              "members_ru", "members_kk", "members_en", *MEMBER_KEYS, *PERSONAL_KEYS)

    @staticmethod
    def stored(competitor: Competitor) -> dict[str, Any]:
        data = competitor_form_data(competitor)
        for lang in ("ru", "kk", "en"):  # one cell per language: "A; B; C"
            data[f"members_{lang}"] = "; ".join(
                m.names()[lang] for m in competitor.members if m.names()[lang])
        return personal_cells(data)

    def _existing(self, skill) -> dict[str, Competitor]:
        """The skill's competitors by code, loaded a few hundred at a time with the request's
        pauses between them (progress.paused): 2,000 took 160 ms of CPU in one go."""
        return {c.code: c for c in progress.paused(db.session.execute(
            sa.select(Competitor).where(Competitor.skill_id == skill.id)
            .options(selectinload(Competitor.members), selectinload(Competitor.organization))
            .execution_options(yield_per=250)).scalars())}

    def plan(self, table: Table, target, progress=None) -> Plan:
        skill = target.skill

        def compared(data: dict) -> dict:
            new = {k: data.get(k) for k in self.FIELDS}
            for lang in ("ru", "kk", "en"):
                new[f"members_{lang}"] = "; ".join(
                    m[lang] for m in members_from(data) if m[lang])
            return personal_cells(new)

        names = fold_name_column(table, first_language(skill.championship))
        existing = self._existing(skill)
        plan = plan_by_code(table, existing, self.stored,
                            lambda formdata: CompetitorForm(formdata=formdata,
                                                            meta={"csrf": False}, skill=skill),
                            compared, self.FIELDS, _("Checking competitors"), progress)
        plan.errors[:0] = names
        plan.warnings.extend(eligibility_warnings(plan, skill, existing))
        return plan

    def stamps(self, target, codes: list[str]) -> dict:
        skill_id = target.skill.id
        # the skill's rows, those of the file's codes kept here: a list of 2,000 codes in the
        # statement cost more than the rows it spares (this runs inside the write transaction)
        wanted = set(codes)
        rows = [row for row in db.session.execute(sa.select(Competitor.__table__).where(
            Competitor.skill_id == skill_id)) if row.code in wanted]
        members = grouped(db.session.execute(
            sa.select(CompetitorMember.__table__).join(Competitor)
            .where(Competitor.skill_id == skill_id)
            .order_by(CompetitorMember.competitor_id, CompetitorMember.position)),
            "competitor_id") if rows else {}
        stamps = {row.code: (tuple(row), members.get(row.id, ())) for row in rows}
        # what every row is checked against: the team size, the championship's categories
        stamps[None] = tuple(db.session.execute(
            sa.select(Skill.team_size, Championship.categories).join(Championship)
            .where(Skill.id == skill_id)).one())
        return stamps

    def prepare(self, plan: Plan, target, progress=None) -> None:
        """Every row as the columns it writes, checked by the service as the form's save is."""
        skill = target.skill
        organization_id = organization_finder()
        current = {c.id: c for c in self._existing(skill).values()}
        results_codes = set(db.session.execute(sa.select(Competitor.results_code)).scalars())
        writes = bulk.Writes(skill_id=skill.id)
        for item in each_row(plan.items, progress, _("Importing competitors")):
            if item.action == "unchanged":
                continue
            data, current_id = item.payload
            competitor = current.get(current_id)
            try:
                values = competitor_values(
                    data, competitor.status if competitor else None, organization_id)
            except Invalid as invalid:
                raise item.row.refused(invalid) from None
            if values["organization_id"] is not None:
                writes.organizations.setdefault(values["organization_id"], item.row)
            members = members_from(data) if skill.is_team else []
            if competitor is None:
                code = new_results_code()
                while code in results_codes:
                    code = new_results_code()
                results_codes.add(code)
                writes.creates.append({"skill_id": skill.id, "results_code": code, **values})
                writes.members.append(member_rows(members))
            else:
                writes.updates.append({"id": competitor.id, **values})
                writes.member_changes(competitor, members)
        writes.ready(Competitor.__table__)
        plan.writes = writes

    def apply(self, plan: Plan, target, progress=None) -> None:
        bulk.write_competitors(plan.writes)

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        for competitor in sorted(self._existing(target.skill).values(),
                                 key=lambda c: natural_key(c.code)):
            yield self.stored(competitor)


ORGANIZATIONS = OrganizationImporter()
COMPETITORS = CompetitorImporter()
