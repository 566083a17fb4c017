"""An organization as organizers' lists name it: by code, or by its name in Russian, Kazakh or
English (docs/people.md, "Importing lists").

Names are compared folded: case, quotes (« » " ' “ ” „), spacing and "ё" do not matter, and a
legal form (ТОО, КГКП, ГККП, КГУ, АО, НАО, РГП, ИП, LLP, JSC …) at the start or the end is
ignored. An unknown name is refused with the three closest registered names (difflib).
"""

from __future__ import annotations

import difflib
import re

import sqlalchemy as sa
from flask_babel import gettext as _
from wtforms.validators import ValidationError

from ...extensions import db
from ...models import Organization

LEGAL_FORMS = ("тоо", "кгкп", "гккп", "ккгп", "кгу", "гу", "ао", "нао", "рго", "рга", "рги", "ргп",
               "ргкп", "гкп", "кгп", "ип", "жшс", "мкқк", "кмм", "аақ", "llp", "jsc", "llc",
               "ltd")
QUOTES = re.compile("[«»\"'“”„‟`’‘]")
_SPLIT = re.compile(r"[\s,.]+")


def fold_name(text: str | None) -> str:
    """The form of a name that comparisons use."""
    text = QUOTES.sub(" ", str(text or "")).casefold().replace("ё", "е")
    words = [w for w in _SPLIT.split(text) if w]
    while words and words[0] in LEGAL_FORMS:
        words = words[1:]
    while words and words[-1] in LEGAL_FORMS:
        words = words[:-1]
    return " ".join(words)


def _organizations() -> list[Organization]:
    return list(db.session.execute(sa.select(Organization)).scalars())


def resolve_organization(text: str | None) -> str:
    """The code of the organization `text` names (a code or a name); "" for an empty text.
    Raises ValidationError naming the closest names when none, or several, match."""
    text = (text or "").strip()
    if not text:
        return ""
    if db.session.execute(sa.select(Organization.id).where(Organization.code == text)).first():
        return text
    organizations = _organizations()
    folded = fold_name(text)
    by_name: dict[str, set[str]] = {}
    for organization in organizations:
        for name in (organization.name_ru, organization.name_kk, organization.name_en):
            if name:
                by_name.setdefault(fold_name(name), set()).add(organization.code)
    for organization in organizations:  # a code typed in another case
        by_name.setdefault(fold_name(organization.code), set()).add(organization.code)
    codes = by_name.get(folded, set()) if folded else set()
    if len(codes) == 1:
        return next(iter(codes))
    if len(codes) > 1:
        raise ValidationError(_("Several organizations have the name “%(name)s” (%(codes)s); "
                                "give the code instead.", name=text,
                                codes=", ".join(sorted(codes))))
    closest = closest_names(folded, organizations)
    if closest:
        raise ValidationError(_("No organization has the code or name “%(name)s”; the closest "
                                "registered: %(names)s. Correct the name, or register it "
                                "first.", name=text,
                                names="; ".join(closest)))
    raise ValidationError(_("No organization has the code or name “%(name)s”; register it "
                            "first or correct the name.", name=text))


def closest_names(folded: str, organizations: list[Organization], count: int = 3) -> list[str]:
    """The names (with codes) of the `count` organizations nearest to `folded`."""
    scored = []
    for organization in organizations:
        best = 0.0
        for name in (organization.name_ru, organization.name_kk, organization.name_en,
                     organization.code):
            if name:
                best = max(best, difflib.SequenceMatcher(None, folded, fold_name(name)).ratio())
        scored.append((-best, organization.code, organization))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [f"{o.name()} ({o.code})" for _score, _code, o in scored[:count]]
