"""A marking scheme's file read: its columns, and its rows parsed into a scheme with every error.

The columns and what each row holds are the contract at the top of importer.py (docs/scheme.md
for users). `parse_rows` checks every row against the scheme's rules (rules.py) and returns the
file's criteria -> sub-criteria -> aspects, and every error found, each at its row and column.
Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...config import LOCALES
from ..imports.tabular import Column, Row, RowError, Table
from ..people.fields import report_locale
from . import rules
from .kind_text import SETTINGS, normalize_kind, parse_kind_params
from .rules import SCORES, AspectInput, CriterionInput, SubCriterionInput

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
    Column("panel", ru="Судейская группа", kk="Сараптама тобы",
           aliases=("Judgement panel", "Panel"),
           help=_l("Optional: the experts who mark the sub-criterion's judgement aspects for "
                   "every competitor, by code, separated by commas (as many as the judges per "
                   "aspect); on its first row is enough.")),
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
    Column("kind", ru="Вид оценки", kk="Бағалау түрі",
           aliases=("Kind", "Mark kind", "Aspect kind"),
           help=_l("Measurement only, how the expert enters the mark: marks (a list, the "
                   "default), deduction (a count of errors), discrete (levels), binary "
                   "(yes/no); also список, вычет, дискретный, бинарный.")),
    Column("step", ru="Вычет за ошибку", kk="Қате үшін шегерім",
           aliases=("Step", "Deduction per error"),
           help=_l("Deduction only: what each error takes off the maximum, e.g. 0.25.")),
    Column("floor", ru="Нижний предел", kk="Төменгі шек",
           aliases=("Floor", "Lowest mark"),
           help=_l("Deduction only: the mark never goes below it; empty: 0.")),
    *_named("levels", "Уровни", "Деңгейлер", "Levels",
            _l("Discrete only: the levels, mark = label separated by \";\", e.g. 0 = not "
               "done; 0.50 = partly done; 1.00 = done (one level the maximum; every language "
               "given lists the same marks).")),
    Column("standards_section", ru="Раздел стандарта", kk="Стандарт бөлімі",
           aliases=("Standards section", "Раздел WSOS", "WSOS"),
           help=_l("The section of the occupational standard (WSOS), e.g. 6.")),
    Column("aspect_panel", ru="Группа аспекта", kk="Аспект тобы",
           aliases=("Aspect panel",),
           help=_l("Optional, judgement only: the aspect's own panel (expert codes separated "
                   "by commas), instead of the sub-criterion's.")),
    *[column for score in SCORES for column in _named(
        f"descriptor_{score}", f"Дескриптор {score}", f"Дескриптор {score}",
        f"Descriptor {score}",
        _l("Judgement only: what a score of %(score)s means (at least one language).",
           score=score))],
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
ASPECT_COLUMNS = ("type", "max", "values", "standards_section", "aspect_panel",
                  "kind", "step", "floor", *(f"levels_{locale}" for locale in LOCALES),
                  *(f"description_{locale}" for locale in LOCALES),
                  *(f"descriptor_{s}_{locale}" for s in SCORES for locale in LOCALES))
DESCRIPTOR_COLUMNS = tuple(f"descriptor_{s}_{locale}" for s in SCORES for locale in LOCALES)


# --- the parsed file ---------------------------------------------------------------------------

@dataclass
class ParsedSub:
    code: str
    names: dict[str, str]
    day: str
    row: Row
    aspects: list[tuple[Row, AspectInput]] = field(default_factory=list)
    panel: list[str] = field(default_factory=list)  # expert codes; empty: no panel
    panel_row: Row | None = None
    aspect_panels: dict[str, tuple[Row, list[str]]] = field(default_factory=dict)


@dataclass
class ParsedCriterion:
    code: str
    names: dict[str, str]
    row: Row
    subs: dict[str, ParsedSub] = field(default_factory=dict)


def as_rows(rows) -> list[Row]:
    """`rows` as tabular.Row: a Table's rows, Rows as they are, dicts numbered from 2 (row 1
    is the header)."""
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


def panel_codes(text: str) -> list[str]:
    """Expert codes separated by commas (or semicolons)."""
    return [code.strip() for code in text.replace(";", ",").split(",") if code.strip()]


def _merge_panel(sub: ParsedSub, row: Row, errors: list[RowError]) -> None:
    """The sub-criterion's panel: given once, later rows empty or the same."""
    codes = panel_codes(row.values.get("panel", ""))
    if not codes:
        return
    if sub.panel_row is None:
        sub.panel, sub.panel_row = codes, row
    elif codes != sub.panel:
        errors.append(row.error("panel", _(
            "The same panel as in row %(row)s for sub-criterion %(code)s, or an empty cell",
            row=sub.panel_row.number, code=sub.code)))


def _stray_settings(row: Row, how: str) -> list[RowError]:
    """Settings of another kind than the row's (a step without "deduction"…)."""
    wanted = {"step": "deduction", "floor": "deduction",
              **{f"levels_{locale}": "discrete" for locale in LOCALES}}
    return [row.error(column, _("Only for the kind %(kind)s: clear the cell or set the kind.",
                                kind=needed))
            for column, needed in wanted.items()
            if needed != how and row.values.get(column, "").strip()]


def _aspect_from(row: Row, errors: list[RowError]) -> AspectInput | None:
    values = row.values
    kind = rules.normalize_type(values.get("type", ""))
    found: list[RowError] = []
    maximum = None
    try:
        maximum = rules.parse_decimal(values.get("max", ""))
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
                allowed = rules.parse_values(values["values"])
            except ValueError as error:
                found.append(row.error("values", str(error)))
    descriptors = [_names(row, f"descriptor_{score}") for score in SCORES]
    if kind == "M" and any(text for d in descriptors for text in d.values()):
        first = next(key for key in DESCRIPTOR_COLUMNS if values.get(key, "").strip())
        found.append(row.error(first, _(
            "No descriptors for a measurement (M) aspect: descriptors describe judgement "
            "scores; clear them or change the type to J")))
    how = normalize_kind(values.get("kind", ""))
    params, unread = parse_kind_params(how, values.get("step", ""), values.get("floor", ""),
                                       _names(row, "levels"))
    found.extend(row.error(name, message) for name, message in unread.items())
    found.extend(_stray_settings(row, how))
    data = AspectInput(code=values.get("aspect", "").strip(), type=kind, max=maximum,
                       values=allowed, description=_names(row, "description"),
                       descriptors=descriptors if kind == "J" else None,
                       standards_section=values.get("standards_section", "").strip(),
                       kind=how, kind_params=params)
    problems = rules.aspect_problems(data)
    if maximum is None:
        problems.pop("max", None)
    for name in SETTINGS if unread else ():  # said by the parser, in its own words
        problems.pop(name, None)
    for name, message in problems.items():
        column = "aspect" if name == "code" else name
        found.append(row.error(column, message))
    errors.extend(found)
    return None if found else data


def parse_rows(rows) -> tuple[list[ParsedCriterion], list[RowError]]:
    """The file's scheme as a tree, and every error found in it."""
    errors: list[RowError] = []
    criteria: dict[str, ParsedCriterion] = {}
    aspect_rows: dict[str, int] = {}
    with report_locale():
        for row in as_rows(rows):
            values = row.values
            code = values.get("criterion", "").strip()
            problem = rules.criterion_problems(CriterionInput(code, {"ru": "-"})).get("code")
            if problem:
                errors.append(row.error("criterion", problem))
                continue
            criterion = criteria.get(code)
            if criterion is None:
                criterion = criteria[code] = ParsedCriterion(code, _names(row, "criterion_name"),
                                                             row)
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
            problem = rules.sub_criterion_problems(
                SubCriterionInput(sub_code, {"ru": "-"}, "C1")).get("code")
            if problem:
                errors.append(row.error("sub_criterion", problem))
                continue
            day_text = values.get("day", "").strip()
            day = rules.normalize_day(day_text) if day_text else ""
            sub = criterion.subs.get(sub_code)
            if sub is None:
                sub = criterion.subs[sub_code] = ParsedSub(
                    sub_code, _names(row, "sub_criterion_name"), day or "C1", row)
                problem = rules.sub_criterion_problems(
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

            _merge_panel(sub, row, errors)
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
                own = panel_codes(values.get("aspect_panel", ""))
                if own and data.type != "J":
                    errors.append(row.error("aspect_panel", _(
                        "Only a judgement (J) aspect has a panel: clear the cell")))
                elif own:
                    sub.aspect_panels[aspect_code] = (row, own)

        for criterion in criteria.values():
            for name, message in rules.criterion_problems(
                    CriterionInput(criterion.code, criterion.names)).items():
                errors.append(criterion.row.error(name.replace("name", "criterion_name"),
                                                  message))
            for sub in criterion.subs.values():
                for name, message in rules.sub_criterion_problems(
                        SubCriterionInput(sub.code, sub.names, sub.day)).items():
                    if name.startswith("name"):
                        errors.append(sub.row.error(name.replace("name", "sub_criterion_name"),
                                                    message))
    errors.sort(key=lambda e: (e.sheet, e.row or 0))
    return list(criteria.values()), errors
