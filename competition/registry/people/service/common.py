"""What the people use cases share: the three name fields, how typed text is cleaned, the
search and paging of the lists, and the natural order of codes ("2" before "10")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa

from .... import audit
from ....database import write_transaction
from ....errors import Conflict, NotFound
from ....extensions import db

NAME_FIELDS = ("name_ru", "name_kk", "name_en")


def text_of(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def text_or_none(value) -> str | None:
    return text_of(value) or None


def natural_key(text: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"(\d+)", text) if p)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(query, q: str | None, *columns):
    # NFC, as names are stored (competition/registry/people/fields.py)
    q = unicodedata.normalize("NFC", (q or "").strip())
    if not q:
        return query
    # SQLite folds only ASCII letters: try the usual spellings of Cyrillic words too
    variants = {q, q.lower(), q.capitalize(), q.title(), q.upper()}
    escaped = [v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
               for v in variants]
    return query.where(sa.or_(*(c.ilike(f"%{v}%", escape="\\")
                                for c in columns for v in escaped)))


def paginate(query, page: int, per_page: int) -> Page:
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(list(items), total, page, per_page)


def delete_audited(model, entity_id: int, refusal, record) -> None:
    """Delete one row of the lists (an organization, a skill, a competitor, an expert) with its
    audit entry, in one transaction. `refusal(row)` says why it must stay (None: it may go):
    a Conflict with code `in_use`; `record(row)` gives the audit entry's (kind, summary,
    changes, championship_id). A row already gone is NotFound."""
    with write_transaction() as session:
        row = session.get(model, entity_id)
        if row is None:
            raise NotFound()
        reason = refusal(row)
        if reason:
            raise Conflict(reason, code="in_use")
        kind, summary, changes, championship_id = record(row)
        audit.record("delete", kind, row.id, summary=summary, changes=changes,
                     championship_id=championship_id)
        session.delete(row)
