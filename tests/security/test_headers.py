"""Security headers on every answer of the app (competition/security.py), and templates that a
Content-Security-Policy without 'unsafe-inline' does not break."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from competition.security import FRAMED_BY_SCREENS, PDF_POLICY
from tests.fixtures.databases import app_on_copy
from tests.helpers import ROOT, organizer_client
from tests.test_access import ACCESS, NOT_GET

PAGE_DIRECTIVES = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
    "img-src": "'self' data:", "font-src": "'self'", "object-src": "'none'",
    "base-uri": "'self'", "form-action": "'self'", "frame-src": "'self'", "worker-src": "'self'",
}


def directives(policy: str) -> dict[str, str]:
    found = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        assert name not in found, f"{name} twice in {policy!r}"
        found[name] = value.strip()
    return found


def assert_secure(response, endpoint: str | None = None) -> None:
    headers = response.headers
    where = f"{endpoint} ({response.status_code} {response.mimetype})"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    framed = endpoint in FRAMED_BY_SCREENS
    assert headers.get("X-Frame-Options") == ("SAMEORIGIN" if framed else "DENY"), where
    policy = headers.get("Content-Security-Policy", "")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    if response.mimetype == "application/pdf":
        assert policy == PDF_POLICY, where
        return
    found = directives(policy)
    for name, value in PAGE_DIRECTIVES.items():
        assert found.get(name) == value, f"{where}: {name} is {found.get(name)!r}"
    # the page's own host, and its Socket.IO over ws:/wss: of that host only
    assert found["connect-src"] == "'self' ws://localhost wss://localhost", where
    assert found["frame-ancestors"] == ("'self'" if framed else "'none'"), where


@pytest.fixture(scope="module")
def organizer_app(demo_template_db, tmp_path_factory):
    """An app on a copy of the demo, and its organizer's client (the module's tests share them)."""
    folder = tmp_path_factory.mktemp("headers")
    app = app_on_copy(demo_template_db, folder)
    yield app, organizer_client(app, lang=None)
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_every_get_route_answers_with_the_security_headers(organizer_app):
    """Each route of the access matrix, opened by an organizer (HTML pages, JSON, workbooks,
    PDFs, error pages), then a static file, a 404 and Socket.IO's long polling."""
    _app, client = organizer_app
    kinds, slow = set(), []
    for endpoint, (url, _roles) in sorted(ACCESS.items()):
        started = time.monotonic()
        response = client.get(url)
        slow.append((time.monotonic() - started, endpoint))
        if endpoint not in NOT_GET:
            assert response.status_code != 405, endpoint
        assert_secure(response, endpoint)
        kinds.add(response.mimetype)
    assert {"text/html", "application/json", "application/pdf"} <= kinds, kinds
    for url in ("/static/js/tablet.js", "/static/css/app.css", "/no/such/page"):
        assert_secure(client.get(url))
    polling = client.get("/socket.io/?EIO=4&transport=polling")
    assert polling.status_code == 200
    assert polling.headers["X-Content-Type-Options"] == "nosniff"
    assert polling.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_view_keeps_its_own_stricter_policy(organizer_app):
    """An uploaded SVG is sandboxed by its view (documents.asset): the central hook adds the
    other headers and leaves that policy alone."""
    from competition.database import write_transaction
    from competition.models import Championship, DocumentAsset

    app, client = organizer_app
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with app.app_context():
        with write_transaction() as session:
            championship = session.execute(sa.select(Championship).limit(1)).scalar_one()
            asset = DocumentAsset(championship_id=championship.id, kind="logo",
                                  filename="logo.svg", content_type="image/svg+xml", data=svg)
            session.add(asset)
            session.flush()
            asset_id = asset.id
    response = client.get(f"/documents/assets/{asset_id}")
    assert response.status_code == 200 and response.data == svg
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_host_put_in_connect_src_is_only_ever_a_host(organizer_app):
    _app, client = organizer_app
    sneaky = client.get("/login", headers={"Host": "evil.example; script-src *"})
    policy = directives(sneaky.headers["Content-Security-Policy"])
    assert policy["connect-src"] == "'self'" and policy["script-src"] == "'self'"
    with_port = client.get("/login", headers={"Host": "192.168.1.10:5000"})
    assert directives(with_port.headers["Content-Security-Policy"])["connect-src"] == (
        "'self' ws://192.168.1.10:5000 wss://192.168.1.10:5000")


# --- what the policy would block, in the sources -------------------------------------------------

TEMPLATES = ROOT / "templates"
SCRIPTS = ROOT / "static" / "js"
# Rendered only by WeasyPrint into PDFs, never served as a page: their <style> is not a page's.
PDF_TEMPLATES = {"auth/badges.html", "documents/certificate.html", "documents/sheets/_print.html",
                 "documents/sheets/forms.html", "documents/sheets/medals.html",
                 "documents/sheets/results.html", "registry/privacy/record.html"}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)


def _templates() -> list[tuple[str, str]]:
    return [(path.relative_to(TEMPLATES).as_posix(), path.read_text())
            for path in sorted(TEMPLATES.rglob("*.html"))]


def _is_pdf(name: str) -> bool:
    return name in PDF_TEMPLATES


def test_templates_run_no_inline_script():
    """No <script> with a body (JSON data blocks excepted: they are not run), no on…=
    handlers, no javascript: addresses: script-src 'self' would refuse all three."""
    problems = []
    for name, text in _templates():
        for attributes, body in SCRIPT_TAG.findall(text):
            if body.strip() and 'type="application/json"' not in attributes:
                problems.append(f"{name}: inline <script>{body.strip()[:40]}")
        problems += [f"{name}: handler {m.group().strip()}" for m in HANDLER.finditer(text)]
        problems += [f"{name}: javascript: URL" for _ in JAVASCRIPT_URL.finditer(text)]
    assert not problems, "\n".join(problems)
    assert len(_templates()) > 50  # the scan saw the templates


def test_pages_have_no_inline_style():
    """style-src 'self': no style="" attribute and no <style> element in a page (the PDF
    templates are WeasyPrint's, not a browser's)."""
    problems = []
    for name, text in _templates():
        if _is_pdf(name):
            continue
        problems += [f"{name}: style attribute" for _ in STYLE_ATTRIBUTE.finditer(text)]
        problems += [f"{name}: <style>" for _ in STYLE_TAG.finditer(text)]
    assert not problems, "\n".join(problems)


def test_the_pdf_templates_exist():
    """The exemptions above name real templates (a renamed one must be looked at again)."""
    for name in PDF_TEMPLATES:
        assert (TEMPLATES / name).exists(), name


def test_scripts_build_no_code_from_strings_or_handlers():
    """static/js: no eval, no new Function, no string timers, no on… attributes or inline
    styles written as markup."""
    pattern = re.compile(r"\beval\(|new Function\(|set(Timeout|Interval)\(\s*[\"'`]|"
                         r"setAttribute\(\s*[\"']on|setAttribute\(\s*[\"']style|"
                         r"javascript:|\son[a-z]+=|style=")
    problems = [f"{path.relative_to(SCRIPTS)}:{number}: {line.strip()[:60]}"
                for path in sorted(SCRIPTS.rglob("*.js"))
                for number, line in enumerate(path.read_text().splitlines(), 1)
                if pattern.search(line)]
    assert not problems, "\n".join(problems)
