"""What one certificate page says: the variables of its template (docs/documents.md), in each
of the championship's certificate languages, from the issued document's details and the
championship's certificate settings (languages, date, logo, signatories)."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Championship, Document, DocumentSettings
from ...vocabulary import AbilympicsCategory, DocumentKind, ExpertRole
from ..render import PDF_ORIGIN, qr_image


def asset_url(asset_id: int | None) -> str | None:
    return None if asset_id is None else f"{PDF_ORIGIN}/documents/assets/{asset_id}"


def settings_of(championship: Championship) -> DocumentSettings:
    settings = db.session.get(DocumentSettings, championship.id)
    if settings is None:
        settings = DocumentSettings(championship_id=championship.id, languages="kk+ru",
                                    signatories=[])
    return settings


def _words(kind: str, languages: list[str], issued_on: date | None) -> dict[str, dict]:
    text = {}
    for language in languages:
        with force_locale(language):
            text[language] = {
                "heading": str(DocumentKind(kind).heading),
                "awarded": str(_l("is awarded to")),
                "reason": str(DocumentKind(kind).reason),
                "skill": str(_l("Skill")),
                "serial": str(_l("No.")),
                "verify": str(_l("Check this certificate")),
                "date": format_date(issued_on, "long") if issued_on else "",
                "roles": {k: str(v) for k, v in ExpertRole.labels().items()},
                "categories": {k: str(v) for k, v in AbilympicsCategory.labels().items()},
            }
    return text


def _by_language(values: dict | None, languages: list[str]) -> dict[str, str]:
    """Each language's text; one missing falls back to the other languages (a name typed only
    in Russian is printed in Russian on the Kazakh side too)."""
    values = values or {}
    out = {}
    for language in languages:
        out[language] = values.get(language) or next(
            (values[other] for other in ("kk", "ru", "en") if values.get(other)), "")
    return out


def page_context(document: Document | None, details: dict, settings: DocumentSettings,
                 championship: Championship, verify_url: str, qr: bool = True) -> dict:
    """The variables of one certificate's template (docs/documents.md). With qr=False the QR
    code is left for the render process to draw (`printing.Job.document`)."""
    languages = settings.languages.split("+")
    issued_on = settings.issued_on or championship.ends_on or (
        document.issued_at.date() if document is not None else date.today())
    skill = details.get("skill")
    signatories = [
        {"name": _by_language({k: s.get(f"name_{k}", "") for k in ("ru", "kk", "en")},
                              languages),
         "title": _by_language({k: s.get(f"title_{k}", "") for k in ("ru", "kk", "en")},
                               languages),
         "signature_url": asset_url(s.get("asset_id"))}
        for s in settings.signatories or ()]
    text = _words(details["kind"], languages, issued_on)
    nomination = (_by_language(details.get("nomination"), languages)
                  if details.get("nomination") else None)
    for language in languages:
        with force_locale(language):
            text[language]["nomination"] = str(_l(
                "in the nomination «%(name)s»", name=nomination[language])) if nomination else ""
    return {
        "kind": details["kind"],
        "languages": languages,
        "text": text,
        "championship": _by_language(details["championship"]["name"], languages),
        "venue": _by_language({"ru": championship.venue_ru, "kk": championship.venue_kk,
                               "en": championship.venue_en}, languages),
        "recipient": _by_language(details.get("recipient"), languages),
        "organization": _by_language(details.get("organization"), languages),
        "skill": _by_language(skill["name"], languages) if skill else None,
        "skill_code": skill["code"] if skill else "",
        "nomination": nomination,
        "role": details.get("role"),
        "medal": details.get("medal"),
        "rank": details.get("rank"),
        "category": details.get("category"),
        "serial": document.serial if document is not None else "SAMPLE-000000",
        "verify_url": verify_url,
        "qr": qr_image(verify_url) if qr else None,
        "logo_url": asset_url(settings.logo_asset_id),
        "signatories": signatories,
    }


def sample_context() -> dict:
    """A complete context with invented values: templates are checked against it."""
    details = {"kind": "gold",
               "championship": {"code": "SAMPLE", "name": {
                   "kk": "Өңірлік чемпионат", "ru": "Региональный чемпионат",
                   "en": "Regional championship"}},
               "skill": {"code": "17", "name": {"kk": "Веб-әзірлеу", "ru": "Веб-разработка",
                                                "en": "Web development"}},
               "recipient": {"kk": "Әлия Сәрсенқызы", "ru": "Алия Сарсеновна", "en": ""},
               "organization": {"kk": "Өскемен колледжі", "ru": "Колледж Усть-Каменогорска",
                                "en": ""},
               "nomination": {"kk": "Жылдың үздік меценаты", "ru": "Лучший меценат года",
                              "en": ""},
               "rank": 1, "medal": "gold", "category": None, "role": "expert"}
    settings = DocumentSettings(languages="kk+ru+en", signatories=[
        {"name_ru": "И. Иванов", "title_ru": "Председатель", "asset_id": None}])
    championship = Championship(code="SAMPLE", venue_ru="Усть-Каменогорск")
    return page_context(None, details, settings, championship,
                        f"{PDF_ORIGIN}/verify/SAMPLE")
