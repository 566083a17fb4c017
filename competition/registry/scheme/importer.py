"""A skill's marking scheme as a table (.xlsx or .csv): import, preview and export.

The contract (users read docs/scheme.md; the imports feature wires the upload page and
`competition import scheme FILE --skill CODE [--dry-run]` to `SCHEME` below):

One row per aspect, in scheme order. Every row repeats its criterion and sub-criterion; their
names and day may be given on the first row of each and left empty (or repeated identically)
below. A row with an empty `aspect` declares a sub-criterion without aspects (or, with an empty
`sub_criterion` too, a criterion without sub-criteria). Column headers are the English keys
below, or their Russian or Kazakh names (`COLUMNS`); * marks the required columns.

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
    standards_section       the occupational standard's section (e.g. 6)
    descriptor_0_ru … descriptor_3_en
                            J only: what scores 0, 1, 2, 3 mean (each in at least one language)

Functions:

- `preview_scheme(skill, rows) -> Plan`: what importing would do (items per aspect: create,
  update or unchanged against the current scheme, "delete" for aspects the file drops), the
  new totals in `plan.extra`, and every error of the file in `plan.errors` (RowError: sheet, row,
  column, value, expected). Writes nothing.
- `import_scheme(skill, rows) -> Plan`: REPLACES the skill's scheme with the file's, in one write
  transaction with one audit entry. Refused (SchemeImportError, nothing written) if the file has
  any error, or if a mark has been entered for the skill: then the scheme can only be changed in
  the editor, where changes that keep the marks valid are allowed.
- `export_scheme(skill) -> list[dict]`: the scheme as rows keyed by the columns above; importing
  them into an empty skill gives the same scheme (codes, names, days, order, types, maxima,
  allowed marks, descriptors, standards sections).

`rows` is a tabular.Table, a list of tabular.Row, or a list of dicts keyed by column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import audit
from ...config import LOCALES
from ...database import write_transaction
from ...models import Aspect, Criterion, Skill, SubCriterion
from ...models.base import pick_translation
from ..imports.tabular import Column, Plan, PlannedRow, Row, RowError, RowsInvalid, Table
from . import service
from .service import SCORES, AspectInput, CriterionInput, SchemeError, SubCriterionInput

_LANG = {"ru": ("рус", "орыс", "ru"), "kk": ("каз", "қаз", "kk"), "en": ("англ", "ағылш", "en")}


def _named(key: str, ru: str, kk: str, en: str, help_text) -> list[Column]:
    return [Column(f"{key}_{locale}", ru=f"{ru} ({_LANG[locale][0]})",
                   kk=f"{kk} ({_LANG[locale][1]})", aliases=(f"{en} ({locale})",),
                   help=help_text)
            for locale in LOCALES]


COLUMNS: tuple[Column, ...] = (
    Column("criterion", required=True, ru="Критерий", kk="Критерий",
           aliases=("Код критерия", "Критерий коды", "Criterion code"),
           help=_l("The criterion's code, unique in the skill: A, B, C…")),
    *_named("criterion_name", "Название критерия", "Критерий атауы", "Criterion name",
            _l("The criterion's name (at least one language; on its first row is enough).")),
    Column("sub_criterion", required=True, ru="Подкритерий", kk="Ішкі критерий",
           aliases=("Код подкритерия", "Ішкі критерий коды", "Sub-criterion"),
           help=_l("The sub-criterion's code, unique in its criterion: A1, A2…")),
    *_named("sub_criterion_name", "Название подкритерия", "Ішкі критерий атауы",
            "Sub-criterion name",
            _l("The sub-criterion's name (at least one language; on its first row is enough).")),
    Column("day", ru="День", kk="Күн", aliases=("День соревнований", "Жарыс күні"),
           help=_l("The competition day of the sub-criterion: C1, C2, C3, C4 (also C-2, C-1, "
                   "C+1); empty: C1.")),
    Column("aspect", required=True, ru="Аспект", kk="Аспект",
           aliases=("Код аспекта", "Аспект коды", "Aspect code"),
           help=_l("The aspect's code, unique in the skill: A1.1…; empty on a row that only "
                   "declares a sub-criterion without aspects.")),
    Column("type", required=True, ru="Тип", kk="Түрі", aliases=("Тип аспекта", "Aspect type"),
           help=_l("M (measurement) or J (judgement).")),
    *_named("description", "Описание аспекта", "Аспект сипаттамасы", "Description",
            _l("What the aspect assesses (at least one language).")),
    Column("max", required=True, ru="Макс. балл", kk="Ең жоғары балл",
           aliases=("Максимальный балл", "Макс балл", "Max mark", "Maximum"),
           help=_l("The maximum mark: above 0, at most 2 decimals, e.g. 1.50.")),
    Column("values", ru="Допустимые оценки", kk="Рұқсат етілген бағалар",
           aliases=("Allowed marks", "Допустимые значения"),
           help=_l("Measurement only: every allowed mark separated by \";\", e.g. 0; 0.75; "
                   "1.50 (each from 0 to the maximum, once). Empty: 0 and the maximum.")),
    Column("standards_section", ru="Раздел стандарта", kk="Стандарт бөлімі",
           aliases=("Standards section", "Раздел WSOS", "WSOS"),
           help=_l("The section of the occupational standard (WSOS), e.g. 6.")),
    *[column for score in SCORES for column in _named(
        f"descriptor_{score}", f"Дескриптор {score}", f"Дескриптор {score}",
        f"Descriptor {score}",
        _l("Judgement only: what a score of %(score)s means (at least one language).",
           score=score))],
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
ASPECT_COLUMNS = ("type", "max", "values", "standards_section",
                  *(f"description_{locale}" for locale in LOCALES),
                  *(f"descriptor_{s}_{locale}" for s in SCORES for locale in LOCALES))
DESCRIPTOR_COLUMNS = tuple(f"descriptor_{s}_{locale}" for s in SCORES for locale in LOCALES)


class SchemeImportError(ValueError):
    """The scheme was not imported; `errors` (RowError) says every reason."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(e.as_line() for e in errors))


# --- the parsed file ---------------------------------------------------------------------------

@dataclass
class _Sub:
    code: str
    names: dict[str, str]
    day: str
    row: Row
    aspects: list[tuple[Row, AspectInput]] = field(default_factory=list)


@dataclass
class _Criterion:
    code: str
    names: dict[str, str]
    row: Row
    subs: dict[str, _Sub] = field(default_factory=dict)


def _rows(rows) -> list[Row]:
    if isinstance(rows, Table):
        return list(rows.rows)
    result = []
    for number, row in enumerate(rows, start=2):
        if isinstance(row, Row):
            result.append(row)
        else:
            values = {key: "" if row.get(key) is None else str(row.get(key)).strip()
                      for key in COLUMN_KEYS if key in row}
            result.append(Row("rows", number, values))
    return result


def _names(row: Row, prefix: str) -> dict[str, str]:
    return {locale: row.values.get(f"{prefix}_{locale}", "").strip() for locale in LOCALES}


def _merge_names(target: dict[str, str], row: Row, prefix: str, label: str,
                 first_row: int, errors: list[RowError]) -> None:
    """A later row may leave a name empty or repeat it; a different name is an error."""
    for locale, text in _names(row, prefix).items():
        if not text:
            continue
        if not target.get(locale):
            target[locale] = text
        elif target[locale] != text:
            errors.append(row.error(f"{prefix}_{locale}", _(
                "The same name as in row %(row)s for %(what)s (“%(name)s”), or an empty cell",
                row=first_row, what=label, name=target[locale])))


def _aspect_from(row: Row, errors: list[RowError]) -> AspectInput | None:
    values = row.values
    kind = service.normalize_type(values.get("type", ""))
    found: list[RowError] = []
    maximum = None
    try:
        maximum = service.parse_decimal(values.get("max", ""))
    except ValueError as error:
        found.append(row.error("max", str(error)))
    allowed = None
    if values.get("values", "").strip():
        if kind == "J":
            found.append(row.error("values", _(
                "No allowed marks for a judgement (J) aspect: judgement scores are 0–3; clear "
                "the cell or change the type to M")))
        else:
            try:
                allowed = service.parse_values(values["values"])
            except ValueError as error:
                found.append(row.error("values", str(error)))
    descriptors = [_names(row, f"descriptor_{score}") for score in SCORES]
    if kind == "M" and any(text for d in descriptors for text in d.values()):
        first = next(key for key in DESCRIPTOR_COLUMNS if values.get(key, "").strip())
        found.append(row.error(first, _(
            "No descriptors for a measurement (M) aspect: descriptors describe judgement "
            "scores; clear them or change the type to J")))
    data = AspectInput(code=values.get("aspect", "").strip(), type=kind, max=maximum,
                       values=allowed, description=_names(row, "description"),
                       descriptors=descriptors if kind == "J" else None,
                       standards_section=values.get("standards_section", "").strip())
    problems = service.aspect_problems(data)
    if maximum is None:
        problems.pop("max", None)
    for name, message in problems.items():
        column = "aspect" if name == "code" else name
        found.append(row.error(column, message))
    errors.extend(found)
    return None if found else data


def parse_rows(rows) -> tuple[list[_Criterion], list[RowError]]:
    """The file's scheme as a tree, and every error found in it."""
    errors: list[RowError] = []
    criteria: dict[str, _Criterion] = {}
    aspect_rows: dict[str, int] = {}
    with _report_locale():
        for row in _rows(rows):
            values = row.values
            code = values.get("criterion", "").strip()
            problem = service.criterion_problems(CriterionInput(code, {"ru": "-"})).get("code")
            if problem:
                errors.append(row.error("criterion", problem))
                continue
            criterion = criteria.get(code)
            if criterion is None:
                criterion = criteria[code] = _Criterion(code, _names(row, "criterion_name"), row)
            else:
                _merge_names(criterion.names, row, "criterion_name",
                             _("criterion %(code)s", code=code), criterion.row.number, errors)

            sub_code = values.get("sub_criterion", "").strip()
            aspect_code = values.get("aspect", "").strip()
            if not sub_code:
                if aspect_code or any(values.get(k, "").strip() for k in ASPECT_COLUMNS):
                    errors.append(row.error("sub_criterion", _(
                        "The code of the aspect's sub-criterion, e.g. A1")))
                continue
            problem = service.sub_criterion_problems(
                SubCriterionInput(sub_code, {"ru": "-"}, "C1")).get("code")
            if problem:
                errors.append(row.error("sub_criterion", problem))
                continue
            day_text = values.get("day", "").strip()
            day = service.normalize_day(day_text) if day_text else ""
            sub = criterion.subs.get(sub_code)
            if sub is None:
                sub = criterion.subs[sub_code] = _Sub(sub_code, _names(row, "sub_criterion_name"),
                                                      day or "C1", row)
                problem = service.sub_criterion_problems(
                    SubCriterionInput(sub_code, {"ru": "-"}, sub.day)).get("day")
                if problem:
                    errors.append(row.error("day", problem))
            else:
                _merge_names(sub.names, row, "sub_criterion_name",
                             _("sub-criterion %(code)s", code=sub_code), sub.row.number, errors)
                if day and day != sub.day:
                    errors.append(row.error("day", _(
                        "The same day as in row %(row)s for sub-criterion %(code)s (%(day)s), "
                        "or an empty cell", row=sub.row.number, code=sub_code, day=sub.day)))

            if not aspect_code:
                if any(values.get(k, "").strip() for k in ASPECT_COLUMNS):
                    errors.append(row.error("aspect", _(
                        "The aspect's code, e.g. %(code)s.1 (a row without an aspect code only "
                        "declares a sub-criterion, and has nothing in the aspect's columns)",
                        code=sub_code)))
                continue
            if aspect_code in aspect_rows:
                errors.append(row.error("aspect", _(
                    "Each aspect code once in the skill; %(code)s is also in row %(row)s",
                    code=aspect_code, row=aspect_rows[aspect_code])))
                continue
            aspect_rows[aspect_code] = row.number
            data = _aspect_from(row, errors)
            if data is not None:
                sub.aspects.append((row, data))

        for criterion in criteria.values():
            for name, message in service.criterion_problems(
                    CriterionInput(criterion.code, criterion.names)).items():
                errors.append(criterion.row.error(name.replace("name", "criterion_name"),
                                                  message))
            for sub in criterion.subs.values():
                for name, message in service.sub_criterion_problems(
                        SubCriterionInput(sub.code, sub.names, sub.day)).items():
                    if name.startswith("name"):
                        errors.append(sub.row.error(name.replace("name", "sub_criterion_name"),
                                                    message))
    errors.sort(key=lambda e: (e.sheet, e.row or 0))
    return list(criteria.values()), errors


def _report_locale():
    from ..people.forms import report_locale

    return report_locale()


# --- plan, apply, export -----------------------------------------------------------------------

def _texts(texts: dict[str, str] | None) -> str:
    """ru / kk / en texts as one line for the preview ("ru: …; en: …")."""
    return "; ".join(f"{locale}: {texts[locale]}" for locale in LOCALES
                     if texts and texts.get(locale))


def _comparable(data: AspectInput, place: str) -> dict[str, Any]:
    """What the preview compares, each as the text it shows."""
    descriptors = data.descriptors or []
    return {
        "place": place, "type": data.type, "max": service.max_text(data.max),
        "values": service.values_text(data.values),
        "description": _texts(data.description),
        "descriptors": " | ".join(f"{score}: {_texts(texts)}"
                                  for score, texts in enumerate(descriptors)),
        "standards_section": data.standards_section,
    }


def _stored_aspect(aspect: Aspect) -> dict[str, Any]:
    sub = aspect.sub_criterion
    return _comparable(service.aspect_input(aspect), f"{sub.criterion.code}/{sub.code}")


def plan_scheme(skill: Skill, rows) -> Plan:
    """Validate the file against the skill and say what importing it would change."""
    criteria, errors = parse_rows(rows)
    plan = Plan(errors=list(errors))
    row_list = _rows(rows)
    sheet = row_list[0].sheet if row_list else "rows"
    with _report_locale():
        try:
            service.refuse_replace_if_marked(skill)
        except SchemeError as refused:
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
        sums[criterion.code] = service.max_text(criterion_sum)
        total += criterion_sum
    for code, aspect in existing.items():
        if code not in seen:
            plan.items.append(PlannedRow(None, code, aspect.description(), "delete"))
    plan.extra = {
        "total": service.max_text(total),
        "total_is_100": total == service.HUNDRED,
        "criteria_sums": sums,
        "criteria": len(criteria),
        "sub_criteria": sum(len(c.subs) for c in criteria),
        "aspects": sum(len(s.aspects) for c in criteria for s in c.subs.values()),
        "replaces": {"criteria": len(skill.criteria), "aspects": len(existing)},
    }
    if total != service.HUNDRED and criteria:
        with _report_locale():
            plan.extra["warning"] = _(
                "The scheme total is %(total)s, not 100.00. The scheme can be used (regional "
                "schemes vary), but check the maxima.", total=service.max_text(total))
    plan.extra["_tree"] = criteria
    return plan


def apply_scheme(skill: Skill, plan: Plan) -> None:
    """Replace the skill's scheme by the planned one (inside the caller's write transaction)."""
    from ...extensions import db

    try:
        service.refuse_replace_if_marked(skill)
    except SchemeError as refused:
        raise RowsInvalid([RowError("", None, "", "", refused.message)]) from None
    criteria: list[_Criterion] = plan.extra["_tree"]
    skill.criteria.clear()
    db.session.flush()  # the old codes are gone before the new rows arrive
    for c_position, item in enumerate(criteria):
        criterion = Criterion(code=item.code, position=c_position)
        criterion.set_names(item.names)
        skill.criteria.append(criterion)
        for s_position, sub_item in enumerate(item.subs.values()):
            sub = SubCriterion(code=sub_item.code, day=sub_item.day, position=s_position)
            sub.set_names(sub_item.names)
            criterion.sub_criteria.append(sub)
            for a_position, (_row, data) in enumerate(sub_item.aspects):
                fields = service.aspect_fields(data)
                sub.aspects.append(Aspect(skill_id=skill.id, position=a_position, **fields))
    db.session.flush()


def export_scheme(skill: Skill) -> list[dict[str, Any]]:
    """The scheme as rows keyed by COLUMNS (see the contract above)."""
    rows: list[dict[str, Any]] = []
    for criterion in skill.criteria:
        base = {"criterion": criterion.code,
                **{f"criterion_name_{k}": v for k, v in criterion.names().items()}}
        if not criterion.sub_criteria:
            rows.append(dict(base))
        for sub in criterion.sub_criteria:
            sub_base = {**base, "sub_criterion": sub.code, "day": sub.day,
                        **{f"sub_criterion_name_{k}": v for k, v in sub.names().items()}}
            if not sub.aspects:
                rows.append(dict(sub_base))
            for aspect in sub.aspects:
                row = {**sub_base, "aspect": aspect.code, "type": aspect.type,
                       "max": service.max_text(aspect.max),
                       "values": service.values_text(aspect.allowed_values),
                       "standards_section": aspect.standards_section or "",
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

    def plan(self, table: Table, target, progress=None) -> Plan:
        return plan_scheme(target.skill, table)

    def apply(self, plan: Plan, target, progress=None) -> None:
        apply_scheme(target.skill, plan)

    def export_rows(self, target) -> Iterable[dict[str, Any]]:
        return export_scheme(target.skill)


SCHEME = SchemeImporter()
