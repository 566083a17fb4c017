"""Printing certificates: many per WeasyPrint document (about 10 ms a page, against 50–250 ms
for a document per page), CHUNK at a time so memory stays bounded, in render processes that get
plain data only (`Job`); each page is then split off as the person's own PDF.

A template that does not make exactly one page per certificate is refused (errors.Invalid,
`template_pages`): the pages could not be told apart.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...errors import Invalid
from ...extensions import db
from ...models import Championship, Document, DocumentAsset, DocumentSettings
from ...vocabulary import DocumentKind
from ..render import PDF_BASE_URL, PDF_ORIGIN, fetcher_class, qr_image
from .pages import page_context, settings_of
from .templates import SANDBOX, Template, template_for
from .verification import verify_url

CHUNK = 50  # certificates per WeasyPrint document


@cache
def assets_fetcher_class() -> type:
    """AssetsAndStatic: the static files, and the championship's uploaded images at
    /documents/assets/<id> (given as {id: (content type, bytes)}: a render process needs no
    database). Made when first asked for, like the fetcher it extends (render.py)."""
    from weasyprint.urls import URLFetcherResponse

    class AssetsAndStatic(fetcher_class()):
        PATH = re.compile(r"^/documents/assets/(\d+)(?:/[^/]*)?$")

        def __init__(self, static_folder, static_path, assets: dict[int, tuple[str, bytes]],
                     origins=(PDF_ORIGIN,)):
            super().__init__(static_folder, static_path, origins)
            self.assets = assets

        def fetch(self, url, headers=None):
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            found = (self.PATH.match(unquote(parts.path))
                     if parts.scheme in ("http", "https") else None)
            if found and f"{parts.scheme}://{parts.netloc}".lower() in self.origins:
                asset = self.assets.get(int(found.group(1)))
                if asset is not None:
                    return URLFetcherResponse(url, asset[1], {"Content-Type": asset[0]})
            return super().fetch(url, headers)

    return AssetsAndStatic


def assets_of(championship_id: int) -> dict[int, tuple[str, bytes]]:
    rows = db.session.execute(sa.select(DocumentAsset.id, DocumentAsset.content_type,
                                        DocumentAsset.data)
                              .where(DocumentAsset.championship_id == championship_id))
    return {row.id: (row.content_type, row.data) for row in rows}


FONTS_CSS = """
@font-face { font-family: "Certificate Sans"; src: url("{regular}"); }
@font-face { font-family: "Certificate Sans"; font-weight: bold; src: url("{bold}"); }
"""


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

        fetcher = assets_fetcher_class()(self.static_folder, self.static_path, self.assets)
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
            raise Invalid(str(_l(
                "The %(kind)s template must make exactly one page per certificate; it made "
                "%(pages)s pages for %(count)s certificates.",
                kind=DocumentKind(chunk[0].kind).label, pages=len(pages), count=len(chunk))),
                code="template_pages")
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
