"""What an import re-checks inside its short write transaction: only what may have changed since
its rows were checked, outside the transaction (service.run_import).

Each importer gives its `stamps(target, codes)`: the records of the file's codes (those it may
touch), by code, each with its row as it is stored (any change of the record changes it), and
under the key None what the whole check rests on (a skill's team size and its championship's
categories, the chief experts of a championship, a skill's scheme). They are taken before the
check reads anything and again inside the write transaction; `changed_since` turns the
difference into errors of the file's rows, so that the import fails whole, saying what
changed, rather than write over someone else's change:

- a code the file creates that someone else registered meanwhile;
- a record the file updates (or, a scheme, deletes) that someone else changed or deleted;
- what the whole check rests on, changed.

A record the file leaves unchanged may change meanwhile: the import does not write it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from .tabular import Plan, RowError, Table

Stamps = dict[str | None, Any]


def file_codes(table: Table, column: str = "code") -> list[str]:
    """The codes the file's rows give (what its stamps are taken of)."""
    return sorted({row.values.get(column, "").strip() for row in table.rows} - {""})


def rows_by_code(statement: sa.Select, code: str = "code") -> Stamps:
    """{code: the row as a tuple} of a SELECT of whole rows (Core: no ORM identity map, so
    what the database holds now)."""
    return {getattr(row, code): tuple(row) for row in db.session.execute(statement)}


def grouped(rows: Iterable, key: str) -> dict[Any, tuple]:
    """Rows (tuples with a `key` attribute) grouped by it, each group a tuple of row tuples."""
    groups: dict[Any, list] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(tuple(row))
    return {value: tuple(group) for value, group in groups.items()}


def changed_since(plan: Plan, before: Stamps, after: Stamps, sheet: str,
                  depends_on: str = "", code_column: str = "code") -> list[RowError]:
    errors: list[RowError] = []
    if before.get(None) != after.get(None):
        errors.append(RowError(sheet, None, "", "", _(
            "Someone else changed %(what)s while the file was being imported.",
            what=depends_on or _("what this file depends on"))))
    for item in plan.items:
        if item.action == "create" and item.code in after:
            message = _("The code “%(code)s” was registered by someone else while the file "
                        "was being imported.", code=item.code)
        elif item.action in ("update", "delete") and \
                before.get(item.code) != after.get(item.code):
            message = _("“%(code)s” was changed or deleted by someone else while the file was "
                        "being imported.", code=item.code)
        else:
            continue
        errors.append(item.row.error(code_column, message) if item.row is not None
                      else RowError(sheet, None, "", item.code, message))
    return errors
