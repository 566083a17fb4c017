"""Hostile names, typed by an organizer through the real forms: stored as typed (in Unicode's
composed form, NFC), shown as text (escaped) on every page that shows them, never run as markup,
a template or SQL.

Each payload of hostile.PAYLOADS goes into every name field of a championship, a skill, an
organization, a competitor, an expert, an award nomination and a hall screen (the edit forms,
posted back with their CSRF token); then every HTML page of the app (the GET URLs of
tests/test_access.py plus the pages that list people) is fetched as the organizer and, for the
public ones, as an anonymous visitor.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
import sqlalchemy as sa
from markupsafe import escape

from competition.models import (
    Award,
    Championship,
    Competitor,
    Expert,
    Organization,
    Screen,
    Skill,
)
from tests.access import client_as, make_role_users
from tests.board.test_screens import mark_final
from tests.conftest import app_on_copy
from tests.marking import sign_off_all
from tests.test_access import ACCESS, NOT_GET

from .hostile import ACTIVE, EN, PAYLOADS, dispose, resubmit

NAMES = ("name_ru", "name_kk", "name_en")
SWEPT = {"script", "attribute", "markup", "template", "url", "sql"}
# The entities a payload is typed into: their edit form (demo ids: championship 1, skill 2 = "10",
# organization 1 = competitor 101's, competitor 7 = "101", expert 1 = the chief of "10")
FORMS = {
    "championship": "/manage/championships/1/edit",
    "skill": "/manage/skills/2/edit",
    "organization": "/manage/organizations/1/edit",
    "competitor": "/manage/competitors/7/edit",
    "expert": "/manage/experts/1/edit",
    "award": "/manage/awards/1/edit",
}
MODELS = {"championship": (Championship, 1), "skill": (Skill, 2), "organization": (Organization, 1),
          "competitor": (Competitor, 7), "expert": (Expert, 1), "award": (Award, 1)}
DOWNLOADS = re.compile(r"\.(xlsx|csv|pdf|json)(\?|$)|/download|/documents/assets/"
                       r"|/import/(export|template)")
# Pages that list people besides the ACCESS examples (those name championship 2 or a filter)
EXTRA_PAGES = ("/manage/championships/1/competitors", "/manage/championships/1/experts",
               "/manage/organizations", "/manage/awards?championship=vko-ws-2026",
               "/manage/skills/2/draw", "/judging/10/history?aspect=A1.1&competitor=101")


def name_of(payload: str, entity: str) -> str:
    return f"{payload} {entity}"


def stored_name(payload: str, entity: str) -> str:
    """The name as stored and shown: what was typed, in NFC."""
    return unicodedata.normalize("NFC", name_of(payload, entity))


@pytest.fixture(scope="module")
def people_template(demo_template_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    app = app_on_copy(demo_template_db, folder)
    ids = make_role_users(app)
    dispose(app)
    return folder / "competition.db", ids


def type_names(app, ids, payload: str) -> None:
    """As the organizer: every entity's names, a screen's name, skill 10 published."""
    organizer = client_as(app, "organizer", ids)
    for entity, url in FORMS.items():
        name = name_of(payload, entity)
        response = resubmit(organizer, url, dict.fromkeys(NAMES, name))
        assert response.status_code in (302, 303), (entity, response.status_code,
                                                     _errors(response))
    response = resubmit(organizer, "/board/screens", {
        "new-name": name_of(payload, "screen"), "new-championship": "vko-ws-2026"},
        action="/board/screens/new")
    assert response.status_code in (302, 303), ("screen", response.status_code, _errors(response))
    with app.app_context():  # final results: publishing waits for them
        mark_final("10")
        sign_off_all("10")
    response = resubmit(organizer, "/manage/championships/1", {"visibility": "published"},
                        action="/board/vko-ws-2026/10/visibility")
    assert response.status_code in (302, 303), ("visibility", response.status_code)


def _errors(response) -> list[str]:
    return re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.get_data(as_text=True))


def pages() -> list[tuple[str, bool]]:
    """(URL, whether anonymous visitors may open it)."""
    urls = [(url, "anonymous" in who) for endpoint, (url, who) in sorted(ACCESS.items())
            if endpoint not in NOT_GET and not DOWNLOADS.search(url)]
    return urls + [(url, False) for url in EXTRA_PAGES]


@pytest.fixture
def named(people_template, tmp_path, request):
    template, ids = people_template
    app = app_on_copy(template, tmp_path)
    yield app, ids
    dispose(app)


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_a_hostile_name_is_stored_as_typed_and_shown_as_text(named, kind):
    app, ids = named
    payload = PAYLOADS[kind]
    type_names(app, ids, payload)
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        for entity, (model, key) in MODELS.items():
            row = session.get(model, key)
            stored = [row.title.get(lang) for lang in ("ru", "kk", "en")] \
                if entity == "award" and hasattr(row, "title") and isinstance(row.title, dict) \
                else [getattr(row, field) for field in NAMES]
            assert stored == [stored_name(payload, entity)] * 3, (entity, stored)
        code = session.get(Competitor, 7).results_code
        screen = session.execute(sa.select(Screen)).scalar_one()
        assert screen.name == stored_name(payload, "screen")
        assert session.execute(sa.select(sa.func.count()).select_from(Competitor)).scalar() > 0

    expected = {str(escape(stored_name(payload, e))) for e in [*FORMS, "screen"]}
    shown: dict[str, int] = {}
    organizer = client_as(app, "organizer", ids)
    anonymous = app.test_client()
    # Every page for the payloads that are markup; the Unicode ones on the pages of WHERE_SHOWN
    sweep = [*pages(), (f"/me/{code}", True)] if kind in SWEPT else []
    for url, public in sweep:
        visitors = (("organizer", organizer), ("anonymous", anonymous))[:2 if public else 1]
        for who, client in visitors:
            response = client.get(url, headers=EN)
            if response.status_code >= 300:
                continue
            assert response.status_code == 200, (url, who, response.status_code)
            if response.mimetype != "text/html":  # downloads (templates, exports): elsewhere
                continue
            html = response.get_data(as_text=True)
            for active in ACTIVE:
                assert active not in html, (url, who, active)
            found = sum(name in html for name in expected)
            shown[f"{who} {url}"] = found
    print(f"\nnames [{kind}]: {len(shown)} page fetches without an active payload, "
          f"{sum(1 for found in shown.values() if found)} showing the names escaped; "
          f"{len(WHERE_SHOWN)} spot checks")
    # The names are on the pages that show them, escaped (spot checks of each entity)
    for url, entity in WHERE_SHOWN:
        assert str(escape(stored_name(payload, entity))) in \
            organizer.get(url.format(code=code), headers=EN).get_data(as_text=True), (url, entity)


WHERE_SHOWN = (
    ("/manage/championships/1", "championship"),
    ("/manage/championships/1/competitors", "competitor"),
    ("/manage/championships/1/competitors", "organization"),
    ("/manage/championships/1/experts", "expert"),
    ("/manage/organizations", "organization"),
    ("/results/10", "competitor"),
    ("/results/10", "skill"),
    ("/medals", "organization"),
    ("/awards", "award"),
    ("/board/screens", "screen"),
    ("/judging/10/chief", "competitor"),
    ("/me/{code}", "competitor"),
)


# --- control characters: refused with a message, nothing saved ----------------------------------

CONTROLS = ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b")


@pytest.mark.parametrize("entity", sorted(FORMS))
def test_a_control_character_in_a_name_is_refused(named, entity):
    from .hostile import fingerprint

    app, ids = named
    organizer = client_as(app, "organizer", ids)
    before = fingerprint(app)
    tries = [(char, "name_en") for char in CONTROLS] + [("\x07", "name_ru"), ("\x00", "name_kk")]
    for char, field in tries:
        response = resubmit(organizer, FORMS[entity], {field: f"Name{char}Here"})
        assert response.status_code in (200, 400, 422), (entity, field, repr(char))
        # NUL is refused in any request before a form reads it (tests/security/test_nul.py)
        said = ("NUL character (U+0000)" if char == "\x00"
                else f"control character U+{ord(char):04X}")
        assert said in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_control_character_in_team_members_or_a_screen_name_is_refused(named):
    from .hostile import fingerprint

    app, ids = named
    organizer = client_as(app, "organizer", ids)
    before = fingerprint(app)
    response = resubmit(organizer, "/manage/competitors/1/edit",  # skill 04: teams of two
                        {"members_en": "One\x07; Two"})
    assert "control character U+0007" in response.get_data(as_text=True)
    response = resubmit(organizer, "/board/screens", {
        "new-name": "Hall\x1bA", "new-championship": "vko-ws-2026"}, action="/board/screens/new")
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_hostile_name_is_found_by_the_search(named):
    """Search with the payloads themselves: no error, and the record is found."""
    app, ids = named
    organizer = client_as(app, "organizer", ids)
    # "combining" is typed and searched for decomposed, and stored composed (NFC)
    for kind in ("sql", "script", "rtl", "emoji", "kazakh", "template", "combining"):
        name = name_of(PAYLOADS[kind], "organization")
        response = resubmit(organizer, FORMS["organization"], dict.fromkeys(NAMES, name))
        assert response.status_code in (302, 303)
        found = organizer.get("/manage/organizations", query_string={"q": PAYLOADS[kind]},
                              headers=EN)
        assert found.status_code == 200, kind
        assert str(escape(stored_name(PAYLOADS[kind], "organization"))) in \
            found.get_data(as_text=True), kind
