"""Issue 4, "Done when": an organizer sets up the demo championship from scratch through the UI
and the Excel templates alone, and every bad file gets a precise error with nothing half-imported.

One test, over real HTTP requests with CSRF on, from an empty migrated database: log in, create
the WorldSkills championship and its skills with the forms, import organizations, each skill's
marking scheme and competitors, then the experts, from .xlsx files built from fixtures/demo/
(English column keys, as docs/imports.md and docs/scheme.md list them). Bad files on the way are
refused with their row-level errors and change nothing. At the end the database must say what
`load_demo()` says: the same `skill_document` for every skill, and the same experts and roles.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, Competitor, Expert, Organization, Skill
from competition.registry.imports.people import COMPETITORS
from competition.registry.imports.service import Target
from competition.registry.scheme.importer import export_scheme
from competition.standings import skill_document
from tests.fixtures.databases import make_app
from tests.helpers import csrf, follow_import

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
WORLDSKILLS = json.loads((DEMO / "worldskills.json").read_text(encoding="utf-8"))
WS = WORLDSKILLS["code"]
LOCALES = ("ru", "kk", "en")
LOGIN, PASSWORD = "organizer-from-scratch", "a long password for the organizer"
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')
PREVIEW_ROW = re.compile(r'<tr class="action-(\w+)">\s*<td class="num">(\d*)</td>\s*'
                         r'<th scope="row">([^<]*)</th>')
ERROR_ROW = re.compile(r"<tr>\s*<td>([^<]*)</td>\s*<td class=\"num\">(\d*)</td>\s*"
                       r"<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*</tr>")


def _skill_file(relative: str) -> dict:
    return json.loads((DEMO / relative).read_text(encoding="utf-8"))


SKILLS = [_skill_file(relative) for relative in WORLDSKILLS["skills"]]


@pytest.fixture
def demo_reference(demo_template_db, tmp_path):
    """The database `load_demo()` fills (the `demo_app` fixture's), in its own folder: `app` and
    `demo_app` would both copy their database to tmp_path/competition.db, the same file."""
    folder = tmp_path / "demo-reference"
    folder.mkdir()
    shutil.copyfile(demo_template_db, folder / "competition.db")
    app = make_app(f"sqlite:///{folder / 'competition.db'}", folder)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- the browser's side: pages, forms and their CSRF tokens ------------------------------------

def text(response) -> str:
    return response.get_data(as_text=True)


def submit(client, url: str, data: dict):
    """Open the form page, then post the form with the page's CSRF token (as a browser does)."""
    page = client.get(url)
    assert page.status_code == 200, url
    return client.post(url, data={"csrf_token": csrf(text(page)), **data})


def xlsx(rows: list[dict], columns: list[str], sheet: str) -> bytes:
    """A workbook as an organizer fills the template in: the English keys as the header row."""
    book = openpyxl.Workbook()
    book.active.title = sheet
    book.active.append(columns)
    for row in rows:
        book.active.append([row.get(key) or None for key in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, kind: str, data: bytes, filename: str, skill: str | None = None):
    """The import page: what the file holds, where it goes, the file → the preview page."""
    page = text(client.get("/manage/import"))
    assert f'value="{kind}"' in page
    if skill:
        assert f'value="{WS}/{skill}"' in page, "the new skill is offered on the import page"
    return client.post("/manage/import/preview", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "kind": kind, "championship": WS if kind != "organizations"
        else "", "skill": f"{WS}/{skill}" if skill else "",
        "file": (io.BytesIO(data), filename)})


def import_file(client, kind: str, rows: list[dict], columns: list[str],
                creates: list[str] | None, skill: str | None = None,
                data: bytes | None = None) -> None:
    """Upload → the preview lists a "create" for every code → Import → the result page.
    `data`: a file as it is (a CIS workbook), its codes not known beforehand (`creates` None)."""
    filename = f"{kind}{'-' + skill if skill else ''}.xlsx"
    preview = upload(client, kind, data or xlsx(rows, columns, kind), filename, skill)
    page = text(preview)
    assert preview.status_code == 200, page
    assert "Preview of the import" in page and "Nothing has been saved yet" in page
    planned = [(action, html.unescape(code)) for action, _row, code in PREVIEW_ROW.findall(page)]
    if creates is None:
        creates = [code for _action, code in planned]
    assert planned == [("create", code) for code in creates]
    assert f"create {len(creates)}" in page
    confirmed = follow_import(client, client.post(
        "/manage/import/confirm",
        data={"csrf_token": csrf(page), "token": TOKEN.search(page).group(1)}))
    assert confirmed.status_code == 303, text(confirmed)
    result = client.get(confirmed.headers["Location"])
    assert result.status_code == 200
    page = text(result)
    assert "Import finished" in page and f"created: {len(creates)}" in page
    assert "updated: 0" in page and filename in page


def refused(client, kind: str, rows: list[dict], columns: list[str], sheet: str,
            skill: str | None = None) -> list[tuple[str, int, str, str, str]]:
    """Upload a bad file: the error page, no way to import it; its errors as table rows."""
    preview = upload(client, kind, xlsx(rows, columns, sheet), f"bad-{kind}.xlsx", skill)
    page = text(preview)
    assert preview.status_code == 422, page
    assert "The file has errors" in page and "Nothing was imported." in page
    assert TOKEN.search(page) is None, "a refused file cannot be confirmed"
    return [(s, int(r) if r else 0, html.unescape(c), html.unescape(v), html.unescape(e))
            for s, r, c, v, e in ERROR_ROW.findall(page)]


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


# --- the fixture files as the rows of the organizer's workbooks --------------------------------

ORGANIZATION_COLUMNS = ["code", "name_ru", "name_kk", "name_en", "kind", "region"]
COMPETITOR_COLUMNS = ["code", "name_ru", "name_kk", "name_en", "organization", "category",
                      "status", "workstation", "members_ru", "members_kk", "members_en",
                      "members_birth_dates", "members_consent", "birth_date"]
EXPERT_COLUMNS = ["code", "name_ru", "name_kk", "name_en", "organization", "skill", "role"]
SCHEME_COLUMNS = [
    "criterion", *(f"criterion_name_{lang}" for lang in LOCALES),
    "sub_criterion", *(f"sub_criterion_name_{lang}" for lang in LOCALES), "day",
    "aspect", "type", *(f"description_{lang}" for lang in LOCALES), "max", "values",
    "standards_section",
    *(f"descriptor_{score}_{lang}" for score in range(4) for lang in LOCALES)]


def names(entry: dict, prefix: str = "name", key: str = "name") -> dict[str, str]:
    return {f"{prefix}_{lang}": entry[key].get(lang, "") for lang in LOCALES}


def organization_rows() -> list[dict]:
    entries = json.loads((DEMO / "organizations.json").read_text(encoding="utf-8"))
    return [{"code": o["code"], **names(o), "kind": o["kind"], "region": o["region"]}
            for o in entries]


def scheme_rows(skill: dict) -> list[dict]:
    rows = []
    for criterion in skill["criteria"]:
        for sub in criterion["sub_criteria"]:
            for aspect in sub["aspects"]:
                row = {"criterion": criterion["code"], **names(criterion, "criterion_name"),
                       "sub_criterion": sub["code"], **names(sub, "sub_criterion_name"),
                       "day": sub["day"], "aspect": aspect["code"], "type": aspect["type"],
                       **names(aspect, "description", "description"), "max": aspect["max"],
                       "values": "; ".join(aspect.get("values") or []),
                       "standards_section": aspect.get("standards_section", "")}
                for score, texts in enumerate(aspect.get("descriptors") or []):
                    row.update({f"descriptor_{score}_{lang}": texts.get(lang, "")
                                for lang in LOCALES})
                rows.append(row)
    return rows


def competitor_rows(skill: dict) -> list[dict]:
    rows = []
    for c in skill["competitors"]:
        members = c.get("members") or []
        rows.append({"code": c["code"], **names(c), "organization": c["organization"] or "",
                     "category": c["category"] or "", "status": c["status"],
                     "workstation": c.get("workstation") or "",
                     "birth_date": c.get("birth_date") or "",
                     **{f"members_{lang}": "; ".join(m["name"][lang] for m in members)
                        for lang in LOCALES},
                     "members_birth_dates": "; ".join(m.get("birth_date") or "-"
                                                      for m in members),
                     "members_consent": "; ".join("да" if m.get("name_consent") else "нет"
                                                  for m in members)})
    return rows


def expert_rows() -> list[dict]:
    """One row per expert and skill; the names and organization on the expert's first row."""
    rows = []
    for expert in WORLDSKILLS["experts"]:
        for index, (skill, role) in enumerate(expert["roles"].items()):
            details = ({**names(expert), "organization": expert["organization"] or ""}
                       if index == 0 else {})
            rows.append({"code": expert["code"], **details, "skill": skill, "role": role})
    return rows


# --- what the two databases are compared on -----------------------------------------------------

def snapshot(app) -> dict:
    """The WorldSkills championship as the board and the exports see it.

    Per skill: `skill_document` (scheme, competitors with organizations, categories and statuses,
    the policy) — compared whole, nothing ignored: the imports carry all three languages, so even
    the English-or-Russian names agree — plus what the document leaves out and the files set too:
    the scheme sheet (names, days, descriptions, allowed marks, descriptors, standards sections)
    and the competitor list (workstations, team members).

    Not compared, as the UI cannot or need not reproduce them: database ids; each competitor's
    personal results code (random by design); the skill's `visibility` (the demo loader sets
    "live", a new skill is "hidden", and no page sets it; nothing reads it yet); the audit log.
    """
    with app.app_context():
        championship = db.session.execute(
            sa.select(Championship).where(Championship.code == WS)).scalar_one()
        skills = sorted(championship.skills, key=lambda s: s.position)
        experts = db.session.execute(
            sa.select(Expert).where(Expert.championship_id == championship.id)).scalars()
        return {
            "championship": {
                "code": championship.code, "kind": championship.kind,
                "names": championship.names(), "starts_on": championship.starts_on,
                "ends_on": championship.ends_on,
                "venue": [championship.venue_ru, championship.venue_kk, championship.venue_en],
                "categories": championship.category_list(), "policy": championship.policy()},
            "organizations": {
                o.code: (o.names(), o.kind, o.region)
                for o in db.session.execute(sa.select(Organization)).scalars()},
            "skills": [
                {"code": s.code, "position": s.position, "team_size": s.team_size,
                 "names": s.names(), "document": skill_document(s),
                 "scheme sheet": export_scheme(s),
                 "competitor list": list(COMPETITORS.export_rows(Target(championship, s)))}
                for s in skills],
            "experts": {
                e.code: {"names": e.names(),
                         "organization": e.organization.code if e.organization else None,
                         "roles": {r.skill.code: r.role for r in e.roles}}
                for e in experts},
        }


# --- the test -----------------------------------------------------------------------------------

def test_the_demo_championship_set_up_from_scratch_through_the_ui(app, demo_reference):
    assert app.config.get("WTF_CSRF_ENABLED", True), "the pages are driven with CSRF on"
    with app.app_context():
        assert db.session.execute(sa.select(Championship.id)).first() is None  # empty database
        with write_transaction():
            add_user(LOGIN, "organizer", PASSWORD)
    client = app.test_client()
    client.get("/lang/en")  # the assertions read the English pages

    # Log in through the login form; a post without the CSRF token is refused.
    assert client.post("/login", data={"login": LOGIN, "password": PASSWORD}).status_code == 400
    assert client.get("/manage/import").status_code != 200
    response = submit(client, "/login", {"login": LOGIN, "password": PASSWORD})
    assert response.status_code == 302, text(response)
    assert client.get("/manage/import").status_code == 200

    # 1. The championship, with the settings form.
    policy = WORLDSKILLS["policy"]
    response = submit(client, "/manage/championships/new", {
        "code": WS, **names(WORLDSKILLS), "kind": WORLDSKILLS["kind"],
        "starts_on": WORLDSKILLS["starts_on"], "ends_on": WORLDSKILLS["ends_on"],
        **names(WORLDSKILLS, "venue", "venue"),
        "categories": ", ".join(WORLDSKILLS["categories"]),
        "scale": policy["scale"], "judges_per_aspect": policy["judges_per_aspect"],
        "tie_margin": policy["tie_margin"] or "",
        "medallion_threshold": policy["medallion_threshold"] or "",
        **{f"medal_min_{medal}": policy["medal_min_field"][medal]
           for medal in ("gold", "silver", "bronze")}})
    assert response.status_code == 302, text(response)
    championship_url = response.headers["Location"]
    championship_id = int(re.fullmatch(r".*/manage/championships/(\d+)", championship_url)[1])

    # 2. Its skills, with the skill form (in the demo's order: positions 0, 1, …).
    for position, skill in enumerate(SKILLS):
        response = submit(client, f"/manage/championships/{championship_id}/skills/new", {
            "code": skill["code"], **names(skill), "team_size": skill["team_size"],
            "position": position})
        assert response.status_code == 302, text(response)
    page = text(client.get(championship_url))
    assert all(skill["name"]["en"] in page for skill in SKILLS)

    # 3. The organizations, then each skill's marking scheme and competitors, then the experts.
    organizations = organization_rows()
    import_file(client, "organizations", organizations, ORGANIZATION_COLUMNS,
                [o["code"] for o in organizations])

    for number, skill in enumerate(SKILLS):
        if "cis_scheme" in skill:  # the demo loads this one from a CIS workbook: so do we
            data = (DEMO / "skills" / skill["cis_scheme"]).resolve().read_bytes()
            import_file(client, "scheme", [], [], None, skill=skill["code"], data=data)
        else:
            rows = scheme_rows(skill)
            import_file(client, "scheme", rows, SCHEME_COLUMNS, [r["aspect"] for r in rows],
                        skill=skill["code"])
        competitors = competitor_rows(skill)
        if number == 1:
            bad_competitor_file(client, app, skill["code"], competitors)
        import_file(client, "competitors", competitors, COMPETITOR_COLUMNS,
                    [c["code"] for c in competitors], skill=skill["code"])
        if number == 2:
            changed_since_the_preview(client, app, skill["code"], competitors)

    bad_expert_file(client, app)
    experts = expert_rows()
    import_file(client, "experts", experts, EXPERT_COLUMNS,
                [e["code"] for e in WORLDSKILLS["experts"]])

    # 4. The same championship as `competition demo` loads.
    built, expected = snapshot(app), snapshot(demo_reference)
    assert [s["code"] for s in built["skills"]] == [s["code"] for s in SKILLS]
    assert built["championship"] == expected["championship"]
    assert built["organizations"] == expected["organizations"]
    for made, wanted in zip(built["skills"], expected["skills"], strict=True):
        assert made["document"] == wanted["document"], made["code"]
        assert made == wanted, made["code"]
    assert built["experts"] == expected["experts"]
    assert count(app, Competitor) == sum(len(s["competitors"]) for s in SKILLS)


def bad_competitor_file(client, app, skill: str, competitors: list[dict]) -> None:
    """5. A competitor file with an unknown organization and a duplicate code, among good rows:
    refused whole, every error with its sheet, row, column and value; nothing imported."""
    before = count(app, Competitor)
    bad = [dict(row) for row in competitors]
    bad[2]["organization"] = "NO-SUCH-ORG"          # spreadsheet row 4
    bad[5]["code"] = bad[1]["code"]                 # spreadsheet row 7 repeats row 3's code
    errors = refused(client, "competitors", bad, COMPETITOR_COLUMNS, "Участники", skill)
    assert [error[:4] for error in errors] == [
        ("Участники", 4, "organization", "NO-SUCH-ORG"),
        ("Участники", 7, "code", bad[1]["code"]),
    ]
    assert "register it first" in errors[0][4]
    assert "also in row 3" in errors[1][4]
    assert count(app, Competitor) == before


def changed_since_the_preview(client, app, skill: str, competitors: list[dict]) -> None:
    """A file good at its preview and bad at its confirmation (its organization was deleted in
    between): refused at the confirmation, with the row named; none of its rows imported."""
    response = submit(client, "/manage/organizations/new", {
        "code": "TEMP", "name_en": "A college registered by mistake", "kind": "college",
        "region": "VKO"})
    assert response.status_code == 302, text(response)
    with app.app_context():
        temp_id = db.session.execute(
            sa.select(Organization.id).where(Organization.code == "TEMP")).scalar_one()
    rows = [{**competitors[0], "code": "X1"}, {**competitors[1], "code": "X2"},
            {**competitors[2], "code": "X3", "organization": "TEMP"}]
    preview = upload(client, "competitors", xlsx(rows, COMPETITOR_COLUMNS, "late"),
                     "late.xlsx", skill)
    page = text(preview)
    assert preview.status_code == 200, page
    response = submit(client, f"/manage/organizations/{temp_id}/delete", {})
    assert response.status_code == 302, text(response)
    before = count(app, Competitor)
    confirmed = follow_import(client, client.post(
        "/manage/import/confirm",
        data={"csrf_token": csrf(page), "token": TOKEN.search(page).group(1)}))
    answer = text(confirmed)
    assert confirmed.status_code == 422, answer
    assert "The data changed since the preview. Nothing was imported." in answer
    assert [e[:4] for e in ERROR_ROW.findall(answer)] == [("late", "4", "organization", "TEMP")]
    assert count(app, Competitor) == before
    with app.app_context():
        codes = set(db.session.execute(sa.select(Competitor.code).join(Skill).where(
            Skill.code == skill)).scalars())
    assert codes == {c["code"] for c in competitors}


def bad_expert_file(client, app) -> None:
    """An expert file with an unknown skill and a second chief expert for skill 10: refused."""
    rows = expert_rows()
    assert (rows[0]["skill"], rows[0]["role"]) == ("10", "chief")  # row 2: E01 leads skill 10
    unknown = next(i for i, r in enumerate(rows) if r["role"] == "deputy")
    second_chief = next(i for i, r in enumerate(rows) if r["skill"] == "10"
                        and r["role"] == "expert")
    rows[unknown] = {**rows[unknown], "skill": "99"}
    rows[second_chief] = {**rows[second_chief], "role": "chief"}
    errors = refused(client, "experts", rows, EXPERT_COLUMNS, "experts")
    assert [error[:4] for error in errors] == sorted([
        ("experts", unknown + 2, "skill", "99"),
        ("experts", second_chief + 2, "role", "chief"),
    ], key=lambda e: e[1])
    assert "expected one of: 04, 10, 18, 29, 34" in errors[0][4]
    assert "One chief expert per skill" in errors[1][4]
    assert count(app, Expert) == 0
