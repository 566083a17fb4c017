"""Names with bidi controls, direction marks, zero-width and combining characters.

A bidi embedding, override or isolate (U+202A-U+202E, U+2066-U+2069) reorders the text after it
on a page, in a PDF or a spreadsheet, so a name could read as another one. No name here needs
one: every place a name is typed refuses it, with a message that names the character and where
it is, and writes nothing — the web forms (people, teams, championships, skills, nominations and
their recipients, hall screens, certificate signatories, account logins), the Excel/CSV imports
(their page and `competition import`) and `competition user add`. The JSON API and Socket.IO take
no names (marks only).

The direction marks (LRM, RLM, ALM), zero-width characters and combining marks are kept; a name
is stored in Unicode's composed form (NFC), from a form and from an import alike.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata

import openpyxl
import pytest
import sqlalchemy as sa
from markupsafe import escape

from competition.models import Competitor, Organization, Screen
from tests.access import client_as
from tests.fixtures.databases import app_on_copy

from .hostile import EN, dispose, fingerprint, form_fields, resubmit
from .test_hostile_names import FORMS, MODELS, NAMES, people_template  # noqa: F401 (a fixture)

BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")
RLO = "\u202e"
# Kept as typed: direction marks, zero-width characters, combining marks (a Zalgo "Aigul")
KEPT = "\u200fАйгүл\u200e Zero\u200bWidth\u200c\u200dJoin\ufeff \u061cA\u0301\u0316\u0350igul"
# "й" typed as "и" and U+0306 (as some keyboards and PDFs give it): one letter in NFC; "р" and
# U+0306 have no composed letter and stay two characters
DECOMPOSED = "Ии\u0306гер\u0306"
COMPOSED = "И\u0439гер\u0306"


def said(char: str, position: int) -> str:
    """The English message's key part for `char` at `position` (1-based)."""
    return f"U+{ord(char):04X} ({unicodedata.name(char)}), character {position} of the text"


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def page_text_of(fragment: str) -> str:
    """The text of an HTML fragment that starts inside a tag (`<td …>…`)."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment.split(">", 1)[-1])).strip()


@pytest.fixture
def named(people_template, tmp_path):  # noqa: F811
    template, ids = people_template
    app = app_on_copy(template, tmp_path)
    yield app, ids
    dispose(app)


# --- the web forms -------------------------------------------------------------------------------

@pytest.mark.parametrize("entity", sorted(FORMS))
def test_a_bidi_control_in_a_name_is_refused(named, entity):
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    before = fingerprint(app)
    for number, char in enumerate(BIDI):
        field = NAMES[number % len(NAMES)]
        response = resubmit(organizer, FORMS[entity], {field: f"Name{char} Here"})
        assert response.status_code in (200, 400, 422), (entity, field, hex(ord(char)))
        assert said(char, 5) in page_text(response), (entity, field, hex(ord(char)))
    assert fingerprint(app) == before


def test_the_refusal_is_in_the_readers_language(named):
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    expected = {"ru": "Удалите невидимый символ управления направлением текста U+202E",
                "kk": "Мәтін бағытын басқаратын көрінбейтін U+202E"}
    for language, words in expected.items():
        page = organizer.get(FORMS["organization"], headers={"Accept-Language": language})
        fields = form_fields(page.get_data(as_text=True))
        response = organizer.post(FORMS["organization"], headers={"Accept-Language": language},
                                  data={**fields, "name_kk": f"Ұйым{RLO}"})
        assert words in page_text(response), language


def test_a_bidi_control_is_refused_in_every_other_name_typed_on_a_page(named):
    """Team members, a hall screen's name (new and renamed), a certificate signatory, an account's
    login, a person awarded a nomination."""
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    made = resubmit(organizer, "/board/screens", {
        "new-name": "Hall A", "new-championship": "vko-ws-2026"}, action="/board/screens/new")
    assert made.status_code in (302, 303)
    before = fingerprint(app)
    cases = {
        # competitor 1 is in skill 04, of teams of two
        "members": resubmit(organizer, "/manage/competitors/1/edit",
                            {"members_en": f"One; T{RLO}wo"}),
        "new screen": resubmit(organizer, "/board/screens", {
            "new-name": f"Hall{RLO} B", "new-championship": "vko-ws-2026"},
            action="/board/screens/new"),
        "renamed screen": resubmit(organizer, "/board/screens?championship=vko-ws-2026",
                                   {"s1-name-name": f"Hall{RLO} B"},
                                   action="/board/screens/1/rename"),
        "signatory": resubmit(organizer, "/manage/certificates/settings?championship=vko-ws-2026",
                              {"s0-name_en": f"Anna{RLO} Lee", "s0-title_en": "Director"}),
        "login": resubmit(organizer, "/manage/accounts/new", {
            "login": f"as{RLO}nimda", "role": "expert", "expert_id": "1"}),
        "award person": resubmit(organizer, "/manage/awards/1/edit", {
            "people-0-name_en": f"Anna{RLO} Lee"}, action="/manage/awards/1/recipients"),
    }
    positions = {"members": 7, "new screen": 5, "renamed screen": 5, "signatory": 5, "login": 3,
                 "award person": 5}
    for case, response in cases.items():
        assert response.status_code in (200, 400, 422), (case, response.status_code)
        assert said(RLO, positions[case]) in page_text(response), case
    assert fingerprint(app) == before


def test_direction_marks_zero_width_and_combining_characters_are_kept_in_nfc(named):
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    typed = {"name_ru": KEPT, "name_kk": DECOMPOSED, "name_en": f"{KEPT} {DECOMPOSED}"}
    assert resubmit(organizer, FORMS["competitor"], typed).status_code in (302, 303)
    made = resubmit(organizer, "/board/screens", {
        "new-name": DECOMPOSED, "new-championship": "vko-ws-2026"}, action="/board/screens/new")
    assert made.status_code in (302, 303)
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        competitor = session.get(Competitor, MODELS["competitor"][1])
        stored = {field: getattr(competitor, field) for field in NAMES}
        screen = session.execute(sa.select(Screen.name)).scalar_one()
    assert stored == {field: unicodedata.normalize("NFC", text) for field, text in typed.items()}
    assert stored["name_kk"] == COMPOSED
    assert stored["name_ru"] == KEPT.replace("A\u0301", "\u00c1")  # Á composed, the rest as typed
    assert screen == COMPOSED
    # shown as text on the pages that list them
    listed = organizer.get("/manage/championships/1/competitors", headers=EN)
    assert str(escape(stored["name_en"])) in listed.get_data(as_text=True)


# --- imports: the page and `competition import` ---------------------------------------------------

ORGANIZATIONS_CSV = ("code,name_ru,name_kk,name_en,region\r\n"
                     "bidi-1,Колледж,Колледж,College,ВКО\r\n"
                     f"bidi-2,Колледж 2,Колледж 2,Coll{RLO}ege 2,ВКО\r\n")


def competitors_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Участники"
    book.active.append(["code", "name_ru", "name_en", "organization"])
    book.active.append(["bidi-1", "Иван", "Ivan", ""])
    book.active.append(["bidi-2", "Иван", "Iv\u2067an", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import_page(organizer, kind: str, name: str, data: bytes, skill: str = ""):
    page = organizer.get("/manage/import", headers=EN).get_data(as_text=True)
    fields = form_fields(page, "/manage/import/preview")
    fields.update({"kind": kind, "skill": skill, "championship": "vko-ws-2026"})
    return organizer.post("/manage/import/preview", headers=EN, data={
        **fields, "file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("case", ["organizations.csv", "competitors.xlsx"])
def test_an_import_with_a_bidi_control_is_refused_saying_where_and_what(named, case):
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    before = fingerprint(app)
    if case == "organizations.csv":
        response = _import_page(organizer, "organizations", case, ORGANIZATIONS_CSV.encode())
        sheet, value, position, char = case, f"Coll{RLO}ege 2", 5, RLO
    else:
        response = _import_page(organizer, "competitors", case, competitors_xlsx(),
                                skill="vko-ws-2026/10")
        sheet, value, position, char = "Участники", "Iv\u2067an", 3, "\u2067"
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert 'id="confirm-form"' not in html
    rows = [row for row in html.split("<tr") if said(char, position) in page_text_of(row)]
    assert len(rows) == 1, "one error, on its row"
    cells = [page_text_of(cell.split("</td>")[0]) for cell in rows[0].split("<td")[1:]]
    assert cells[:4] == [sheet, "3", "name_en", value], cells
    assert cells[4].startswith(f"Remove the invisible direction control {said(char, position)}")
    assert fingerprint(app) == before


def test_an_import_stores_names_in_nfc(named):
    from competition.registry.imports import service

    app, _ids = named
    data = ("code,name_ru\r\n" f"nfc-1,{DECOMPOSED}\r\n").encode()
    with app.test_request_context():
        importer = service.importer_for("organizations")
        report = service.run_import(importer, service.resolve_target(importer, None, None),
                                    "organizations.csv", data)
        assert not report.errors
        session = app.extensions["sqlalchemy"].session
        stored = session.execute(sa.select(Organization.name_ru)
                                 .where(Organization.code == "nfc-1")).scalar_one()
    assert stored == COMPOSED


def _cli(database, folder, *args: str, stdin: str = ""):
    env = dict(os.environ)
    env.update({"COMPETITION_INSTANCE": str(folder),
                "COMPETITION_DATABASE_URL": f"sqlite:///{database}"})
    result = subprocess.run([sys.executable, "-m", "competition", *args], input=stdin,
                            capture_output=True, text=True, env=env, cwd=folder, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_command_line_refuses_a_bidi_control_in_an_import_and_a_login(
        demo_template_db, tmp_path):
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    file = tmp_path / "organizations.csv"
    file.write_text(ORGANIZATIONS_CSV, encoding="utf-8")

    def rows() -> tuple[int, int]:
        with sqlite3.connect(database) as connection:
            return tuple(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("organization", "user_account"))

    before = rows()
    imported = _cli(database, tmp_path, "import", "organizations", str(file))
    assert imported.returncode == 1
    assert (f"organizations.csv, row 3, column name_en, value 'Coll\\u202eege 2': "
            f"Remove the invisible direction control {said(RLO, 5)}") in imported.stdout
    assert "nothing was imported" in imported.stderr
    added = _cli(database, tmp_path, "user", "add", f"as{RLO}nimda", "--role", "organizer",
                 "--password-stdin", stdin="password-1\n")
    assert added.returncode == 1
    assert "invisible character U+202E at character 3" in added.stderr
    assert rows() == before
