"""Certificates in a real browser (Debian's Chromium) on the real server: an organizer prints
the whole WorldSkills championship's medals and participation certificates, watches the batch's
progress bar move (pushed over Socket.IO by the worker process's relay), and downloads one PDF
with a page per certificate. The README's screenshots (the batch page, a certificate) come from
here with `make screenshots`."""

from __future__ import annotations

import io
import json
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from competition.extensions import db
from competition.models import Championship
from competition.standings import skill_standings

from ..board.test_screens import mark_final, set_visibility
from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from ..helpers import ROOT
from .test_home import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
CHAMPIONSHIP = "vko-ws-2026"

# Every value the batch page's <progress> takes and every text of its status line, kept in
# sessionStorage (the page is reached by a redirect after the form's POST).
RECORD = """
new MutationObserver((mutations) => {
  const seen = JSON.parse(sessionStorage.getItem("batch-seen") || "[]");
  for (const m of mutations) {
    const bar = document.getElementById("batch-bar");
    const status = document.getElementById("batch-status");
    if (!bar || !status) continue;
    if (m.target === bar) {
      seen.push({value: Number(bar.getAttribute("value")), max: Number(bar.getAttribute("max"))});
    } else if (status.contains(m.target)) {
      seen.push({status: status.textContent.trim()});
    }
  }
  sessionStorage.setItem("batch-seen", JSON.stringify(seen));
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true,
                       attributeFilter: ["value", "max"] });
"""


def publish_championship(live_server) -> dict:
    """Every skill of the championship marked to the end and published, in the server's
    database; returns what the certificates must hold, from the board's own standings:
    {"participation": people, "medals": people with a medal or Medallion, "names": (kk, ru)
    of a gold medallist}."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        championship = db.session.execute(sa.select(Championship).where(
            Championship.code == CHAMPIONSHIP)).scalar_one()
        codes = [skill.code for skill in championship.skills]
        for code in codes:
            mark_final(code)
            set_visibility(code, "published")
        db.session.expire_all()
        expected = {"participation": 0, "medals": 0, "names": None, "skills": len(codes)}
        for skill in championship.skills:
            medals = {r.competitor: r.medal for g in skill_standings(skill).groups
                      for r in g.results}
            for competitor in skill.competitors:
                if competitor.status != "active":
                    continue
                people = competitor.members or [competitor]
                expected["participation"] += len(people)
                if medals.get(competitor.code):
                    expected["medals"] += len(people)
                if medals.get(competitor.code) == "gold" and not competitor.members:
                    expected["names"] = (competitor.name_kk, competitor.name_ru)
        db.session.remove()
        db.engine.dispose()
    return expected


def seen(page) -> list[dict]:
    return json.loads(page.evaluate("sessionStorage.getItem('batch-seen') || '[]'"))


def save_first_page(pdf: bytes, tmp_path):
    """The certificate's README image: the PDF's first page rasterized (like test_home's
    screenshots, into docs/screenshots only with UPDATE_SCREENSHOTS=1)."""
    import pypdfium2

    folder = ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "certificate.png"
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1.5).to_pil()
        image.save(path, optimize=True)
    finally:
        document.close()
    return path, image.size


def test_an_organizer_prints_the_championship_and_watches_the_progress(
        page, live_server, tmp_path):
    expected = publish_championship(live_server)
    total = expected["participation"] + expected["medals"]
    assert expected["medals"] >= 3 * expected["skills"] and expected["names"], expected
    page.add_init_script(RECORD)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    log_in(page, live_server, add_organizer(live_server))

    page.goto(f"{live_server.url}/manage/certificates?championship={CHAMPIONSHIP}")
    form = page.get_by_role("region", name="Print certificates")
    form.get_by_label("Whose certificates").select_option(label="The whole championship")
    form.get_by_label("Expert certificates").uncheck()
    form.get_by_label("Awards", exact=True).uncheck()
    expect(form.get_by_label("Medals and Medallions for Excellence")).to_be_checked()
    expect(form.get_by_label("Participation certificates")).to_be_checked()
    expect(form.get_by_label("One PDF with every certificate (to print)")).to_be_checked()
    form.get_by_role("button", name="Start printing").click()
    page.wait_for_url("**/manage/certificates/batches/*", timeout=30_000)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Certificate batch")

    status = page.locator("#batch-status")
    expect(status).to_have_text(f"Ready: {total} certificates.", timeout=180_000)
    download = page.get_by_role("link", name="Download")
    expect(download).to_be_visible()

    values = seen(page)
    bars = [v for v in values if "value" in v]
    texts = [v["status"] for v in values if "status" in v]
    # The bar moved through the printing, not only from nothing to full…
    assert any(0 < v["value"] < v["max"] == total for v in bars), values
    # …and the worker's own label came over the socket (the polling fallback has none).
    assert any(t.startswith("Printing certificates:") and t.endswith(f"of {total}")
               for t in texts), values
    assert screenshot(page, "certificates-batch", tmp_path).stat().st_size > 10_000

    with page.expect_download() as info:
        download.click()
    file = info.value
    assert file.suggested_filename == f"certificates-{CHAMPIONSHIP}.pdf"
    pdf = tmp_path / "batch.pdf"
    file.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == total
    text = "\n".join(p.extract_text() for p in reader.pages)
    kk, ru = expected["names"]
    assert kk in text and ru in text, (kk, ru)
    # Medals and Medallions say "Diploma" (upper case), participation "Certificate".
    assert text.upper().count("ДИПЛОМ") >= expected["medals"]

    path, (width, height) = save_first_page(data, tmp_path)
    assert width > height  # A4 landscape
    assert path.stat().st_size > 20_000
    # The page's script and the Socket.IO client are served here (an aborted favicon is not
    # a failure).
    assert not [url for url in failed if "/static/js/" in url or "/static/vendor/" in url], failed
