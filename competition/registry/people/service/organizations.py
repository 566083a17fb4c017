"""Organizations (colleges, enterprises …): an organization's columns from the form
(`organization_values`, also for an import row), the organizer's page (save, delete, list),
and finding one by code."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .... import audit
from ....database import write_transaction
from ....errors import Invalid
from ....extensions import db
from ....models import Award, Competitor, Expert, Organization
from .common import NAME_FIELDS, Page, delete_audited, paginate, search, text_of

ORGANIZATION_FIELDS = ("code", *NAME_FIELDS, "kind", "region")


def organization_values(data: dict) -> dict:
    """An organization's columns from OrganizationForm.data (the form's save and an import
    row alike)."""
    return {"code": text_of(data.get("code")), "name_ru": text_of(data.get("name_ru")),
            "name_kk": text_of(data.get("name_kk")), "name_en": text_of(data.get("name_en")),
            "kind": data.get("kind") or "college", "region": text_of(data.get("region"))}


def _apply_organization(data: dict, existing: Organization | None) -> tuple[Organization, dict]:
    values = organization_values(data)
    session = db.session
    taken = session.execute(
        sa.select(Organization).where(Organization.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not existing:
        raise Invalid(_("The organization code “%(code)s” is already used by "
                        "“%(name)s”; choose another code.",
                        code=values["code"], name=taken.name()),
                      field="code", code="code_taken")
    organization = existing or Organization()
    changes = audit.diff(organization, list(ORGANIZATION_FIELDS), values)
    if existing is None:
        session.add(organization)
    session.flush()
    return organization, changes


def save_organization(data: dict, organization_id: int | None = None) -> Organization:
    with write_transaction() as session:
        existing = session.get(Organization, organization_id) if organization_id else None
        organization, changes = _apply_organization(data, existing)
        audit.record("update" if existing else "create", "organization", organization.id,
                     summary=f"{organization.code} {organization.name()}", changes=changes)
    return organization


def organization_uses(organization: Organization) -> dict[str, int]:
    """How many competitors, experts and awards reference the organization."""
    def count(model) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(model)
            .where(model.organization_id == organization.id)).scalar_one()
    return {"competitors": count(Competitor), "experts": count(Expert), "awards": count(Award)}


def organization_delete_refusal(organization: Organization) -> str | None:
    uses = organization_uses(organization)
    if not any(uses.values()):
        return None
    return _("This organization cannot be deleted: it is referred to by competitors "
             "(%(competitors)d), experts (%(experts)d) and awards (%(awards)d). Move them to "
             "another organization first.", **uses)


def delete_organization(organization_id: int) -> None:
    delete_audited(Organization, organization_id, organization_delete_refusal,
                   lambda organization: (
                       "organization", f"{organization.code} {organization.name()}",
                       {f: [getattr(organization, f), None] for f in ORGANIZATION_FIELDS},
                       None))


def list_organizations(q: str | None = None, kind: str | None = None, page: int = 1,
                       per_page: int = 100) -> Page:
    query = sa.select(Organization).order_by(Organization.code)
    query = search(query, q, Organization.code, *(getattr(Organization, f) for f in NAME_FIELDS))
    if kind:
        query = query.where(Organization.kind == kind)
    return paginate(query, page, per_page)


def all_organizations() -> list[Organization]:
    return list(db.session.execute(sa.select(Organization).order_by(Organization.code)).scalars())


def organization_id_by_code(code: str | None, field: str = "organization") -> int | None:
    """The id of the organization with `code` (None for an empty code); Invalid on `field`
    when no organization has it."""
    code = text_of(code)
    if not code:
        return None
    organization = db.session.execute(
        sa.select(Organization).where(Organization.code == code)).scalar_one_or_none()
    if organization is None:
        raise Invalid(_("No organization has the code “%(code)s”; register it first or "
                        "correct the code.", code=code),
                      field=field, code="unknown_organization")
    return organization.id


def organization_finder():
    """`organization_id_by_code` for many rows (an import's): every organization's id read at
    once, the query only for a code not among them (for its error)."""
    ids = dict(db.session.execute(sa.select(Organization.code, Organization.id)).all())

    def organization_id(code: str | None) -> int | None:
        code = text_of(code)
        return ids[code] if code in ids else organization_id_by_code(code)

    return organization_id
