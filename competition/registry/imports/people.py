"""The importers of organizations, competitors (of one skill) and experts (of one championship).

Each row is validated by the people feature's own form (the field names are the column keys)
and written by its service functions, so a row imported from Excel obeys exactly the rules of
the organizer's form. What only a whole file can get wrong is checked here: a code twice in the
file, two chief experts for one skill, an expert whose rows disagree.

Updates are by code. A column absent from the file keeps the stored value; a column present
with an empty cell means "empty" (or the default, e.g. status active).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ...models import Competitor, Expert, ExpertRole, Organization
from ..people import service as people
from ..people.forms import (
    CompetitorForm,
    ExpertRoleRowForm,
    OrganizationForm,
    error_messages,
    members_from,
    report_locale,
)
from .tabular import Column, Plan, PlannedRow, Row, RowError, RowsInvalid, Table

NAMES = ("name_ru", "name_kk", "name_en")


def _each(rows: Iterable, progress, label: str) -> Iterable:
    return progress(rows, label) if progress is not None else rows


def _form_errors(row: Row, form) -> list[RowError]:
    errors = []
    for name, messages in error_messages(form).items():
        for message in messages:
            errors.append(row.error(name, message))
    return errors


def _merged(row: Row, stored: dict[str, Any] | None) -> dict[str, str]:
    """The row's values, with the stored ones for the columns the file does not have."""
    values = dict(stored or {})
    values.update(row.values)
    return {key: "" if value is None else str(value) for key, value in values.items()}


def _changes(old: dict[str, Any], new: dict[str, Any], keys: Iterable[str]) -> dict:
    return {key: (old.get(key) or "", new.get(key) or "") for key in keys
            if (old.get(key) or "") != (new.get(key) or "")}


def _duplicate(seen: dict[str, int], row: Row, key: str, value: str) -> RowError | None:
    if value in seen:
        return row.error(key, _("Each code once in the file; “%(code)s” is also in row "
                                "%(row)d.", code=value, row=seen[value]))
    seen[value] = row.number
    return None


def _label(values: dict) -> str:
    return next((values.get(f) for f in ("name_ru", "name_kk", "name_en") if values.get(f)), "")


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

        return _plan_by_code(table, existing, self.stored,
                             lambda formdata: OrganizationForm(formdata=formdata,
                                                               meta={"csrf": False}),
                             compared, None, _("Checking organizations"), progress)

    def apply(self, plan: Plan, target, progress=None) -> None:
        for item in _each(plan.items, progress, _("Importing organizations")):
            if item.action == "unchanged":
                continue
            data, current_id = item.payload
            current = db.session.get(Organization, current_id) if current_id else None
            _write(item, lambda d=data, c=current: people.apply_organization(d, c))

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        for organization in db.session.execute(
                sa.select(Organization).order_by(Organization.code)).scalars():
            yield self.stored(organization)


def _write(item: PlannedRow, action) -> None:
    try:
        action()
    except people.Invalid as invalid:
        raise RowsInvalid([item.row.error(invalid.field or "", invalid.message)]) from None


# --- competitors --------------------------------------------------------------------------------

class CompetitorImporter:
    kind = "competitors"
    entity = "competitor"
    scope = "skill"
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
        Column("organization", ru="Организация (код)", kk="Ұйым (коды)",
               aliases=("Организация", "Ұйым"),
               help=_l("The code of a registered organization (import organizations first).")),
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
    )
    FIELDS = ("code", *NAMES, "organization", "category", "status", "workstation",
              "members_ru", "members_kk", "members_en")

    @staticmethod
    def stored(competitor: Competitor) -> dict[str, Any]:
        data = people.competitor_form_data(competitor)
        for lang in ("ru", "kk", "en"):  # one cell per language: "A; B; C"
            data[f"members_{lang}"] = "; ".join(
                m.names()[lang] for m in competitor.members if m.names()[lang])
        return data

    def _existing(self, skill) -> dict[str, Competitor]:
        return {c.code: c for c in db.session.execute(
            sa.select(Competitor).where(Competitor.skill_id == skill.id)
            .options(selectinload(Competitor.members), selectinload(Competitor.organization))
        ).scalars()}

    def plan(self, table: Table, target, progress=None) -> Plan:
        skill = target.skill

        def compared(data: dict) -> dict:
            new = {k: data.get(k) for k in self.FIELDS}
            for lang in ("ru", "kk", "en"):
                new[f"members_{lang}"] = "; ".join(
                    m[lang] for m in members_from(data) if m[lang])
            return new

        return _plan_by_code(table, self._existing(skill), self.stored,
                             lambda formdata: CompetitorForm(formdata=formdata,
                                                             meta={"csrf": False}, skill=skill),
                             compared, self.FIELDS, _("Checking competitors"), progress)

    def apply(self, plan: Plan, target, progress=None) -> None:
        for item in _each(plan.items, progress, _("Importing competitors")):
            if item.action == "unchanged":
                continue
            data, current_id = item.payload
            current = db.session.get(Competitor, current_id) if current_id else None
            _write(item, lambda d=data, c=current: people.apply_competitor(target.skill, d, c))

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        for competitor in sorted(self._existing(target.skill).values(),
                                 key=lambda c: people.natural_key(c.code)):
            yield self.stored(competitor)


# --- experts ------------------------------------------------------------------------------------

class ExpertImporter:
    """One row per (expert, skill): rows with the same expert code are one expert."""

    kind = "experts"
    entity = "expert"
    scope = "championship"
    columns = (
        Column("code", required=True, ru="Код", kk="Коды", aliases=("Код эксперта",),
               help=_l("The expert's code in this championship, e.g. E01; repeat it on one row "
                       "per skill.")),
        Column("name_ru", ru="ФИО (рус)", kk="Аты-жөні (орыс)", aliases=("ФИО", "Name (ru)"),
               help=_l("Full name in Russian (at least one of the three names; on an expert's "
                       "further rows the names may be left empty).")),
        Column("name_kk", ru="ФИО (каз)", kk="Аты-жөні (қаз)", aliases=("Аты-жөні", "Name (kk)"),
               help=_l("The name in Kazakh.")),
        Column("name_en", ru="ФИО (англ)", kk="Аты-жөні (ағылш)", aliases=("Name (en)",),
               help=_l("The name in English.")),
        Column("organization", ru="Организация (код)", kk="Ұйым (коды)",
               aliases=("Организация", "Ұйым"),
               help=_l("The code of a registered organization (compatriots are found by it).")),
        Column("skill", required=True, ru="Компетенция (код)", kk="Құзырет (коды)",
               aliases=("Компетенция", "Құзырет"),
               help=_l("The code of a skill of this championship, e.g. 10.")),
        Column("role", ru="Роль", kk="Рөлі", aliases=("Рөл",),
               help=_l("chief, deputy, expert or independent (also главный эксперт, "
                       "заместитель, эксперт, независимый, бас сарапшы…); empty: expert.")),
    )
    PERSON = ("code", *NAMES, "organization")

    @staticmethod
    def stored(expert: Expert) -> dict[str, Any]:
        return {"code": expert.code, **{f: getattr(expert, f) for f in NAMES},
                "organization": expert.organization.code if expert.organization else ""}

    def plan(self, table: Table, target, progress=None) -> Plan:
        championship = target.championship
        plan = Plan()
        existing = {e.code: e for e in db.session.execute(
            sa.select(Expert).where(Expert.championship_id == championship.id)
            .options(selectinload(Expert.roles).selectinload(ExpertRole.skill),
                     selectinload(Expert.organization))).scalars()}
        chiefs: dict[str, str] = {}  # skill code -> expert code, after the import
        for expert in existing.values():
            for role in expert.roles:
                if role.role == "chief":
                    chiefs[role.skill.code] = expert.code
        person: dict[str, dict[str, str]] = {}  # code -> the expert's merged details
        person_rows: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        planned: dict[str, PlannedRow] = {}
        order: list[tuple[str, dict, Row]] = []
        with report_locale():
            for row in _each(table.rows, progress, _("Checking experts")):
                code = row.values.get("code", "").strip()
                current = existing.get(code)
                details = person.get(code) or (self.stored(current) if current else {})
                values = dict(row.values)
                conflict = False
                for key in (*NAMES, "organization"):
                    given = values.get(key, "")
                    if key not in values or not given:
                        values[key] = details.get(key, "") or ""
                    elif code in person and person[code].get(key) and \
                            person[code][key] != given:
                        plan.errors.append(row.error(key, _(
                            "The same %(column)s on every row of expert %(code)s; row %(row)d "
                            "says “%(other)s”.", column=row.headers.get(key, key), code=code,
                            row=person_rows[code], other=person[code][key])))
                        conflict = True
                if conflict:
                    continue
                form = ExpertRoleRowForm(formdata=MultiDict(values), meta={"csrf": False},
                                         championship=championship)
                if not form.validate():
                    plan.errors.extend(_form_errors(row, form))
                    continue
                data = form.data
                skill_code, role = data["skill"], data["role"]
                pair = (code, skill_code)
                if pair in pairs:
                    plan.errors.append(row.error("skill", _(
                        "One row per expert and skill; expert %(code)s has skill %(skill)s "
                        "also in row %(row)d.", code=code, skill=skill_code, row=pairs[pair])))
                    continue
                pairs[pair] = row.number
                if code not in person:
                    person[code], person_rows[code] = {k: data.get(k) or "" for k in
                                                       (*NAMES, "organization")}, row.number
                    person[code]["code"] = code
                chief = chiefs.get(skill_code)
                if role == "chief" and chief and chief != code:
                    plan.errors.append(row.error("role", _(
                        "One chief expert per skill; skill %(skill)s already has %(other)s as "
                        "chief expert (change that expert's role first, in the file or on the "
                        "expert's page).", skill=skill_code, other=chief)))
                    continue
                if role == "chief":
                    chiefs[skill_code] = code
                elif chief == code:
                    del chiefs[skill_code]
                old_role = next((r.role for r in current.roles
                                 if r.skill.code == skill_code), None) if current else None
                item = planned.get(code)
                if item is None:
                    stored = self.stored(current) if current else None
                    new = {k: data.get(k) or "" for k in self.PERSON}
                    changes = _changes(stored, new, self.PERSON) if stored else {}
                    item = PlannedRow(row, code, _label(new),
                                      "create" if current is None else "unchanged", changes,
                                      payload=current.id if current else None)
                    planned[code] = item
                    plan.items.append(item)
                if old_role != role:
                    item.changes[f"role {skill_code}"] = (old_role or "", role)
                order.append((code, data, row))
                if item.action == "unchanged" and item.changes:
                    item.action = "update"
        # written in the file's order: a chief expert demoted on one row frees the place for the
        # chief expert named on a later row
        plan.extra["rows"] = order
        return plan

    def apply(self, plan: Plan, target, progress=None) -> None:
        championship = target.championship
        items = {item.code: item for item in plan.items}
        experts: dict[str, Expert | None] = {}
        for code, data, row in _each(plan.extra.get("rows", []), progress,
                                     _("Importing experts")):
            item = items[code]
            if item.action == "unchanged":
                continue
            if code not in experts:
                experts[code] = db.session.get(Expert, item.payload) if item.payload else None
            holder: dict[str, Expert] = {}

            def one(d=data, e=experts[code], h=holder):
                h["expert"] = people.apply_expert_role(championship, d, e)

            _write(PlannedRow(row, code, item.label, item.action), one)
            experts[code] = holder["expert"]

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        experts = db.session.execute(
            sa.select(Expert).where(Expert.championship_id == target.championship.id)
            .options(selectinload(Expert.roles).selectinload(ExpertRole.skill),
                     selectinload(Expert.organization))).scalars()
        for expert in sorted(experts, key=lambda e: people.natural_key(e.code)):
            details = self.stored(expert)
            for role in sorted(expert.roles, key=lambda r: (r.skill.position, r.skill.code)):
                yield {**details, "skill": role.skill.code, "role": role.role}


ORGANIZATIONS = OrganizationImporter()
COMPETITORS = CompetitorImporter()
EXPERTS = ExpertImporter()


def _plan_by_code(table: Table, existing: dict, stored, make_form, compared, fields,
                  label: str, progress) -> Plan:
    """Check each row with its form and plan a create, an update or nothing, by code.

    `stored(obj)` gives a record's current row values, `compared(form.data)` the values the
    row would store; `fields` limits which of them count as changes (None: all)."""
    plan = Plan()
    seen: dict[str, int] = {}
    with report_locale():
        for row in _each(table.rows, progress, label):
            code = row.values.get("code", "").strip()
            duplicate = _duplicate(seen, row, "code", code) if code else None
            if duplicate:
                plan.errors.append(duplicate)
                continue
            current = existing.get(code)
            before = stored(current) if current is not None else None
            form = make_form(MultiDict(_merged(row, before)))
            if not form.validate():
                plan.errors.extend(_form_errors(row, form))
                continue
            data = form.data
            new = compared(data)
            changes = _changes(before, new, new if fields is None else fields) if before else {}
            action = "create" if current is None else "update" if changes else "unchanged"
            plan.items.append(PlannedRow(row, code, _label(new), action, changes,
                                         payload=(data, current.id if current else None)))
    return plan
