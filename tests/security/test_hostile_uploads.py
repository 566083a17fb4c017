"""Hostile uploads: too big, zip bombs, wrong types, damaged and mis-encoded files. Each upload
endpoint (the import's preview, the certificate settings' logo and signature) refuses them with a
message naming what is wrong, and the database is unchanged (no partial import).

The files are built here, small and fast: the 50 MB body is zeros, the zip bomb deflates 120 MB of
zeros into ~120 kB.
"""

from __future__ import annotations

import functools
import io
import zipfile

import pytest
from flask_babel import force_locale, gettext

from competition.registry.imports.writing import write_xlsx
from tests.access import client_as
from tests.fixtures.databases import app_on_copy

from .hostile import EN, dispose, fingerprint, form_fields
from .test_hostile_names import people_template  # noqa: F401 (a fixture)

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
ORGANIZATIONS_CSV = "code,name_ru,name_kk,name_en,region\r\nhostile-1,Тест,Тест,Test,ВКО\r\n"


@functools.cache
def zip_bomb(inflated: int = 120 * MB) -> bytes:
    """A zip that looks like a workbook and holds `inflated` bytes of zeros in one sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = bytes(MB)
            for _ in range(inflated // MB):
                sheet.write(chunk)
    return buffer.getvalue()


def real_workbook() -> bytes:
    from competition.registry.imports.people import OrganizationImporter

    return write_xlsx(OrganizationImporter.columns, [
        {"code": f"hostile-{i}", "name_en": f"Organization {i}"} for i in range(200)])


# name -> (file name, content, what the message must say (English msgid, fragments))
IMPORT_FILES = {
    "zip bomb": ("people.xlsx", zip_bomb, "zip bomb"),
    "png named xlsx": ("people.xlsx", lambda: PNG, "is named .xlsx but is not one"),
    "truncated xlsx": ("people.xlsx", lambda: real_workbook()[:3000], "damaged"),
    "old xls": ("people.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                "old Excel (.xls)"),
    "zip named csv": ("people.csv", lambda: real_workbook(), "named .csv"),
    "utf-16 csv": ("people.csv", lambda: ORGANIZATIONS_CSV.encode("utf-16-le"),
                   "another encoding"),
    "bell in a csv name": ("people.csv", lambda: ORGANIZATIONS_CSV.replace("Test", "Te\x07st")
                           .encode(), "another encoding"),
    "binary csv": ("people.csv", lambda: PNG * 10, "another encoding"),
    "text named xlsx": ("people.xlsx", lambda: ORGANIZATIONS_CSV.encode(),
                        "is named .xlsx but is not one"),
    "pdf": ("people.pdf", lambda: b"%PDF-1.7\n" + bytes(100), "(this one is .pdf)"),
    "over 5 MB": ("people.csv", lambda: ORGANIZATIONS_CSV.encode() + b"x" * (6 * MB),
                  "at most 5 MB"),
    "empty": ("people.csv", lambda: b"", "empty"),
    "bad row": ("people.csv", lambda: (ORGANIZATIONS_CSV + "hostile 2,,,,\r\n").encode(),
                "spaces"),
}


@pytest.fixture(scope="module")
def upload_app(people_template, tmp_path_factory):  # noqa: F811
    template, ids = people_template
    app = app_on_copy(template, tmp_path_factory.mktemp("uploads"))
    yield app, client_as(app, "organizer", ids)
    dispose(app)


def import_form(organizer) -> dict[str, str]:
    page = organizer.get("/manage/import", headers=EN).get_data(as_text=True)
    fields = form_fields(page, "/manage/import/preview")
    fields["kind"] = "organizations"
    return fields


def _text(response) -> str:
    import html

    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("case", sorted(IMPORT_FILES))
def test_a_hostile_import_file_is_refused_and_nothing_is_imported(upload_app, case):
    app, organizer = upload_app
    name, make, says = IMPORT_FILES[case]
    before = fingerprint(app)
    response = organizer.post("/manage/import/preview", headers=EN, data={
        **import_form(organizer), "file": (io.BytesIO(make()), name)})
    assert response.status_code == 422, (case, response.status_code)
    assert says in _text(response), case
    assert 'id="confirm-form"' not in response.get_data(as_text=True)  # nothing to confirm
    assert fingerprint(app) == before


def test_a_good_file_is_the_control(upload_app):
    """The same form with a valid file previews (and only the confirm would write)."""
    app, organizer = upload_app
    before = fingerprint(app)
    response = organizer.post("/manage/import/preview", headers=EN, data={
        **import_form(organizer), "file": (io.BytesIO(ORGANIZATIONS_CSV.encode()), "p.csv")})
    assert response.status_code == 200
    assert 'id="confirm-form"' in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_zip_bomb_is_refused_before_it_is_inflated(upload_app):
    import time

    bomb = zip_bomb()
    assert len(bomb) < MB
    _app, organizer = upload_app
    started = time.perf_counter()
    response = organizer.post("/manage/import/preview", headers=EN, data={
        **import_form(organizer), "file": (io.BytesIO(bomb), "people.xlsx")})
    assert response.status_code == 422
    assert time.perf_counter() - started < 2  # read from the zip's directory, not inflated


# --- over MAX_CONTENT_LENGTH (16 MB): the translated 413 page, for every upload -----------------

UPLOADS = {
    "/manage/import/preview": "file",
    "/manage/certificates/settings?championship=vko-ws-2026": "logo",
}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("url", sorted(UPLOADS))
def test_a_50_mb_upload_gets_the_translated_too_large_page(upload_app, url, language):
    app, organizer = upload_app
    with organizer.session_transaction() as session:
        session["locale"] = language
    before = fingerprint(app)
    response = organizer.post(url, data={
        UPLOADS[url]: (io.BytesIO(bytes(50 * MB)), "big.xlsx"), "csrf_token": "x"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = _text(response)
    with app.test_request_context(), force_locale(language):
        assert gettext("The file is too large") in page
        assert gettext("Upload a file smaller than 16 MB.") in page
    assert "Request Entity Too Large" not in page
    assert fingerprint(app) == before
    with organizer.session_transaction() as session:
        session.pop("locale")


# --- certificate images: PNG, JPEG or SVG up to 2 MB, checked by content ----------------------

SETTINGS = "/manage/certificates/settings?championship=vko-ws-2026"
SCRIPTED_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)'
                b'</script><rect width="10" height="10"/></svg>')


def _settings(organizer, **files):
    page = organizer.get(SETTINGS, headers=EN).get_data(as_text=True)
    fields = form_fields(page)
    return organizer.post(SETTINGS, headers=EN, data={**fields, **files})


IMAGES = {
    "3 MB png": ("logo.png", PNG + bytes(3 * MB), "is larger than 2 MB"),
    "text named png": ("logo.png", b"hello, not an image", "is not a PNG, JPEG or SVG image"),
    "xlsx named png": ("logo.png", None, "is not a PNG, JPEG or SVG image"),
    "html named svg": ("logo.svg", b"<html><script>alert(1)</script></html>",
                       "is not a PNG, JPEG or SVG image"),
}


@pytest.mark.parametrize("field", ["logo", "s0-signature"])
@pytest.mark.parametrize("case", sorted(IMAGES))
def test_a_hostile_image_is_refused(upload_app, case, field):
    app, organizer = upload_app
    name, content, says = IMAGES[case]
    content = content if content is not None else real_workbook()
    before = fingerprint(app)
    response = _settings(organizer, **{field: (io.BytesIO(content), name),
                                       "s0-name_en": "Signatory"})
    assert response.status_code == 400, (case, response.status_code)
    assert f"{name} {says}" in _text(response), case
    assert fingerprint(app) == before


def test_an_svg_with_script_is_served_only_as_an_inert_image(upload_app):
    """Kept (logos are often SVG), but served so that its script never runs: a sandboxed CSP
    that allows no script, nosniff, its own image type; pages show it through <img>."""
    app, organizer = upload_app
    response = _settings(organizer, logo=(io.BytesIO(SCRIPTED_SVG), "logo.svg"))
    assert response.status_code in (302, 303)
    from competition.models import DocumentAsset

    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        import sqlalchemy as sa

        asset = session.execute(sa.select(DocumentAsset).order_by(
            DocumentAsset.id.desc())).scalars().first()
        asset_id = asset.id
        assert asset.content_type == "image/svg+xml"
    served = organizer.get(f"/documents/assets/{asset_id}")
    assert served.headers["Content-Type"] == "image/svg+xml"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    policy = served.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script" not in policy
    page = organizer.get(SETTINGS, headers=EN).get_data(as_text=True)
    assert f'<img class="asset-preview" src="/documents/assets/{asset_id}"' in page
    assert '<iframe' not in page and '<object' not in page and '<embed' not in page
