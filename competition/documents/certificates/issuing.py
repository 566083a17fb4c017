"""Issuing certificates: serials (CHAMPIONSHIP-000001, never reused), keeping what is unchanged,
re-issuing what changed (the old serial is revoked and points to its replacement) and revoking
what is no longer due. Runs inside the caller's write transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ...models import Championship, Document
from ...models.base import utcnow
from .due import Scope, make_slot


def _slot_of(document: Document) -> tuple:
    return make_slot(document.kind, document.skill_id, document.competitor_id,
                     document.member_id, document.expert_id, document.award_id)


def _next_number(session, championship: Championship) -> int:
    prefix = f"{championship.code}-"
    serials = session.execute(sa.select(Document.serial).where(
        Document.championship_id == championship.id)).scalars()
    numbers = [int(s[len(prefix):]) for s in serials
               if s.startswith(prefix) and s[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


@dataclass
class Issued:
    documents: list[Document] = field(default_factory=list)  # in print order
    new: int = 0
    kept: int = 0
    reissued: int = 0
    revoked: int = 0


def issue(session, scope: Scope) -> Issued:
    """Inside a write transaction: make the issued documents match what is due in the scope."""
    from ...audit import record

    due = scope.due()
    live = {}
    for document in session.execute(sa.select(Document).where(
            Document.championship_id == scope.championship.id,
            Document.revoked_at.is_(None))).scalars():
        if scope.covers(document):
            live.setdefault(_slot_of(document), document)
    number = _next_number(session, scope.championship)
    result = Issued()
    now = utcnow()
    seen = set()
    for item in due:
        seen.add(item.slot)
        old = live.get(item.slot)
        if old is not None and old.kind == item.kind and old.details == item.details:
            result.documents.append(old)
            result.kept += 1
            continue
        document = Document(
            championship_id=scope.championship.id, kind=item.kind,
            serial=f"{scope.championship.code}-{number:06d}", skill_id=item.skill_id,
            competitor_id=item.competitor_id, member_id=item.member_id,
            expert_id=item.expert_id, award_id=item.award_id, details=item.details,
            issued_at=now)
        number += 1
        session.add(document)
        session.flush()
        if old is not None:
            old.revoked_at = now
            old.revoke_reason = "reissued"
            old.replaced_by_id = document.id
            result.reissued += 1
        else:
            result.new += 1
        result.documents.append(document)
    for slot, document in live.items():
        if slot not in seen:
            document.revoked_at = now
            document.revoke_reason = "no-longer-due"
            result.revoked += 1
    if result.new or result.reissued or result.revoked:
        record("certificates.issue", "championship", scope.championship.id,
               f"certificates: {result.new} new, {result.reissued} re-issued, "
               f"{result.revoked} revoked, {result.kept} unchanged",
               {"skill": scope.skill.code if scope.skill else None,
                "groups": list(scope.groups)},
               championship_id=scope.championship.id)
    return result
