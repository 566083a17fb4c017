"""Awards (nominations): the use cases of the organizer's awards pages.

An `Award` row is one nomination given to one recipient; a nomination given to several
recipients («Лучший социальный партнёр» to three enterprises) is several rows with the same
title. The title triple (name_ru, name_kk, name_en) is what binds the rows of a nomination
together, so every function here works on a *nomination*, found from any one of its rows: the
pages name a nomination by the id of one of its awards.

Order: `position` numbers every row of a championship, nominations first to last and, inside
one, its recipients in order; each change renumbers them 1…n (`_renumber`), so the order never
depends on ties.

Each change runs in one `write_transaction()` and records one audit entry per row it creates,
changes or deletes (entity "award"). A broken rule raises `Invalid` (`.field` names the form
field, `.message` is for people) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..database import write_transaction
from ..errors import Invalid
from ..extensions import db
from ..models import Award, Championship, Organization
from ..models.base import pick_translation

LANGS = ("ru", "kk", "en")
RECIPIENT_KINDS = ("organization", "person")
TEXT_MAX = 500


@dataclass(frozen=True)
class Person:
    """A person to award: their name in up to three languages, and their organization (id)."""

    names: dict[str, str]
    organization_id: int | None = None
    row: int | None = None  # its line in the form, for messages (else its place in the list)


@dataclass
class Nomination:
    """The rows of a championship that share one title, in order."""

    names: dict[str, str]
    awards: list[Award] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The id the pages use for the nomination: its first row's."""
        return self.awards[0].id

    @property
    def championship_id(self) -> int:
        return self.awards[0].championship_id

    def name(self, locale: str | None = None) -> str:
        return pick_translation(self.names, locale)


# --- reading ------------------------------------------------------------------------------------

def _clean(text) -> str:
    return " ".join(str(text or "").split())


def _title(award: Award) -> tuple[str, str, str]:
    return (award.name_ru or "", award.name_kk or "", award.name_en or "")


def recipient_name(award: Award, locale: str | None = None) -> str:
    """Who got the award: the organization's name, or the person's."""
    if award.recipient_kind == "organization":
        return award.organization.name(locale) if award.organization is not None else ""
    return pick_translation({"ru": award.recipient_ru, "kk": award.recipient_kk,
                             "en": award.recipient_en}, locale)


def nominations(championship_id: int) -> list[Nomination]:
    """The championship's nominations in order, each with its awards in order."""
    rows = db.session.execute(
        sa.select(Award).where(Award.championship_id == championship_id)
        .options(sa.orm.joinedload(Award.organization))
        .order_by(Award.position, Award.id)).scalars().all()
    groups: dict[tuple[str, str, str], Nomination] = {}
    for row in rows:
        key = _title(row)
        if key not in groups:
            groups[key] = Nomination(dict(zip(LANGS, key, strict=True)))
        groups[key].awards.append(row)
    return list(groups.values())


def nomination_of(award_id: int) -> Nomination | None:
    """The nomination award `award_id` belongs to (None if there is no such award)."""
    award = db.session.get(Award, award_id)
    if award is None:
        return None
    for nomination in nominations(award.championship_id):
        if any(a.id == award_id for a in nomination.awards):
            return nomination
    return None  # pragma: no cover - the award was just read


def championships_with_awards() -> list[tuple[Championship, list[Nomination]]]:
    """Every championship, newest first (as the results pages list them), with its
    nominations."""
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    return [(c, nominations(c.id)) for c in championships]


# --- validation ---------------------------------------------------------------------------------

def _names(values: dict, what: str, field_prefix: str = "name") -> dict[str, str]:
    names = {lang: _clean(values.get(lang)) for lang in LANGS}
    for lang in LANGS:
        if len(names[lang]) > TEXT_MAX:
            raise Invalid(_("At most %(max)d characters.", max=TEXT_MAX),
                          field=f"{field_prefix}_{lang}")
    if not any(names.values()):
        raise Invalid(what, field=f"{field_prefix}_ru")
    return names


def _title_names(values: dict) -> dict[str, str]:
    return _names(values, _("Give the nomination's title in at least one language (Russian, "
                            "Kazakh or English)."))


def _same_title(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two titles name the same nomination if they agree in any language both have."""
    return any(a[lang] and b[lang] and a[lang].casefold() == b[lang].casefold()
               for lang in LANGS)


def _check_title_free(championship_id: int, names: dict[str, str],
                      own: Nomination | None = None) -> None:
    for other in nominations(championship_id):
        if own is not None and other.id == own.id:
            continue
        if _same_title(names, other.names):
            raise Invalid(_(
                "The nomination “%(name)s” already exists in this championship; open it to add "
                "recipients, or choose another title.", name=other.name()), field="name_ru")


def _organization(organization_id, field_name: str) -> Organization:
    try:
        ident = int(organization_id)
    except (TypeError, ValueError):
        ident = None
    found = db.session.get(Organization, ident) if ident is not None else None
    if found is None:
        raise Invalid(_("No organization #%(id)s is registered; choose one from the "
                        "list.", id=organization_id), field=field_name)
    return found


def _person_key(names: dict[str, str], organization_id: int | None):
    return ({lang: names[lang].casefold() for lang in LANGS}, organization_id)


def _same_person(a, b) -> bool:
    names_a, org_a = a
    names_b, org_b = b
    return org_a == org_b and any(names_a[lang] and names_a[lang] == names_b[lang]
                                  for lang in LANGS)


def _new_rows(championship_id: int, names: dict[str, str], organization_ids: Iterable,
              people: Sequence[Person], existing: Sequence[Award]) -> list[Award]:
    """The Award rows to add (not yet in the session), checked against `existing` rows of the
    nomination and against each other."""
    rows: list[Award] = []
    taken_orgs = {a.organization_id for a in existing if a.recipient_kind == "organization"}
    for organization_id in organization_ids:
        organization = _organization(organization_id, "organizations")
        if organization.id in taken_orgs:
            raise Invalid(_(
                "“%(name)s” is already a recipient of this nomination.",
                name=organization.name()), field="organizations")
        taken_orgs.add(organization.id)
        rows.append(Award(championship_id=championship_id, recipient_kind="organization",
                          organization_id=organization.id, organization=organization,
                          recipient_ru="", recipient_kk="", recipient_en="", **_title_kw(names)))
    taken_people = [_person_key({"ru": a.recipient_ru or "", "kk": a.recipient_kk or "",
                                 "en": a.recipient_en or ""}, a.organization_id)
                    for a in existing if a.recipient_kind == "person"]
    for index, person in enumerate(people):
        prefix = f"people-{index if person.row is None else person.row}"
        person_names = _names(person.names, _("Give the person's name in at least one language."),
                              f"{prefix}-name")
        organization = None
        if person.organization_id:
            organization = _organization(person.organization_id, f"{prefix}-organization")
        key = _person_key(person_names, organization.id if organization else None)
        if any(_same_person(key, other) for other in taken_people):
            raise Invalid(_(
                "%(name)s is already a recipient of this nomination.",
                name=pick_translation(person_names)), field=f"{prefix}-name_ru")
        taken_people.append(key)
        rows.append(Award(championship_id=championship_id, recipient_kind="person",
                          organization_id=organization.id if organization else None,
                          organization=organization,
                          recipient_ru=person_names["ru"], recipient_kk=person_names["kk"],
                          recipient_en=person_names["en"], **_title_kw(names)))
    return rows


def _title_kw(names: dict[str, str]) -> dict[str, str]:
    return {f"name_{lang}": names[lang] for lang in LANGS}


def _summary(award: Award) -> str:
    title = pick_translation({lang: getattr(award, f"name_{lang}") for lang in LANGS})
    return f"{title} — {recipient_name(award)}"


def _row_values(award: Award) -> dict:
    return {"name_ru": award.name_ru, "name_kk": award.name_kk, "name_en": award.name_en,
            "recipient_kind": award.recipient_kind, "organization_id": award.organization_id,
            "recipient_ru": award.recipient_ru, "recipient_kk": award.recipient_kk,
            "recipient_en": award.recipient_en, "position": award.position}


def _renumber(groups: Sequence[Nomination]) -> None:
    position = 0
    for nomination in groups:
        for award in nomination.awards:
            position += 1
            if award.position != position:
                award.position = position


def _record_rows(action: str, rows: Iterable[Award]) -> None:
    for row in rows:
        values = _row_values(row)
        changes = ({k: [None, v] for k, v in values.items()} if action == "create"
                   else {k: [v, None] for k, v in values.items()})
        audit.record(action, "award", row.id, summary=_summary(row), changes=changes,
                     championship_id=row.championship_id)


def _nomination_in_transaction(award_id: int) -> tuple[list[Nomination], Nomination]:
    award = db.session.get(Award, award_id)
    if award is None:
        raise LookupError(award_id)
    groups = nominations(award.championship_id)
    for nomination in groups:
        if any(a.id == award_id for a in nomination.awards):
            return groups, nomination
    raise LookupError(award_id)  # pragma: no cover


def _has_recipients(organization_ids: Sequence, people: Sequence[Person]) -> None:
    if not organization_ids and not people:
        raise Invalid(_(
            "Choose at least one organization or give at least one person's name."),
            field="organizations")


# --- changes ------------------------------------------------------------------------------------

def create_nomination(championship_id: int, title: dict, organization_ids: Sequence = (),
                      people: Sequence[Person] = ()) -> Nomination:
    """A new nomination, last in the championship's order, given to the organizations (ids)
    and people listed, in that order."""
    organization_ids = list(organization_ids)
    people = list(people)
    with write_transaction() as session:
        if session.get(Championship, championship_id) is None:
            raise LookupError(championship_id)
        names = _title_names(title)
        _has_recipients(organization_ids, people)
        _check_title_free(championship_id, names)
        groups = nominations(championship_id)
        rows = _new_rows(championship_id, names, organization_ids, people, ())
        session.add_all(rows)
        nomination = Nomination(names, rows)
        groups.append(nomination)
        _renumber(groups)
        session.flush()
        _record_rows("create", rows)
    return nomination


def rename_nomination(award_id: int, title: dict) -> Nomination:
    """A new title for every row of the nomination award `award_id` belongs to."""
    with write_transaction():
        _groups, nomination = _nomination_in_transaction(award_id)
        names = _title_names(title)
        _check_title_free(nomination.championship_id, names, own=nomination)
        for award in nomination.awards:
            changes = audit.diff(award, ["name_ru", "name_kk", "name_en"], _title_kw(names))
            if changes:
                audit.record("update", "award", award.id, summary=_summary(award),
                             changes=changes, championship_id=award.championship_id)
        nomination.names = names
    return nomination


def add_recipients(award_id: int, organization_ids: Sequence = (),
                   people: Sequence[Person] = ()) -> list[Award]:
    """More recipients of the nomination award `award_id` belongs to, after its last one."""
    organization_ids = list(organization_ids)
    people = list(people)
    with write_transaction() as session:
        groups, nomination = _nomination_in_transaction(award_id)
        _has_recipients(organization_ids, people)
        rows = _new_rows(nomination.championship_id, nomination.names, organization_ids,
                         people, nomination.awards)
        session.add_all(rows)
        nomination.awards.extend(rows)
        _renumber(groups)
        session.flush()
        _record_rows("create", rows)
    return rows


def remove_recipient(award_id: int) -> Nomination | None:
    """Take one recipient off its nomination; the nomination that is left (None when that was
    its last recipient: the nomination is gone)."""
    with write_transaction() as session:
        groups, nomination = _nomination_in_transaction(award_id)
        award = next(a for a in nomination.awards if a.id == award_id)
        _record_rows("delete", [award])
        nomination.awards.remove(award)
        session.delete(award)
        _renumber([g for g in groups if g.awards])
    return nomination if nomination.awards else None


def delete_nomination(award_id: int) -> int:
    """Delete the nomination award `award_id` belongs to, all its recipients; how many."""
    with write_transaction() as session:
        groups, nomination = _nomination_in_transaction(award_id)
        _record_rows("delete", nomination.awards)
        for award in nomination.awards:
            session.delete(award)
        _renumber([g for g in groups if g is not nomination])
        return len(nomination.awards)


def _moved(items: list, index: int, step: int) -> bool:
    target = index + step
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    return True


def move_nomination(award_id: int, step: int) -> bool:
    """Move the nomination one place up (step -1) or down (+1); False at either end."""
    with write_transaction():
        groups, nomination = _nomination_in_transaction(award_id)
        index = groups.index(nomination)
        if not _moved(groups, index, step):
            return False
        before = nomination.awards[0].position
        _renumber(groups)
        audit.record("move", "award", nomination.id, summary=nomination.name(),
                     changes={"position": [before, nomination.awards[0].position]},
                     championship_id=nomination.championship_id)
    return True


def move_recipient(award_id: int, step: int) -> bool:
    """Move a recipient one place up or down inside its nomination; False at either end."""
    with write_transaction():
        groups, nomination = _nomination_in_transaction(award_id)
        award = next(a for a in nomination.awards if a.id == award_id)
        before = award.position
        if not _moved(nomination.awards, nomination.awards.index(award), step):
            return False
        _renumber(groups)
        audit.record("move", "award", award.id, summary=_summary(award),
                     changes={"position": [before, award.position]},
                     championship_id=award.championship_id)
    return True
