"""Hostile names in PDFs: a certificate and a result sheet print a payload-named person as the
text typed — markup stays literal (`<b>bold</b>` prints with its brackets), a `{{ … }}` in a name
is not evaluated by the organizers' (sandboxed) certificate templates, and nothing is fetched.
Names with zero-width characters, direction marks and combining marks (Zalgo) render, and their
letters are in the PDF's text layer.
"""

from __future__ import annotations

import io
import unicodedata

import pypdf
import pytest

from tests.access import client_as
from tests.fixtures.databases import app_on_copy

from .hostile import EN, PAYLOADS, dispose, resubmit
from .test_hostile_names import FORMS, NAMES, people_template  # noqa: F401 (a fixture)

# What pypdf reads back reliably (no combining marks or bidi controls to reorder)
PRINTED = ("script", "attribute", "markup", "template", "url", "sql", "kazakh")


def pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def _certificate(app, recipient: str, html: str | None = None,
                 as_pdf: bool = False) -> tuple[str, str | bytes]:
    """(the HTML WeasyPrint is given, the PDF's text or with `as_pdf` the PDF) of one gold
    certificate for `recipient`."""
    from competition.documents.certificates.pages import sample_context
    from competition.documents.certificates.printing import make_job
    from competition.documents.certificates.templates import Template, default_template
    from competition.models import DocumentSettings

    with app.test_request_context():
        context = sample_context()
        context["recipient"] = {"kk": recipient, "ru": recipient, "en": recipient}
        template = Template("gold", *default_template(), custom=False)
        if html is not None:
            template.html = html
        job = make_job(template, [context], DocumentSettings(languages="kk+ru+en"), {})
        data = job.render()
        return job.document(), data if as_pdf else pdf_text(data)


@pytest.fixture(scope="module")
def document_app(people_template, tmp_path_factory):  # noqa: F811
    template, ids = people_template
    app = app_on_copy(template, tmp_path_factory.mktemp("documents"))
    yield app, ids
    dispose(app)


@pytest.mark.parametrize("kind", PRINTED)
def test_a_certificate_prints_a_hostile_name_as_text(document_app, kind):
    app, _ids = document_app
    payload = PAYLOADS[kind]
    html, text = _certificate(app, payload)
    assert payload in text
    if "<" in payload:
        assert payload not in html  # escaped in the HTML WeasyPrint reads
    assert "<b>bold</b>" not in html and "<img src=x" not in html and "<script>" not in html


def test_an_organizers_template_does_not_evaluate_a_name(document_app):
    """The sandbox renders `{{ recipient.en }}`; a name holding `{{ … }}` stays text."""
    app, _ids = document_app
    name = "{{ 7*7 }} {{ ''.__class__ }} {% for x in range(3) %}x{% endfor %}"
    _html, text = _certificate(app, name, html='<p class="who">{{ recipient.en }}</p>')
    assert text == name


def test_a_result_sheet_prints_hostile_names_as_text(document_app):
    app, ids = document_app
    organizer = client_as(app, "organizer", ids)
    chosen = {"competitor": PAYLOADS["markup"], "organization": PAYLOADS["script"],
              "skill": PAYLOADS["template"], "championship": PAYLOADS["attribute"]}
    for entity, name in chosen.items():
        response = resubmit(organizer, FORMS[entity], dict.fromkeys(NAMES, name))
        assert response.status_code in (302, 303), entity
    response = organizer.get("/manage/sheets/skills/10/results.pdf", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # narrow table cells wrap long names: compare without the spaces
    text = "".join(pdf_text(response.data).split())
    for entity, name in chosen.items():
        assert "".join(name.split()) in text, (entity, name)


# --- zero-width, direction marks, combining marks -------------------------------------------------

# What names may hold (tests/security/test_bidi_names.py): zero-width characters, direction marks,
# combining marks with and without a composed letter, stacked ones (Zalgo)
UNUSUAL = {
    "competitor": "Zero\u200bWidth\u200c\u200dJoin\ufeffer \u200fАйгүл\u200e",
    "organization": "Zoe\u0308 A\u030a Ии\u0306гер\u0306 \u061cХан",
    "skill": "Z\u0336\u0353a\u0334l\u0315g\u0327o\u0489 A\u0301\u0316\u0350igul",
}


def visible(text: str) -> str:
    """The letters and marks a reader sees, in NFC: without format characters (zero-width,
    direction marks), spaces (table cells wrap long names) and control characters (pdfium reads
    a stray U+0083 before a composed letter with a mark below, e.g. "Á" + U+0316)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc")
                   and not ch.isspace())


def text_layer(data: bytes) -> str:
    """The PDF's text as a reader's search or copy gets it (pdfium: it maps combining marks)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_names_with_zero_width_and_combining_characters_print_as_their_letters(document_app):
    app, ids = document_app
    organizer = client_as(app, "organizer", ids)
    for entity, name in UNUSUAL.items():
        response = resubmit(organizer, FORMS[entity], dict.fromkeys(NAMES, name))
        assert response.status_code in (302, 303), entity
    sheet = organizer.get("/manage/sheets/skills/10/results.pdf", headers=EN)
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    printed = visible(text_layer(sheet.data))
    for entity, name in UNUSUAL.items():
        assert visible(name) in printed, (entity, name)
    for name in UNUSUAL.values():
        _html, data = _certificate(app, unicodedata.normalize("NFC", name), as_pdf=True)
        assert visible(name) in visible(text_layer(data)), name
