"""A skill's marking scheme as a table (.xlsx or .csv): import, preview and export.

The contract (users read docs/scheme.md; the imports feature wires the upload page and
`competition import scheme FILE --skill CODE [--dry-run]` to `SCHEME` below):

One row per aspect, in scheme order. Every row repeats its criterion and sub-criterion; their
names and day may be given on the first row of each and left empty (or repeated identically)
below. A row with an empty `aspect` declares a sub-criterion without aspects (or, with an empty
`sub_criterion` too, a criterion without sub-criteria). Column headers are the English keys
below, or their Russian or Kazakh names (`COLUMNS` in parsing.py, which also parses the
rows); * marks the required columns.

    criterion*              criterion code, unique in the skill (A, B…)
    criterion_name_ru/kk/en the criterion's name (at least one language)
    sub_criterion*          sub-criterion code, unique in its criterion (A1, A2…)
    sub_criterion_name_ru/kk/en
    day                     competition day: C-2, C-1, C1…C4, C+1 (Cyrillic "С1" too); empty: C1
    aspect*                 aspect code, unique in the skill (A1.1…)
    type*                   M (measurement) or J (judgement); also М, И/С, "измеримая"…
    description_ru/kk/en    what is assessed (at least one language)
    max*                    maximum mark, > 0, at most 2 decimals ("1.50" or "1,50")
    values                  M only: every allowed mark, "0; 0.75; 1.50" (each 0..max, once);
                            empty: the allowed marks are 0 and max
    panel                   optional: the sub-criterion's judgement panel, expert codes of the
                            skill separated by commas (judges_per_aspect of them); first row
                            of the sub-criterion is enough
    kind                    M only, how the expert enters the mark: marks (the list above;
                            empty means marks), deduction, discrete, binary (also список,
                            вычет, дискретный, бинарный; шегерім, дискретті, бинарлы); the
                            allowed marks of the last three follow from their settings (leave
                            `values` empty): docs/scheme.md
    step, floor             deduction only: what each error takes off max ("0.25"), and the
                            lowest mark (empty: 0)
    levels_ru/kk/en         discrete only: "0 = not done; 0.50 = partly done; 1.00 = done"
                            (one level the maximum; every language given has the same marks)
    standards_section       the occupational standard's section (e.g. 6)
    aspect_panel            optional, J only: the aspect's own panel (replaces the above)
    descriptor_0_ru … descriptor_3_en
                            J only: what scores 0, 1, 2, 3 mean (each in at least one language)

Functions:

- `preview_scheme(skill, rows) -> Plan`: what importing would do (items per aspect: create,
  update or unchanged against the current scheme, "delete" for aspects the file drops), the
  new totals in `plan.extra`, and every error of the file in `plan.errors` (RowError: sheet, row,
  column, value, expected). Writes nothing.
- `import_scheme(skill, rows) -> Plan`: REPLACES the skill's scheme with the file's, in one write
  transaction with one audit entry. Refused (SchemeImportError, an errors.Invalid; nothing
  written) if the file has any error, or if a mark has been entered for the skill: then the
  scheme can only be changed in the editor, where changes that keep the marks valid are allowed.
- `export_scheme(skill) -> list[dict]`: the scheme as rows keyed by the columns above; importing
  them into an empty skill gives the same scheme (codes, names, days, order, types, maxima,
  allowed marks, kinds and their settings, descriptors, standards sections).

`rows` is a tabular.Table, a list of tabular.Row, or a list of dicts keyed by column.
A CIS workbook (the layout WorldSkills issues; docs/scheme.md, "The CIS workbook") is read by
`SchemeImporter.read` (cis.py) into these same rows, so it is planned and imported alike; its
saved totals that do not add up become `plan.warnings`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import audit
from ...config import LOCALES
from ...database import write_transaction
from ...errors import Conflict, Invalid
from ...models import Aspect, Criterion, Skill, SubCriterion
from ...models.base import pick_translation
from ..imports.tabular import Plan, PlannedRow, RowError, RowsInvalid, Table
from ..people.fields import report_locale
from . import rules
from .kind_text import levels_text
from .panels import exported_panels, panel_errors, seat_imported
from .parsing import COLUMN_KEYS, COLUMNS, ParsedCriterion, as_rows, parse_rows
from .protection import refuse_replace_if_marked
from .reading import aspect_input
from .rules import AspectInput
from .tree import add_criteria


class SchemeImportError(Invalid):
    """The scheme was not imported; `errors` (RowError) says every reason."""

    default_code = "scheme_not_imported"

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.as_line() for e in errors))
        self.errors = errors

# --- plan, apply, export -----------------------------------------------------------------------

def _texts(texts: dict[str, str] | None) -> str:
    """ru / kk / en texts as one line for the preview ("ru: …; en: …")."""
    return "; ".join(f"{locale}: {texts[locale]}" for locale in LOCALES
                     if texts and texts.get(locale))


def _comparable(data: AspectInput, place: str) -> dict[str, Any]:
    """What the preview compares, each as the text it shows."""
    descriptors = data.descriptors or []
    return {
        "place": place, "type": data.type, "max": rules.max_text(data.max),
        "values": rules.values_text(data.values),
        "description": _texts(data.description),
        "descriptors": " | ".join(f"{score}: {_texts(texts)}"
                                  for score, texts in enumerate(descriptors)),
        "standards_section": data.standards_section,
        "kind": data.kind or "marks",
        "kind_params": json.dumps(rules.kind_params_stored(data), ensure_ascii=False,
                                  sort_keys=True) if data.type == "M" else "null",
    }


def _stored_aspect(aspect: Aspect) -> dict[str, Any]:
    sub = aspect.sub_criterion
    return _comparable(aspect_input(aspect), f"{sub.criterion.code}/{sub.code}")


def plan_scheme(skill: Skill, rows) -> Plan:
    """Validate the file against the skill and say what importing it would change."""
    criteria, errors = parse_rows(rows)
    with report_locale():
        errors = sorted([*errors, *panel_errors(skill, criteria)],
                        key=lambda e: (e.sheet, e.row or 0))
    plan = Plan(errors=errors)
    row_list = as_rows(rows)
    sheet = row_list[0].sheet if row_list else "rows"
    with report_locale():
        try:
            refuse_replace_if_marked(skill)
        except Conflict as refused:
            plan.errors.insert(0, RowError(sheet, None, "", "", refused.message))
        if not criteria and not errors:
            plan.errors.append(RowError(sheet, None, "criterion", "", _(
                "At least one criterion with its sub-criteria and aspects")))
    existing = {a.code: a for c in skill.criteria for s in c.sub_criteria for a in s.aspects}
    total = Decimal(0)
    sums: dict[str, str] = {}
    seen: set[str] = set()
    for criterion in criteria:
        criterion_sum = Decimal(0)
        for sub in criterion.subs.values():
            for row, data in sub.aspects:
                criterion_sum += data.max
                seen.add(data.code)
                new = _comparable(data, f"{criterion.code}/{sub.code}")
                current = existing.get(data.code)
                changes = {}
                if current is not None:
                    old = _stored_aspect(current)
                    changes = {key: (old[key], new[key]) for key in new if old[key] != new[key]}
                action = "create" if current is None else "update" if changes else "unchanged"
                plan.items.append(PlannedRow(row, data.code, pick_translation(data.description),
                                             action, changes))
        sums[criterion.code] = rules.max_text(criterion_sum)
        total += criterion_sum
    for code, aspect in existing.items():
        if code not in seen:
            plan.items.append(PlannedRow(None, code, aspect.description(), "delete"))
    plan.extra = {
        "total": rules.max_text(total),
        "total_is_100": total == rules.HUNDRED,
        "criteria_sums": sums,
        "criteria": len(criteria),
        "sub_criteria": sum(len(c.subs) for c in criteria),
        "aspects": sum(len(s.aspects) for c in criteria for s in c.subs.values()),
        "replaces": {"criteria": len(skill.criteria), "aspects": len(existing)},
    }
    if total != rules.HUNDRED and criteria:
        with report_locale():
            plan.extra["warning"] = _(
                "The scheme total is %(total)s, not 100.00. The scheme can be used (regional "
                "schemes vary), but check the maxima.", total=rules.max_text(total))
    plan.extra["_tree"] = criteria
    return plan


def apply_scheme(skill: Skill, plan: Plan) -> None:
    """Replace the skill's scheme by the planned one (inside the caller's write transaction)."""
    from ...extensions import db

    try:
        refuse_replace_if_marked(skill)
    except Conflict as refused:
        raise RowsInvalid([RowError("", None, "", "", refused.message)]) from None
    criteria: list[ParsedCriterion] = plan.extra["_tree"]
    skill.criteria.clear()
    db.session.flush()  # the old codes are gone before the new rows arrive
    add_criteria(skill, criteria)
    db.session.flush()
    seat_imported(skill, criteria)  # the optional panels (panels.py)


def _kind_cells(aspect: Aspect) -> dict[str, str]:
    """An aspect's kind and its settings as exported (nothing for a list of marks)."""
    kind = aspect.kind or "marks"
    if aspect.type != "M" or kind == "marks":
        return {}
    params = aspect.kind_params or {}
    cells = {"kind": kind, "values": ""}  # the allowed marks follow from the kind
    if kind == "deduction":
        cells.update(step=rules.max_text(params.get("step")),
                     floor=rules.max_text(params.get("floor") or "0"))
    for locale in LOCALES if kind == "discrete" else ():
        cells[f"levels_{locale}"] = levels_text(params, locale)
    return cells


def export_scheme(skill: Skill) -> list[dict[str, Any]]:
    """The scheme as rows keyed by COLUMNS (see the contract above)."""
    rows: list[dict[str, Any]] = []
    sub_panels, aspect_panels = exported_panels(skill)
    for criterion in skill.criteria:
        base = {"criterion": criterion.code,
                **{f"criterion_name_{k}": v for k, v in criterion.names().items()}}
        if not criterion.sub_criteria:
            rows.append(dict(base))
        for sub in criterion.sub_criteria:
            sub_base = {**base, "sub_criterion": sub.code, "day": sub.day,
                        "panel": sub_panels.get(sub.id, ""),
                        **{f"sub_criterion_name_{k}": v for k, v in sub.names().items()}}
            if not sub.aspects:
                rows.append(dict(sub_base))
            for aspect in sub.aspects:
                row = {**sub_base, "aspect": aspect.code, "type": aspect.type,
                       "max": rules.max_text(aspect.max),
                       "values": rules.values_text(aspect.allowed_values),
                       "standards_section": aspect.standards_section or "",
                       **_kind_cells(aspect),
                       "aspect_panel": aspect_panels.get(aspect.id, ""),
                       "description_ru": aspect.description_ru or "",
                       "description_kk": aspect.description_kk or "",
                       "description_en": aspect.description_en or ""}
                for score, texts in enumerate(aspect.descriptors or []):
                    for locale in LOCALES:
                        row[f"descriptor_{score}_{locale}"] = (texts or {}).get(locale) or ""
                rows.append(row)
    return [{key: row.get(key, "") for key in COLUMN_KEYS} for row in rows]


def preview_scheme(skill: Skill, rows) -> Plan:
    """What importing `rows` would do (see plan_scheme); writes nothing."""
    return plan_scheme(skill, rows)


def import_scheme(skill: Skill, rows, filename: str = "") -> Plan:
    """Replace the skill's scheme by `rows` in one transaction; SchemeImportError if refused."""
    skill_id = skill.id
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        plan = plan_scheme(skill, rows)
        if plan.errors:
            raise SchemeImportError(plan.errors)
        try:
            apply_scheme(skill, plan)
        except RowsInvalid as invalid:
            raise SchemeImportError(invalid.errors) from None
        counts = plan.extra
        source = f" from {filename}" if filename else ""
        audit.record("import", "scheme", skill.id,
                     f"{skill.code}: marking scheme imported{source} ({counts['criteria']} "
                     f"criteria, {counts['aspects']} aspects, total {counts['total']})",
                     {"criteria": counts["criteria"], "sub_criteria": counts["sub_criteria"],
                      "aspects": counts["aspects"], "total": counts["total"],
                      "replaced": counts["replaces"], "file": filename},
                     skill.championship_id)
    return plan


class SchemeImporter:
    """The scheme's importer for the imports feature (its upload page and command line)."""

    kind = "scheme"
    entity = "scheme"
    scope = "skill"
    columns = COLUMNS
    code_column = "aspect"
    depends_on = _l("the skill's marking scheme, its panels or its competitors")

    def read(self, filename: str, data: bytes, limits) -> Table:
        """The flat sheet, or a CIS workbook (cis.py) read as flat rows."""
        from .cis import read_scheme_file

        return read_scheme_file(filename, data, limits)

    def plan(self, table: Table, target, progress=None) -> Plan:
        plan = plan_scheme(target.skill, table)
        plan.warnings.extend(getattr(table, "warnings", []))  # a CIS workbook's totals
        return plan

    def stamps(self, target, codes: list[str]) -> dict:
        """All the skill's aspects by code (a file replaces the whole scheme: those it leaves
        out are deleted); and its scheme version, which every change of its scheme, panel or
        competitors bumps (judging/versions.py): any of it changed meanwhile refuses the
        import."""
        from ...extensions import db
        from ..imports.stale import rows_by_code

        skill_id = target.skill.id
        stamps = rows_by_code(sa.select(Aspect.__table__).join(SubCriterion).join(Criterion)
                              .where(Criterion.skill_id == skill_id))
        stamps[None] = db.session.execute(
            sa.select(Skill.scheme_version).where(Skill.id == skill_id)).scalar_one()
        return stamps

    def apply(self, plan: Plan, target, progress=None) -> None:
        apply_scheme(target.skill, plan)

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        return export_scheme(target.skill)


SCHEME = SchemeImporter()

