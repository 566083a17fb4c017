"""Penalties and disqualification over HTTP (CSRF on): who may, the reasons, the audit log, the
standings, the competitor's own page and the results sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import AuditEntry, Competitor, Sanction, Skill
from competition.standings import hub
from tests.access import client_as, make_role_users
from tests.marking import enter_marks

from ..helpers import EN, csrf

PAGE = "/judging/10/sanctions"


@pytest.fixture
def users(demo_app):
    return make_role_users(demo_app)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url: str, data: dict, page: str = PAGE):
    token = csrf(text(client.get(page, headers=EN)))
    return client.post(url, data={"csrf_token": token, **data}, headers=EN)


def competitor(code: str = "101") -> Competitor:
    return db.session.execute(
        sa.select(Competitor).join(Skill).where(Skill.code == "10", Competitor.code == code)
    ).scalar_one()


def sanctions_count() -> int:
    return db.session.execute(sa.select(sa.func.count(Sanction.id))).scalar_one()


def staff_row(app, code: str = "101") -> dict:
    """The competitor's row of skill 10's live staff standings."""
    with app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        staff, _public = hub(app).snapshot(skill.id)
    rows = [row for group in staff["results"]["groups"] for row in group["results"]]
    return next(row for row in rows if row["competitor"] == code) | {
        "meta": staff["competitors"][code]}


def test_the_chief_gives_a_penalty_and_the_total_goes_down(demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=3)
    before = Decimal(staff_row(demo_app)["total"])
    chief = client_as(demo_app, "chief", users)
    page = text(chief.get(PAGE, headers=EN))
    assert "<h1>Penalties and disqualification: 10 " in page
    assert '<label for="penalty-points">Points off</label>' in page
    assert '<label for="penalty-reason">Reason for the penalty</label>' in page
    response = post(chief, f"{PAGE}/penalty",
                    {"competitor": "101", "points": "1,5", "reason": "Unsafe use of the grinder"})
    assert response.status_code == 302, text(response)
    page = text(chief.get(PAGE, headers=EN))
    assert "Penalty of 1.50 points given to competitor 101." in page
    assert "Unsafe use of the grinder" in page and "1.50 points off" in page
    with demo_app.app_context():
        sanction = db.session.execute(sa.select(Sanction)).scalar_one()
        assert (sanction.kind, sanction.points, sanction.by_id) == (
            "penalty", Decimal("1.5"), users["chief"])
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.entity == "sanction")).scalar_one()
        assert entry.action == "penalize" and entry.user_id == users["chief"]
        assert entry.changes["points"] == "1.50" and entry.championship_id is not None
    row = staff_row(demo_app)
    assert row["meta"]["penalty"] == "1.50"
    # The rules take the penalty off the total (docs/rules.md revision 2).
    assert Decimal(row["total"]) == max(Decimal(0), before - Decimal("1.5"))


def test_a_penalty_is_never_taken_below_zero(demo_app, users):
    chief = client_as(demo_app, "chief", users)
    response = post(chief, f"{PAGE}/penalty",
                    {"competitor": "101", "points": "5", "reason": "Late start"})
    assert response.status_code == 302
    row = staff_row(demo_app)  # nothing marked yet: 0, not -5
    assert row["total"] == "0.00" and row["meta"]["penalty"] == "5.00"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"points": "1", "reason": "  "}, "penalty-reason", "Give the reason"),
    ({"points": "abc", "reason": "x"}, "penalty-points", "Give the penalty as a number"),
    ({"points": "0", "reason": "x"}, "penalty-points", "more than 0"),
    ({"points": "-2", "reason": "x"}, "penalty-points", "more than 0"),
    ({"points": "1.555", "reason": "x"}, "penalty-points", "at most 2 decimals"),
])
def test_a_bad_penalty_is_refused_beside_its_field_and_writes_nothing(demo_app, users, data,
                                                                      field, message):
    chief = client_as(demo_app, "chief", users)
    response = post(chief, f"{PAGE}/penalty", {"competitor": "101", **data})
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="field-error" id="error-{field}" role="alert">' in page
    assert message in page.split(f'id="error-{field}"', 1)[1].split("</p>", 1)[0]
    assert f'aria-invalid="true" aria-describedby="error-{field}"' in page \
        or f'aria-describedby="{field}-hint error-{field}"' in page
    with demo_app.app_context():
        assert sanctions_count() == 0
        assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.entity == "sanction")).scalar_one() == 0


def test_the_organizer_disqualifies_and_withdraws_it_with_a_reason(demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=4)
        with_status = competitor("102")
        from competition.database import write_transaction
        with write_transaction():
            db.session.get(Competitor, with_status.id).status = "guest"
    organizer = client_as(demo_app, "organizer", users)
    for code in ("101", "102"):
        response = post(organizer, f"{PAGE}/disqualify",
                        {"competitor": code, "reason": "Used a prohibited tool"})
        assert response.status_code == 302, text(response)
    row = staff_row(demo_app)
    assert row["status"] == "disqualified" and row["rank"] is None and row["medal"] is None
    # Not twice.
    again = post(organizer, f"{PAGE}/disqualify", {"competitor": "101", "reason": "Again"})
    assert again.status_code == 409 and "already disqualified" in text(again)
    # The results page shows the note after the name.
    results = text(organizer.get("/results/10", headers=EN))
    assert "(disqualified)" in results
    with demo_app.app_context():
        assert competitor("101").status == "disqualified"
        ids = {s.competitor.code: s.id for s in db.session.execute(sa.select(Sanction)).scalars()}
    # Withdrawing needs a reason.
    url = f"{PAGE}/{ids['101']}/withdraw"
    refused = post(organizer, url, {"reason": ""})
    assert refused.status_code == 422
    assert f'id="error-withdraw-{ids["101"]}"' in text(refused)
    with demo_app.app_context():
        assert competitor("101").status == "disqualified"
    assert post(organizer, url, {"reason": "Appeal upheld"}).status_code == 302
    assert post(organizer, f"{PAGE}/{ids['102']}/withdraw",
                {"reason": "Appeal upheld"}).status_code == 302
    with demo_app.app_context():
        # The status before the disqualification comes back.
        assert competitor("101").status == "active" and competitor("102").status == "guest"
        withdrawn = db.session.get(Sanction, ids["101"])
        assert not withdrawn.in_force and withdrawn.withdrawn_reason == "Appeal upheld"
        assert withdrawn.withdrawn_by_id == users["organizer"]
        actions = db.session.execute(sa.select(AuditEntry.action).where(
            AuditEntry.entity == "sanction").order_by(AuditEntry.id)).scalars().all()
        assert actions == ["disqualify", "disqualify", "withdraw", "withdraw"]
    assert staff_row(demo_app)["status"] == "active"
    assert staff_row(demo_app)["rank"] is not None
    page = text(organizer.get(PAGE, headers=EN))
    assert "Withdrawn by as-organizer" in page and "Appeal upheld" in page
    # Withdrawn already: refused.
    assert post(organizer, url, {"reason": "Twice"}).status_code == 409


@pytest.mark.parametrize("persona", ["expert", "competitor", "other_chief", "anonymous"])
def test_others_may_not(demo_app, users, persona):
    client = client_as(demo_app, persona, users)
    response = client.get(PAGE, headers=EN)
    assert response.status_code in (302, 403)
    token = csrf(text(client.get("/", headers=EN))) if persona != "anonymous" else None
    for url, data in ((f"{PAGE}/penalty", {"competitor": "101", "points": "1", "reason": "x"}),
                      (f"{PAGE}/disqualify", {"competitor": "101", "reason": "x"})):
        answer = client.post(url, data={"csrf_token": token or "", **data}, headers=EN)
        assert answer.status_code in ((302, 400) if persona == "anonymous" else (403,))
    with demo_app.app_context():
        assert sanctions_count() == 0
        assert competitor("101").status == "active"


def test_the_competitor_reads_their_penalty_and_the_results_and_sheets_show_it(demo_app, users):
    import io

    import openpyxl
    from pypdf import PdfReader

    from competition.database import write_transaction

    with demo_app.app_context():
        enter_marks("10", seed=3)
        code = competitor("101").results_code
        with write_transaction():
            db.session.execute(sa.update(Skill).where(Skill.code == "10")
                               .values(visibility="live"))
    chief = client_as(demo_app, "chief", users)
    post(chief, f"{PAGE}/penalty", {"competitor": "101", "points": "2",
                                    "reason": "Left the workstation untidy"})
    post(chief, f"{PAGE}/penalty", {"competitor": "101", "points": "0.5",
                                    "reason": "Late by five minutes"})
    with demo_app.app_context():
        late = db.session.execute(sa.select(Sanction.id).where(
            Sanction.reason == "Late by five minutes")).scalar_one()
    post(chief, f"{PAGE}/{late}/withdraw", {"reason": "The clock was wrong"})
    row = staff_row(demo_app)
    assert row["meta"]["penalty"] == "2.00"
    # The participant's own page, anonymous, with the personal code.
    page = text(demo_app.test_client().get(f"/me/{code}", headers=EN))
    section = page.split('id="sanctions-heading"', 1)[1].split("</section>", 1)[0]
    assert "Penalty: 2.00 points off" in section
    assert "Reason: Left the workstation untidy" in section
    assert "Withdrawn" in section and "The clock was wrong" in section
    assert "as-chief" not in section  # who decided stays with the staff
    assert "<dt>Penalty</dt>" in page and "−2.00" in page
    # The public results page: a penalty column.
    results = text(demo_app.test_client().get("/results/10", headers=EN))
    assert '<th scope="col" class="num">Penalty</th>' in results
    assert '<td class="num penalty">−2.00</td>' in results
    # The staff results sheet (PDF) and workbook.
    organizer = client_as(demo_app, "organizer", users)
    organizer.get("/lang/en")
    pdf = organizer.get("/manage/sheets/skills/10/results.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    sheet = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Penalty" in sheet and "−2.00" in sheet
    assert "Left the workstation untidy" in sheet and "The clock was wrong" not in sheet
    book = openpyxl.load_workbook(io.BytesIO(
        organizer.get("/manage/sheets/skills/10/results.xlsx").data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = next(r for r in rows if r and "Penalty" in r)
    line = next(r for r in rows if r and "101" in r)
    assert line[header.index("Penalty")] == Decimal("-2")


def test_the_organizers_form_and_imports_never_disqualify(demo_app, users):
    from tests.helpers import organizer_client

    organizer = organizer_client(demo_app, users)
    with demo_app.app_context():
        target = competitor("101")
        edit = f"/manage/competitors/{target.id}/edit"
    page = text(organizer.get(edit, headers=EN))
    status = page.split('name="status"', 1)[1].split("</select>", 1)[0]
    assert 'value="disqualified"' not in status and 'value="withdrawn"' in status
    assert "/judging/10/sanctions?competitor=101" in page
    form = {"code": "101", "name_ru": "Тест", "status": "disqualified"}
    refused = organizer.post(edit, data={"csrf_token": csrf(page), **form}, headers=EN)
    assert refused.status_code == 200
    assert "disqualified only on the skill" in text(refused)
    with demo_app.app_context():
        assert competitor("101").status == "active"
    # Disqualified through the sanction: the form shows it and keeps it.
    post(client_as(demo_app, "chief", users), f"{PAGE}/disqualify",
         {"competitor": "101", "reason": "Cheating"})
    page = text(organizer.get(edit, headers=EN))
    assert 'selected value="disqualified"' in page.split('name="status"', 1)[1]
    changed = organizer.post(edit, data={"csrf_token": csrf(page), "code": "101",
                                         "name_ru": "Тест", "status": "active"}, headers=EN)
    assert "the status changes only when the disqualification is withdrawn" in text(changed)
    with demo_app.app_context():
        assert competitor("101").status == "disqualified"
    # An import row asking for "disqualified" (in any language) is refused by the same form.
    with demo_app.test_request_context(headers=EN):
        from werkzeug.datastructures import MultiDict

        from competition.registry.people.forms import CompetitorForm
        skill = competitor("102").skill
        row = CompetitorForm(formdata=MultiDict({"code": "102", "name_ru": "Б",
                                                 "status": "дисквалифицирован"}),
                             meta={"csrf": False}, skill=skill)
        assert not row.validate()
        assert "disqualified only on the skill" in row.errors["status"][0]
