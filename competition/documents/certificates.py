"""Certificates: who is due which one, issuing them (serial, verification code, revocation on
re-issue), and printing them from the organizer's sandboxed templates.

A certificate is due per *slot*: a competitor's (or team member's) result in a skill (gold,
silver, bronze or Medallion for Excellence), their participation, an expert's work in a skill,
an award's recipient. `issue()` compares what is due with what was issued: the same details keep
their document; changed details (a corrected mark moved a medal, a name was fixed) revoke the
old serial and issue a new one that replaces it; a slot no longer due is revoked. Only skills
whose results are published give skill certificates, and one that tells a result is withheld
from the public whenever its skill is not published (`withheld`).

Printing renders many certificates per WeasyPrint document (about 10 ms a page, against 50–250
ms for a document per page) in chunks, so memory stays bounded; each page is then kept as the
person's own PDF (the participant downloads it) and the chunks make the batch's PDF or ZIP.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Award,
    Championship,
    Competitor,
    Document,
    DocumentAsset,
    DocumentSettings,
    DocumentTemplate,
    Expert,
    ExpertRole,
    Skill,
)
from ..models.base import utcnow
from ..paths import resource_dir
from ..vocabulary import CATEGORY_LABELS, EXPERT_ROLE_LABELS
from .render import PDF_BASE_URL, PDF_ORIGIN, StaticFilesOnly, qr_image

MEDAL_KINDS = ("gold", "silver", "bronze", "medallion")
# What an organizer picks for a batch; each group is a set of kinds.
GROUPS = {
    "medals": MEDAL_KINDS,
    "participation": ("participation",),
    "expert": ("expert",),
    "award": ("award",),
}
LANGUAGE_SETS = ("kk+ru", "kk+ru+en", "kk", "ru", "en")
CHUNK = 50  # certificates per WeasyPrint document
MAX_TEMPLATE = 100_000  # characters of HTML or CSS an organizer may save

KIND_LABELS = {
    "gold": _l("Gold medal"),
    "silver": _l("Silver medal"),
    "bronze": _l("Bronze medal"),
    "medallion": _l("Medallion for Excellence"),
    "participation": _l("Participation certificate"),
    "expert": _l("Expert certificate"),
    "award": _l("Award certificate"),
}
GROUP_LABELS = {
    "medals": _l("Medals and Medallions for Excellence"),
    "participation": _l("Participation certificates"),
    "expert": _l("Expert certificates"),
    "award": _l("Awards"),
}
# The certificate's wording, in each of its languages (gettext under force_locale).
HEADINGS = {
    "gold": _l("Diploma"), "silver": _l("Diploma"), "bronze": _l("Diploma"),
    "medallion": _l("Diploma"), "participation": _l("Certificate"),
    "expert": _l("Certificate"), "award": _l("Diploma"),
}
REASONS = {
    "gold": _l("first place, gold medal"),
    "silver": _l("second place, silver medal"),
    "bronze": _l("third place, bronze medal"),
    "medallion": _l("Medallion for Excellence"),
    "participation": _l("for taking part in the championship"),
    "expert": _l("for the work of an expert at the championship"),
    "award": _l("Diploma of a nomination"),
}
ROLE_LABELS = EXPERT_ROLE_LABELS


class CertificateError(ValueError):
    """Something the organizer must fix before certificates can be printed (says what)."""


# --- templates ------------------------------------------------------------------------------------

def _environment() -> ImmutableSandboxedEnvironment:
    """Organizers' templates run here: no access to Python internals, no files, no imports
    (there is no loader), nothing mutable; an unknown variable is an error, not a blank."""
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined,
                                         trim_blocks=True, lstrip_blocks=True)


SANDBOX = _environment()


def default_template() -> tuple[str, str]:
    """The shipped template (HTML of one page, CSS), the starting point of every kind."""
    folder = Path(resource_dir("templates")) / "documents"
    return ((folder / "certificate.html").read_text(encoding="utf-8"),
            (folder / "certificate.css").read_text(encoding="utf-8"))


@dataclass
class Template:
    kind: str
    html: str
    css: str
    custom: bool

    def compile(self):
        return SANDBOX.from_string(self.html)


def template_for(championship_id: int, kind: str) -> Template:
    row = db.session.execute(sa.select(DocumentTemplate).where(
        DocumentTemplate.championship_id == championship_id,
        DocumentTemplate.kind == kind)).scalar_one_or_none()
    if row is not None:
        return Template(kind, row.html, row.css, True)
    html, css = default_template()
    return Template(kind, html, css, False)


def check_template(html: str, css: str) -> str | None:
    """Why this template cannot be saved (None if it can): too long, or it does not render
    a sample certificate."""
    if len(html) > MAX_TEMPLATE or len(css) > MAX_TEMPLATE:
        return str(_l("The template is too long (at most %(n)s characters).", n=MAX_TEMPLATE))
    if "</style" in css.lower():
        return str(_l("The CSS may not contain “</style>”."))
    try:
        SANDBOX.from_string(html).render(sample_context())
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        where = " (" + str(_l("line %(n)s", n=line)) + ")" if line else ""
        return str(_l("The template does not work: %(error)s", error=str(error) + where))
    return None


# --- what is due ----------------------------------------------------------------------------------

@dataclass
class Due:
    """One certificate that is due: its slot, kind and the details it shows."""

    kind: str
    slot: tuple
    details: dict
    skill_id: int | None = None
    competitor_id: int | None = None
    member_id: int | None = None
    expert_id: int | None = None
    award_id: int | None = None
    sort: tuple = ()


def _slot(kind: str, skill_id, competitor_id, member_id, expert_id, award_id) -> tuple:
    group = "medals" if kind in MEDAL_KINDS else kind
    return (group, skill_id, competitor_id, member_id, expert_id, award_id)


def _names(thing) -> dict[str, str]:
    return thing.names() if thing is not None else {"ru": "", "kk": "", "en": ""}


def _published_results(skill: Skill) -> dict[str, tuple]:
    """competitor code -> (rank, medal, category) of a published skill."""
    from ..standings import skill_standings

    found = {}
    for group in skill_standings(skill).groups:
        for result in group.results:
            found[result.competitor] = (result.rank, result.medal, result.category)
    return found


def _skill_details(skill: Skill) -> dict:
    return {"code": skill.code, "name": skill.names()}


def _people(competitor: Competitor) -> list[tuple[int | None, dict[str, str]]]:
    """(member id, names) of everyone a team's certificate goes to (each member their own);
    a competitor without members is one person (or a team known by its name only)."""
    if competitor.members:
        return [(m.id, m.names()) for m in competitor.members]
    return [(None, competitor.names())]


def due_for_skill(skill: Skill, groups: Iterable[str]) -> list[Due]:
    groups = set(groups)
    due: list[Due] = []
    if skill.visibility != "published":
        return due
    championship = {"code": skill.championship.code, "name": skill.championship.names()}
    base = {"championship": championship, "skill": _skill_details(skill)}
    if groups & {"medals", "participation"}:
        results = _published_results(skill) if "medals" in groups else {}
        for competitor in skill.competitors:
            if competitor.status != "active":
                continue
            rank, medal, category = results.get(competitor.code, (None, None, None))
            for member_id, names in _people(competitor):
                person = {**base, "recipient": names,
                          "organization": _names(competitor.organization),
                          "competitor": competitor.code, "category": competitor.category}
                kinds = []
                if "medals" in groups and medal:
                    kinds.append((medal, {"rank": rank, "medal": medal}))
                if "participation" in groups:
                    kinds.append(("participation", {}))
                for kind, extra in kinds:
                    due.append(Due(kind, _slot(kind, skill.id, competitor.id, member_id, None,
                                               None),
                                   {**person, **extra, "kind": kind}, skill.id, competitor.id,
                                   member_id,
                                   sort=(skill.position, skill.code, MEDAL_KINDS.index(kind)
                                         if kind in MEDAL_KINDS else 9, competitor.code,
                                         member_id or 0)))
    if "expert" in groups:
        roles = db.session.execute(
            sa.select(ExpertRole).where(ExpertRole.skill_id == skill.id)
            .options(selectinload(ExpertRole.expert).selectinload(Expert.organization))
        ).scalars().all()
        for role in sorted(roles, key=lambda r: r.expert.code):
            expert = role.expert
            details = {**base, "kind": "expert", "recipient": expert.names(),
                       "organization": _names(expert.organization), "role": role.role,
                       "expert": expert.code}
            due.append(Due("expert", _slot("expert", skill.id, None, None, expert.id, None),
                           details, skill.id, expert_id=expert.id,
                           sort=(skill.position, skill.code, 10, expert.code, 0)))
    return due


def due_for_awards(championship: Championship) -> list[Due]:
    awards = db.session.execute(
        sa.select(Award).where(Award.championship_id == championship.id)
        .options(selectinload(Award.organization)).order_by(Award.position, Award.id)
    ).scalars().all()
    due = []
    for number, award in enumerate(awards):
        if award.recipient_kind == "organization" and award.organization is not None:
            recipient = award.organization.names()
            organization = {"ru": "", "kk": "", "en": ""}
        else:
            recipient = {"ru": award.recipient_ru, "kk": award.recipient_kk,
                         "en": award.recipient_en}
            organization = _names(award.organization)
        details = {"kind": "award",
                   "championship": {"code": championship.code, "name": championship.names()},
                   "nomination": award.names(), "recipient": recipient,
                   "organization": organization}
        due.append(Due("award", _slot("award", None, None, None, None, award.id), details,
                       award_id=award.id, sort=(10**6, "", 0, f"{number:06d}", 0)))
    return due


@dataclass
class Scope:
    championship: Championship
    skill: Skill | None
    groups: tuple[str, ...]

    @property
    def skills(self) -> list[Skill]:
        return [self.skill] if self.skill is not None else list(self.championship.skills)

    def due(self) -> list[Due]:
        due: list[Due] = []
        for skill in self.skills:
            due += due_for_skill(skill, self.groups)
        if "award" in self.groups and self.skill is None:
            due += due_for_awards(self.championship)
        due.sort(key=lambda d: d.sort)
        return due

    def covers(self, document: Document) -> bool:
        """Whether the document's slot is one this scope decides about."""
        group = "medals" if document.kind in MEDAL_KINDS else document.kind
        if group not in self.groups:
            return False
        if group == "award":
            return self.skill is None
        if self.skill is not None:
            return document.skill_id == self.skill.id
        published = {s.id for s in self.skills if s.visibility == "published"}
        return document.skill_id in published


def make_scope(championship: Championship, skill: Skill | None,
               groups: Iterable[str]) -> Scope:
    groups = tuple(g for g in GROUPS if g in set(groups))
    if not groups:
        raise CertificateError(str(_l("Choose at least one kind of certificate.")))
    if skill is not None and skill.championship_id != championship.id:
        raise CertificateError(str(_l("The skill is not one of this championship's.")))
    scope = Scope(championship, skill, groups)
    if skill is not None and skill.visibility != "published" and set(groups) - {"award"}:
        raise CertificateError(str(_l(
            "The results of %(skill)s are not published yet: certificates are printed only "
            "for published results. Publish them on the skill's board first.",
            skill=skill.code + " " + skill.name())))
    return scope


# --- what the public may see of an issued certificate ---------------------------------------------

def tells_a_result(document: Document) -> bool:
    """Whether the certificate says how its holder placed: a medal, a Medallion or a place."""
    details = document.details or {}
    return (document.kind in MEDAL_KINDS or details.get("medal") is not None
            or details.get("rank") is not None)


def withheld(document: Document) -> bool:
    """Whether the public may not see this certificate now: it tells a result and its skill is
    not published at this moment (set back to hidden, progress, live or frozen after printing,
    say for a review; or gone). The one rule of every public view of certificates — the
    participant's page, /verify/<code>, /certificates/<code>.pdf — for every viewer, staff too
    (they have the batches). Revoked ones included: a revocation tells a result as well."""
    if not tells_a_result(document):
        return False
    skill = db.session.get(Skill, document.skill_id) if document.skill_id is not None else None
    return skill is None or skill.visibility != "published"


# --- issuing --------------------------------------------------------------------------------------

def _slot_of(document: Document) -> tuple:
    return _slot(document.kind, document.skill_id, document.competitor_id, document.member_id,
                 document.expert_id, document.award_id)


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
    from ..audit import record

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


# --- printing -------------------------------------------------------------------------------------

class AssetsAndStatic(StaticFilesOnly):
    """The static files, and the championship's uploaded images at /documents/assets/<id>
    (given as {id: (content type, bytes)}: a render process needs no database)."""

    PATH = re.compile(r"^/documents/assets/(\d+)(?:/[^/]*)?$")

    def __init__(self, static_folder, static_path, assets: dict[int, tuple[str, bytes]],
                 origins=(PDF_ORIGIN,)):
        super().__init__(static_folder, static_path, origins)
        self.assets = assets

    def fetch(self, url, headers=None):
        from urllib.parse import unquote, urlsplit

        from weasyprint.urls import URLFetcherResponse

        parts = urlsplit(url)
        found = self.PATH.match(unquote(parts.path)) if parts.scheme in ("http", "https") else None
        if found and f"{parts.scheme}://{parts.netloc}".lower() in self.origins:
            asset = self.assets.get(int(found.group(1)))
            if asset is not None:
                return URLFetcherResponse(url, asset[1], {"Content-Type": asset[0]})
        return super().fetch(url, headers)


def assets_of(championship_id: int) -> dict[int, tuple[str, bytes]]:
    rows = db.session.execute(sa.select(DocumentAsset.id, DocumentAsset.content_type,
                                        DocumentAsset.data)
                              .where(DocumentAsset.championship_id == championship_id))
    return {row.id: (row.content_type, row.data) for row in rows}


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
                "heading": str(HEADINGS[kind]),
                "awarded": str(_l("is awarded to")),
                "reason": str(REASONS[kind]),
                "skill": str(_l("Skill")),
                "serial": str(_l("No.")),
                "verify": str(_l("Check this certificate")),
                "date": format_date(issued_on, "long") if issued_on else "",
                "roles": {k: str(v) for k, v in ROLE_LABELS.items()},
                "categories": {k: str(v) for k, v in CATEGORY_LABELS.items()},
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
    code is left for the render process to draw (`Job.document`)."""
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


FONTS_CSS = """
@font-face { font-family: "Certificate Sans"; src: url("{regular}"); }
@font-face { font-family: "Certificate Sans"; font-weight: bold; src: url("{bold}"); }
"""


def verify_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + "/verify/" + code


@dataclass
class Job:
    """One WeasyPrint document of certificates, as a render process gets it: plain data only
    (the pages' contexts carry their verification address; the QR code is drawn there)."""

    html: str  # the organizer's template of one page
    css: str
    contexts: list[dict]
    language: str
    static_folder: str
    static_path: str
    assets: dict[int, tuple[str, bytes]]

    def document(self) -> str:
        compiled = SANDBOX.from_string(self.html)
        pages = []
        for context in self.contexts:
            if context.get("qr") is None:
                context = {**context, "qr": qr_image(context["verify_url"])}
            pages.append(compiled.render(context))
        fonts = PDF_ORIGIN + self.static_path + "fonts/"
        fonts = FONTS_CSS.replace("{regular}", fonts + "DejaVuSans.ttf").replace(
            "{bold}", fonts + "DejaVuSans-Bold.ttf")
        return (f'<!doctype html><html lang="{self.language}"><head><meta charset="utf-8">'
                f"<style>{fonts}{self.css}</style></head><body>{''.join(pages)}</body></html>")

    def render(self) -> bytes:
        from weasyprint import HTML

        fetcher = AssetsAndStatic(self.static_folder, self.static_path, self.assets)
        return HTML(string=self.document(), base_url=PDF_BASE_URL,
                    url_fetcher=fetcher).write_pdf()


def split_pages(pdf: bytes) -> list[bytes]:
    """One PDF per page (each person's own certificate)."""
    from pypdf import PdfReader, PdfWriter

    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        pages.append(buffer.getvalue())
    return pages


def print_job(job: Job) -> tuple[bytes, list[bytes]]:
    """In a render process: the chunk's PDF and its pages one by one."""
    pdf = job.render()
    return pdf, split_pages(pdf)


def make_job(template: Template, contexts: list[dict], settings: DocumentSettings,
             assets: dict) -> Job:
    return Job(template.html, template.css, contexts, settings.languages[:2],
               current_app.static_folder, _static_path(), assets)


@dataclass
class PrintedChunk:
    documents: list[Document]
    pdf: bytes
    pages: list[bytes]  # one PDF per document, in order


def render_processes() -> int:
    """How many processes render at once: COMPETITION_RENDER_PROCESSES, else one per core."""
    import os

    configured = os.environ.get("COMPETITION_RENDER_PROCESSES", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, os.cpu_count() or 1)


def print_chunks(championship: Championship, documents: list[Document], base_url: str,
                 settings: DocumentSettings | None = None,
                 processes: int | None = None) -> Iterator[PrintedChunk]:
    """Render the documents CHUNK at a time (one WeasyPrint document per chunk of the same
    template), in `processes` render processes at once, and split each chunk into one PDF per
    page. Chunks come back in order."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    settings = settings or settings_of(championship)
    assets = assets_of(championship.id)
    templates: dict[str, Template] = {}

    def template_of(kind: str) -> Template:
        if kind not in templates:
            templates[kind] = template_for(championship.id, kind)
        return templates[kind]

    def chunks() -> Iterator[tuple[list[Document], Job]]:
        start = 0
        while start < len(documents):
            template = template_of(documents[start].kind)
            end = start
            # Kinds that share a template (usually the default) share a document.
            while (end < len(documents) and end - start < CHUNK
                   and (template_of(documents[end].kind).html,
                        template_of(documents[end].kind).css) == (template.html, template.css)):
                end += 1
            chunk = documents[start:end]
            start = end
            contexts = [page_context(d, d.details, settings, championship,
                                     verify_url(base_url, d.verification_code), qr=False)
                        for d in chunk]
            yield chunk, make_job(template, contexts, settings, assets)

    def checked(chunk: list[Document], printed: tuple[bytes, list[bytes]]) -> PrintedChunk:
        pdf, pages = printed
        if len(pages) != len(chunk):
            raise CertificateError(str(_l(
                "The %(kind)s template must make exactly one page per certificate; it made "
                "%(pages)s pages for %(count)s certificates.", kind=KIND_LABELS[chunk[0].kind],
                pages=len(pages), count=len(chunk))))
        return PrintedChunk(chunk, pdf, pages)

    processes = processes or render_processes()
    if processes == 1 or len(documents) <= CHUNK:
        for chunk, job in chunks():
            yield checked(chunk, print_job(job))
        return
    # Spawned, not forked: a render process shares no database connection nor lock.
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        waiting = []  # (chunk, future) in order; at most two per process in flight
        for chunk, job in chunks():
            waiting.append((chunk, pool.submit(print_job, job)))
            while len(waiting) >= 2 * processes:
                done_chunk, future = waiting.pop(0)
                yield checked(done_chunk, future.result())
        for done_chunk, future in waiting:
            yield checked(done_chunk, future.result())


def _static_path() -> str:
    from flask import url_for

    return url_for("static", filename="")


def file_name(document: Document) -> str:
    """A safe file name for one certificate in a ZIP: serial and name."""
    name = (document.details.get("recipient") or {})
    text = name.get("ru") or name.get("kk") or name.get("en") or ""
    text = re.sub(r"[^\w\- .]+", "", text, flags=re.UNICODE).strip()[:80]
    return f"{document.serial} {text}.pdf" if text else f"{document.serial}.pdf"
