"""What the public may see of an issued certificate, and the address that verifies it (printed
under its QR code; the page is documents/public_views.py `verify`)."""

from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...models import Document, Skill
from .kinds import MEDAL_KINDS


def verify_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + "/verify/" + code


def tells_a_result(document: Document) -> bool:
    """Whether the certificate says how its holder placed: a medal, a Medallion or a place."""
    details = document.details or {}
    return (document.kind in MEDAL_KINDS or details.get("medal") is not None
            or details.get("rank") is not None)


def withheld(document: Document) -> bool:
    """Whether the public may not see this certificate now: it tells a result and its skill is
    not published at this moment (set back to hidden, progress, live or frozen after printing,
    say for a review; or gone), or an appeal against its results is open (docs/appeals.md).
    The one rule of every public view of certificates — the participant's page,
    /verify/<code>, /certificates/<code>.pdf — for every viewer, staff too (they have the
    batches). Revoked ones included: a revocation tells a result as well."""
    if not tells_a_result(document):
        return False
    skill = db.session.get(Skill, document.skill_id) if document.skill_id is not None else None
    return skill is None or not skill.results_final  # unpublished, or under appeal


def certificates_of(competitor_id: int) -> list[Document]:
    """The competitor's (and their team members') valid, printed certificates the public may
    see now (none that is withheld)."""
    found = db.session.execute(
        sa.select(Document).where(Document.competitor_id == competitor_id,
                                  Document.revoked_at.is_(None), Document.pdf.is_not(None))
        .order_by(Document.member_id, Document.id)).scalars().all()
    return [document for document in found if not withheld(document)]
