"""Reading the audit log (it is written by competition.audit.record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import get_timezone
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ...extensions import db
from ...models import AuditEntry, Championship, User

PER_PAGE = 50


@dataclass
class AuditFilter:
    user_id: int = 0
    entity: str = ""
    action: str = ""
    championship_id: int = 0
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the interface's time zone, in UTC (how entries are stored)."""
    local = datetime.combine(day, time.min).replace(tzinfo=get_timezone())
    return local.astimezone(UTC)


def audit_page(flt: AuditFilter, page: int):
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if flt.user_id:
        query = query.where(AuditEntry.user_id == flt.user_id)
    if flt.entity:
        query = query.where(AuditEntry.entity == flt.entity)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.championship_id:
        query = query.where(AuditEntry.championship_id == flt.championship_id)
    if flt.since:
        query = query.where(AuditEntry.at >= _start_of(flt.since))
    if flt.until:
        query = query.where(AuditEntry.at < _start_of(flt.until + timedelta(days=1)))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def filter_choices() -> dict[str, list]:
    """The values the log holds, for the filter selects."""
    users = db.session.execute(
        sa.select(User.id, User.login).where(
            User.id.in_(sa.select(AuditEntry.user_id).distinct())).order_by(User.login)
    ).all()
    entities = db.session.execute(
        sa.select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).scalars().all()
    actions = db.session.execute(
        sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars().all()
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.code)).scalars().all()
    def options(pairs):
        return [SelectChoice(value, label) for value, label in pairs]

    return {
        "users": options([(0, _("Everyone"))] + [(uid, login) for uid, login in users]),
        "entities": options([("", _("Everything"))] + [(e, e) for e in entities]),
        "actions": options([("", _("Every action"))] + [(a, a) for a in actions]),
        "championships": options([(0, _("All championships"))] + [
            (c.id, c.name()) for c in championships]),
    }
