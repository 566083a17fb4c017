"""Certificates' public side: the verification page (`/verify/<code>`, the address under the
QR code) and the certificate's PDF (`/certificates/<code>.pdf`). Everyone may open them (the
guard in documents/views.py lets every role in); what they show follows
`certificates.verification.withheld`."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, render_template

from ..extensions import db
from ..models import Championship, Document
from ..models.base import pick_translation
from ..vocabulary import DocumentKind, ExpertRole
from .blueprint import bp
from .certificates.verification import withheld
from .views import pdf_response


@bp.app_template_filter("pick")
def pick(values) -> str:
    """A {ru, kk, en} text in the reader's language (else another one that is filled in)."""
    return pick_translation(values or {}) if isinstance(values, dict) else str(values or "")


CODE = re.compile(r"^[A-Za-z0-9_-]{10,64}$")


def _document(code: str) -> Document | None:
    if not CODE.fullmatch(code or ""):
        return None
    return db.session.execute(sa.select(Document).where(
        Document.verification_code == code)).scalar_one_or_none()


@bp.get("/verify/<code>")
def verify(code: str):
    """The certificate's status and details. One that tells a result (a medal, a Medallion, a
    place) of a skill not published now is answered 200 with "withheld" and nothing but its
    serial, skill and championship (`certificates.verification.withheld`)."""
    document = _document(code)
    if document is None:
        return render_template("documents/verify.html", document=None, code=code[:64]), 404
    details = document.details or {}
    championship = db.session.get(Championship, document.championship_id)
    if withheld(document):
        return render_template(
            "documents/verify.html", document=document, withheld=True,
            details={key: details[key] for key in ("skill", "championship") if key in details},
            championship=championship)
    replacement = (db.session.get(Document, document.replaced_by_id)
                   if document.replaced_by_id else None)
    return render_template(
        "documents/verify.html", document=document, details=details, withheld=False,
        kind=DocumentKind.label_of(document.kind), replacement=replacement,
        championship=championship,
        role=ExpertRole.label_of(details.get("role")) if details.get("role") else "")


@bp.get("/certificates/<code>.pdf")
def certificate_pdf(code: str):
    """The printed certificate: 404 when unknown, revoked, not printed, or withheld."""
    document = _document(code)
    if (document is None or document.revoked_at is not None or withheld(document)
            or not document.pdf):
        abort(404)
    return pdf_response(document.pdf, f"{document.serial}.pdf")
