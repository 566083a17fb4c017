"""Everything stored about one person (a competitor or an expert), as one JSON document
(`competition.personal-data/1`, docs/people.md, "Privacy"): every column of the person, their
team members or roles, the marks they received or entered, their results, penalties and
appeals, the audit entries about them, the certificates issued to them and their login
accounts (never a password, PIN or token hash)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    ApiToken,
    Appeal,
    Aspect,
    AuditEntry,
    Competitor,
    Document,
    Expert,
    Mark,
    MarkRevision,
    Sanction,
    User,
)
from ...models.base import utcnow
from ...standings import staff_standings

FORMAT = "competition.personal-data/1"
SECRET_COLUMNS = {"password_hash", "pin_hash", "token_hash", "pdf"}  # never exported


def plain(value):
    """A stored value as JSON: dates as ISO text, decimals as text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def columns(row) -> dict:
    """Every column of a row (deferred and secret ones left out)."""
    mapper = sa.inspect(type(row))
    return {attr.key: plain(getattr(row, attr.key)) for attr in mapper.column_attrs
            if attr.key not in SECRET_COLUMNS}


def _named(thing) -> dict | None:
    return None if thing is None else {"code": thing.code, "name": thing.names()}


def _audit(entity: str, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(AuditEntry, User.login).outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))
        .order_by(AuditEntry.at, AuditEntry.id)).all()
    return [{"at": plain(entry.at), "by": login, "action": entry.action,
             "entity": entry.entity, "summary": entry.summary,
             "changes": plain(entry.changes or {})} for entry, login in rows]


def _accounts(users: list[User]) -> list[dict]:
    accounts = []
    for user in users:
        tokens = db.session.execute(sa.select(ApiToken).where(
            ApiToken.user_id == user.id).order_by(ApiToken.id)).scalars()
        accounts.append({
            "login": user.login, "role": user.role, "enabled": user.is_enabled,
            "locale": user.locale, "created_at": plain(user.created_at),
            "last_login_at": plain(user.last_login_at),
            "has_password": bool(user.password_hash), "has_pin": bool(user.pin_hash),
            "tokens": [{"label": t.label, "created_at": plain(t.created_at),
                        "expires_at": plain(t.expires_at), "revoked_at": plain(t.revoked_at),
                        "last_used_at": plain(t.last_used_at)} for t in tokens]})
    return accounts


def _certificates(condition) -> list[dict]:
    documents = db.session.execute(
        sa.select(Document).where(condition).order_by(Document.id)).scalars()
    return [{"serial": d.serial, "kind": d.kind, "issued_at": plain(d.issued_at),
             "revoked_at": plain(d.revoked_at), "revoke_reason": d.revoke_reason,
             "verification_code": d.verification_code, "details": plain(d.details or {})}
            for d in documents]


def _marks(condition) -> list[dict]:
    rows = db.session.execute(
        sa.select(Mark, Aspect.code, Competitor.code, Expert.code)
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .outerjoin(Expert, Expert.id == Mark.judge_id)
        .where(condition).order_by(Mark.skill_id, Aspect.code, Competitor.code)).all()
    return [{"aspect": aspect, "competitor": competitor, "judge": judge,
             "value": plain(mark.value), "revision": mark.revision,
             "updated_at": plain(mark.updated_at)}
            for mark, aspect, competitor, judge in rows]


def _result(competitor: Competitor) -> dict | None:
    standings = staff_standings(competitor.skill)
    found = standings.row(competitor.code) if standings is not None else None
    if found is None:
        return None
    group, row = found
    result = asdict(row)
    result.pop("name", None)
    return plain(result | {"category": group.category, "final": group.final,
                           "visibility": standings.visibility})


def competitor_record(competitor: Competitor) -> dict:
    skill = competitor.skill
    users = db.session.execute(sa.select(User).where(
        User.competitor_id == competitor.id).order_by(User.id)).scalars().all()
    member_ids = [m.id for m in competitor.members]
    sanctions = db.session.execute(sa.select(Sanction).where(
        Sanction.competitor_id == competitor.id).order_by(Sanction.id)).scalars()
    appeals = db.session.execute(sa.select(Appeal).where(
        Appeal.competitor_id == competitor.id).order_by(Appeal.id)).scalars()
    certificates = Document.competitor_id == competitor.id
    if member_ids:
        certificates = sa.or_(certificates, Document.member_id.in_(member_ids))
    return {
        "format": FORMAT, "exported_at": plain(utcnow()), "kind": "competitor",
        "person": columns(competitor),
        "championship": _named(skill.championship), "skill": _named(skill),
        "organization": _named(competitor.organization),
        "members": [columns(m) for m in competitor.members],
        "marks_received": _marks(Mark.competitor_id == competitor.id),
        "result": _result(competitor),
        "sanctions": [columns(s) for s in sanctions],
        "appeals": [columns(a) for a in appeals],
        "audit": _audit("competitor", [competitor.id]),
        "certificates": _certificates(certificates),
        "accounts": _accounts(users),
    }


def expert_record(expert: Expert) -> dict:
    users = db.session.execute(sa.select(User).where(
        User.expert_id == expert.id).order_by(User.id)).scalars().all()
    user_ids = [u.id for u in users]
    entered = Mark.judge_id == expert.id
    if user_ids:
        entered = sa.or_(entered, Mark.id.in_(sa.select(MarkRevision.mark_id).where(
            MarkRevision.user_id.in_(user_ids))))
    return {
        "format": FORMAT, "exported_at": plain(utcnow()), "kind": "expert",
        "person": columns(expert),
        "championship": _named(expert.championship),
        "organization": _named(expert.organization),
        "roles": [{"skill": role.skill.code, "role": role.role,
                   "marking_team": role.marking_team} for role in expert.roles],
        "marks_entered": _marks(entered),
        "audit": _audit("expert", [expert.id]),
        "certificates": _certificates(Document.expert_id == expert.id),
        "accounts": _accounts(users),
    }


def person_record(kind: str, person) -> dict:
    return competitor_record(person) if kind == "competitor" else expert_record(person)
