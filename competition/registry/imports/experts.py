"""The importer of experts (of one championship): one row per expert and skill.

Each row is validated by the people feature's form of an expert's role (checking.py); what only
a whole file can get wrong is checked here: two chief experts for one skill, an expert whose
rows disagree, one expert and skill on two rows. Updates are by code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from ...errors import Invalid
from ...extensions import db
from ...models import Expert, ExpertRole, Skill
from ..people.fields import report_locale
from ..people.forms import ExpertRoleRowForm
from ..people.orgnames import resolve_organization
from ..people.service.common import natural_key
from ..people.service.experts import expert_values
from ..people.service.organizations import organization_finder
from . import bulk
from .checking import (
    NAMES,
    changed_fields,
    each_row,
    first_language,
    fold_name_column,
    form_errors,
    name_label,
)
from .personal import NAME_COLUMN, ORGANIZATION_COLUMN
from .stale import grouped
from .tabular import Column, Plan, PlannedRow, Row, RowsInvalid, Table


class ExpertImporter:
    """One row per (expert, skill): rows with the same expert code are one expert."""

    kind = "experts"
    entity = "expert"
    scope = "championship"
    depends_on = _l("the championship's skills or their chief experts")
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
        ORGANIZATION_COLUMN,  # compatriots are found by it
        Column("skill", required=True, ru="Компетенция (код)", kk="Құзырет (коды)",
               aliases=("Компетенция", "Құзырет"),
               help=_l("The code of a skill of this championship, e.g. 10.")),
        Column("role", ru="Роль", kk="Рөлі", aliases=("Рөл",),
               help=_l("chief, deputy, expert or independent (also главный эксперт, "
                       "заместитель, эксперт, независимый, бас сарапшы…); empty: expert.")),
        NAME_COLUMN,
    )
    PERSON = ("code", *NAMES, "organization")

    @staticmethod
    def stored(expert: Expert) -> dict[str, Any]:
        return {"code": expert.code, **{f: getattr(expert, f) for f in NAMES},
                "organization": expert.organization.code if expert.organization else ""}

    def plan(self, table: Table, target, progress=None) -> Plan:
        championship = target.championship
        plan = Plan()
        plan.errors.extend(fold_name_column(table, first_language(championship)))
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
        roles: dict[str, dict[str, tuple[str, str]]] = {}  # code -> the role changes by key
        order: list[tuple[str, dict, Row]] = []
        with report_locale():
            for row in each_row(table.rows, progress, _("Checking experts")):
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
                            person[code][key] != same_organization(key, given):
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
                    plan.errors.extend(form_errors(row, form))
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
                    person[code], person_rows[code] = {"code": code}, row.number
                for key in (*NAMES, "organization"):  # a later row may fill an empty cell
                    if not person[code].get(key):
                        person[code][key] = data.get(key) or ""
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
                if code not in planned:
                    planned[code] = PlannedRow(row, code, "", "create" if current is None
                                               else "unchanged",
                                               payload=current.id if current else None)
                    plan.items.append(planned[code])
                if old_role != role:
                    roles.setdefault(code, {})[f"role {skill_code}"] = (old_role or "", role)
                order.append((code, data, row))
        for code, item in planned.items():  # each expert as all their rows make them
            current = existing.get(code)
            item.label = name_label(person[code])
            item.changes = {**(changed_fields(self.stored(current), person[code], self.PERSON)
                               if current else {}), **roles.get(code, {})}
            if current is not None and item.changes:
                item.action = "update"
        # written in the file's order: a chief expert demoted on one row frees the place for the
        # chief expert named on a later row
        plan.extra["rows"], plan.extra["people"] = order, person
        return plan

    def stamps(self, target, codes: list[str]) -> dict:
        championship_id = target.championship.id
        of_file = sa.and_(Expert.championship_id == championship_id, Expert.code.in_(codes))
        roles = grouped(db.session.execute(
            sa.select(ExpertRole.__table__).join(Expert).where(of_file)
            .order_by(ExpertRole.expert_id, ExpertRole.skill_id)), "expert_id")
        stamps = {row.code: (tuple(row), roles.get(row.id, ())) for row in db.session.execute(
            sa.select(Expert.__table__).where(of_file))}
        # what every row is checked against: the skills and who is the chief expert of each
        stamps[None] = (
            tuple(db.session.execute(sa.select(Skill.id, Skill.code).where(
                Skill.championship_id == championship_id).order_by(Skill.id))),
            tuple(db.session.execute(
                sa.select(ExpertRole.skill_id, ExpertRole.expert_id).join(Skill)
                .where(Skill.championship_id == championship_id, ExpertRole.role == "chief")
                .order_by(ExpertRole.skill_id, ExpertRole.expert_id))))
        return stamps

    def prepare(self, plan: Plan, target, progress=None) -> None:
        """The experts and their roles as the rows the write inserts and updates (bulk.py),
        each expert's columns as the people service's save would write them."""
        championship = target.championship
        skills = dict(db.session.execute(sa.select(Skill.code, Skill.id).where(
            Skill.championship_id == championship.id)).all())
        organization_id = organization_finder()
        current = {e.id: e for e in db.session.execute(
            sa.select(Expert).where(Expert.championship_id == championship.id)
            .options(selectinload(Expert.roles))).scalars()}
        items = {item.code: item for item in plan.items}
        writes = bulk.ExpertWrites()
        for code, data, row in each_row(plan.extra.get("rows", []), progress,
                                        _("Importing experts")):
            item = items[code]
            if item.action == "unchanged":
                continue
            expert = current.get(item.payload)
            if item.row is row:  # the expert's first row: their details
                try:
                    values = expert_values(plan.extra["people"][code], organization_id)
                except Invalid as invalid:
                    raise row.refused(invalid) from None
                if values["organization_id"] is not None:
                    writes.organizations.setdefault(values["organization_id"], row)
                if expert is None:
                    writes.creates.append({"championship_id": championship.id, **values})
                elif any(getattr(expert, key) != value for key, value in values.items()):
                    writes.updates.append({"id": expert.id, **values})
            skill_id = skills.get(data["skill"])
            if skill_id is None:  # deleted since the check (the write's check says so too)
                raise RowsInvalid([row.error("skill", _(
                    "No skill has the code “%(code)s” in this championship.",
                    code=data["skill"]))])
            role = data["role"] or "expert"
            stored = next((r for r in expert.roles if r.skill_id == skill_id), None) \
                if expert is not None else None
            if stored is None:
                writes.roles.append({"code": code, "expert_id": expert.id if expert else None,
                                     "skill_id": skill_id, "role": role})
            elif stored.role != role:
                writes.role_updates.append({"id": stored.id, "role": role})
                writes.skills.add(skill_id)
        writes.ready(Expert.__table__)
        plan.writes = writes

    def apply(self, plan: Plan, target, progress=None) -> None:
        bulk.write_experts(plan.writes, target.championship.id)

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        experts = db.session.execute(
            sa.select(Expert).where(Expert.championship_id == target.championship.id)
            .options(selectinload(Expert.roles).selectinload(ExpertRole.skill),
                     selectinload(Expert.organization))).scalars()
        for expert in sorted(experts, key=lambda e: natural_key(e.code)):
            details = self.stored(expert)
            for role in sorted(expert.roles, key=lambda r: (r.skill.position, r.skill.code)):
                yield {**details, "skill": role.skill.code, "role": role.role}


def same_organization(key: str, given: str) -> str:
    """An organization cell as its code (a name on one row and the code on another agree)."""
    if key != "organization":
        return given
    try:
        return resolve_organization(given)
    except ValidationError:
        return given


EXPERTS = ExpertImporter()
