"""Rows checked by the people feature's own forms: what the importers of organizations and
competitors (people.py) and of experts (experts.py) share.

A row is validated by the form of the organizer's page (the field names are the column keys), so
a row imported from Excel obeys exactly the rules of that form; a rule that breaks while writing
(the database changed since the check) is RowsInvalid, which rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ..people.fields import error_messages, report_locale
from .tabular import Plan, PlannedRow, Row, RowError, Table

NAMES = ("name_ru", "name_kk", "name_en")
NAME_LANGUAGES = ("ru", "kk", "en")


def each_row(rows: Iterable, progress, label: str) -> Iterable:
    return progress(rows, label) if progress is not None else rows


def form_errors(row: Row, form) -> list[RowError]:
    errors = []
    for name, messages in error_messages(form).items():
        for message in messages:
            errors.append(row.error(name, message))
    return errors


def merged_values(row: Row, stored: dict[str, Any] | None) -> dict[str, str]:
    """The row's values, with the stored ones for the columns the file does not have."""
    values = dict(stored or {})
    values.update(row.values)
    return {key: "" if value is None else str(value) for key, value in values.items()}


def changed_fields(old: dict[str, Any], new: dict[str, Any], keys: Iterable[str]) -> dict:
    return {key: (old.get(key) or "", new.get(key) or "") for key in keys
            if (old.get(key) or "") != (new.get(key) or "")}


def duplicate_code(seen: dict[str, int], row: Row, key: str, value: str) -> RowError | None:
    if value in seen:
        return row.error(key, _("Each code once in the file; “%(code)s” is also in row "
                                "%(row)d.", code=value, row=seen[value]))
    seen[value] = row.number
    return None


def name_label(values: dict) -> str:
    return next((values.get(f) for f in ("name_ru", "name_kk", "name_en") if values.get(f)), "")


def plan_by_code(table: Table, existing: dict, stored, make_form, compared, fields,
                 label: str, progress) -> Plan:
    """Check each row with its form and plan a create, an update or nothing, by code.

    `stored(obj)` gives a record's current row values, `compared(form.data)` the values the
    row would store; `fields` limits which of them count as changes (None: all)."""
    plan = Plan()
    seen: dict[str, int] = {}
    with report_locale():
        for row in each_row(table.rows, progress, label):
            code = row.values.get("code", "").strip()
            duplicate = duplicate_code(seen, row, "code", code) if code else None
            if duplicate:
                plan.errors.append(duplicate)
                continue
            current = existing.get(code)
            before = stored(current) if current is not None else None
            form = make_form(MultiDict(merged_values(row, before)))
            if not form.validate():
                plan.errors.extend(form_errors(row, form))
                continue
            data = form.data
            new = compared(data)
            keys = new if fields is None else fields
            changes = changed_fields(before, new, keys) if before else {}
            action = "create" if current is None else "update" if changes else "unchanged"
            plan.items.append(PlannedRow(row, code, name_label(new), action, changes,
                                         payload=(data, current.id if current else None)))
    return plan


# --- a `name` column: one language's name ---------------------------------------------------------

def first_language(championship) -> str:
    """The language a `name` column is in: the first of the championship's certificate
    languages (DocumentSettings.languages, "kk+ru" → kk) when it has settings, else the
    installation's default language (docs/people.md, "Importing lists")."""
    from flask import current_app

    from ...models import DocumentSettings

    settings = db.session.get(DocumentSettings, championship.id) if championship else None
    if settings is not None and settings.languages:
        first = settings.languages.split("+")[0].strip()
        if first in NAME_LANGUAGES:
            return first
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")
    return default if default in NAME_LANGUAGES else "ru"


def fold_name_column(table: Table, language: str) -> list[RowError]:
    """Move each row's `name` into `name_<language>` (where that cell is empty); a row giving
    both, differently, is an error."""
    errors: list[RowError] = []
    if "name" not in table.columns:
        return errors
    target = f"name_{language}"
    for row in table.rows:
        name = row.values.pop("name", "").strip()
        if target not in row.headers and "name" in row.headers:
            row.headers[target] = row.headers["name"]
        if not name:
            continue
        given = row.values.get(target, "").strip()
        if given and given != name:
            errors.append(row.error(target, _(
                "One name in %(language)s: the columns %(name)s and %(other)s differ.",
                language=language, name=row.headers.get("name", "name"),
                other=row.headers.get(target, target)), value=name))
            continue
        row.values[target] = name
    return errors
