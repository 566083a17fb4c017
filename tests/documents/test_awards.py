"""Awards (nominations) over HTTP, as an organizer and the public use them: CSRF on, the demo
championship loaded (its awards from fixtures/demo/awards.json)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import AuditEntry, Award, Organization
from tests.access import client_as
from tests.helpers import EN, csrf, submit

WS = "vko-ws-2026"
EMPLOYER = {"name_ru": "Лучший работодатель", "name_kk": "Үздік жұмыс беруші",
            "name_en": "Best employer"}


def text(response) -> str:
    return response.get_data(as_text=True)


def award_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Award)).scalar_one()


def org_id(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(Organization.id).where(Organization.code == code)).scalar_one()


def rows_titled(app, name_ru: str) -> list[Award]:
    with app.app_context():
        rows = db.session.execute(sa.select(Award).where(Award.name_ru == name_ru)
                                  .order_by(Award.position)).scalars().all()
        db.session.expunge_all()
        return rows


def audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.entity == "award",
                                        AuditEntry.action == action)
            .order_by(AuditEntry.id)).scalars().all()
        db.session.expunge_all()
        return entries


def public_nominations(page: str, championship: int = 0) -> dict[str, list[str]]:
    """{nomination title: [recipient line, …]} of one championship (0: the newest, the
    WorldSkills one of the demo) as the public page shows them (tags removed)."""
    part = page.split('<section class="results-card awards"')[1 + championship]
    found = {}
    for title, body in re.findall(
            r'<section class="nomination"[^>]*>\s*<h3[^>]*>(.*?)</h3>(.*?)</section>', part,
            re.S):
        found[html.unescape(title.strip())] = [
            html.unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split()))
            for item in re.findall(r"<li>(.*?)</li>", body, re.S)]
    return found


def add_enterprise(organizer, code: str, ru: str, kk: str) -> None:
    response = submit(organizer, "/manage/organizations/new", {
        "code": code, "name_ru": ru, "name_kk": kk, "name_en": "", "kind": "enterprise",
        "region": "ABAI"})
    assert response.status_code == 302, text(response)


def new_nomination(organizer, data: dict, championship: str = WS):
    url = f"/manage/awards/new?championship={championship}"
    return submit(organizer, url, data)


# --- the demo -------------------------------------------------------------------------------------

def test_the_demo_awards_load_and_show_in_russian(demo_app):
    assert award_count(demo_app) == 7
    client = demo_app.test_client()
    page = text(client.get("/awards"))
    nominations = public_nominations(page)
    assert nominations["Лучший меценат года"] == ["ТОО «Казцинк» · VKO"]
    assert nominations["Лучший социальный партнёр"] == [
        "АО «Ульбинский металлургический завод» · VKO", "ТОО «Казцинк» · VKO"]
    assert nominations["Лучший колледж"] == [
        "Восточно-Казахстанский политехнический колледж · VKO"]
    # a person, with their organization
    assert nominations["Лучший наставник"] == [
        "Наталья Орлова · Восточно-Казахстанский политехнический колледж, VKO"]
    assert public_nominations(page, 1)["Лучший наставник"] == [
        "Галина Руденко · Глубоковская специальная школа-интернат, VKO"]
    # both championships, each under its own heading
    assert page.count('<section class="results-card awards"') == 2
    assert "Региональный чемпионат WorldSkills Восточно-Казахстанской области" in page


# --- creating -------------------------------------------------------------------------------------

def test_a_nomination_for_three_enterprises_is_three_rows_under_one_heading(demo_app, organizer):
    add_enterprise(organizer, "ALTAI", "ТОО «Алтай Полиметаллы»", "«Алтай Полиметалдары» ЖШС")
    before = award_count(demo_app)
    chosen = [org_id(demo_app, code) for code in ("KAZZINC", "UMZ", "ALTAI")]
    response = new_nomination(organizer, {**EMPLOYER, "organizations": chosen})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/manage/awards?championship={WS}#")

    rows = rows_titled(demo_app, "Лучший работодатель")
    assert award_count(demo_app) == before + 3
    assert [r.organization_id for r in rows] == chosen
    assert {r.recipient_kind for r in rows} == {"organization"}
    assert {(r.name_kk, r.name_en) for r in rows} == {("Үздік жұмыс беруші", "Best employer")}
    assert len(audit(demo_app, "create")) == 3

    anonymous = demo_app.test_client()
    ru = public_nominations(text(anonymous.get("/awards")))
    assert ru["Лучший работодатель"] == [
        "ТОО «Казцинк» · VKO", "АО «Ульбинский металлургический завод» · VKO",
        "ТОО «Алтай Полиметаллы» · ABAI"]

    anonymous.get("/lang/kk")
    page = text(anonymous.get("/awards"))
    assert '<html lang="kk">' in page
    kk = public_nominations(page)
    assert "Лучший работодатель" not in kk
    assert kk["Үздік жұмыс беруші"] == [
        "«Қазмырыш» ЖШС · VKO", "«Үлбі металлургия зауыты» АҚ · VKO",
        "«Алтай Полиметалдары» ЖШС · ABAI"]
    assert kk["Жылдың үздік меценаты"] == ["«Қазмырыш» ЖШС · VKO"]


def test_a_nomination_for_a_person(demo_app, organizer):
    vkptk = org_id(demo_app, "VKPTK")
    response = new_nomination(organizer, {
        "name_ru": "Лучший мастер производственного обучения", "name_kk": "", "name_en": "",
        "people-0-name_ru": "Айгерим Нурланова", "people-0-name_kk": "Әйгерім Нұрланова",
        "people-0-name_en": "", "people-0-organization": str(vkptk),
        "people-1-name_ru": "Пётр Ким", "people-1-organization": "0"})
    assert response.status_code == 303, text(response)
    first, second = rows_titled(demo_app, "Лучший мастер производственного обучения")
    assert (first.recipient_kind, first.recipient_ru, first.recipient_kk, first.organization_id
            ) == ("person", "Айгерим Нурланова", "Әйгерім Нұрланова", vkptk)
    assert (second.recipient_kind, second.recipient_ru, second.organization_id) == (
        "person", "Пётр Ким", None)

    client = demo_app.test_client()
    shown = public_nominations(text(client.get("/awards")))
    assert shown["Лучший мастер производственного обучения"] == [
        "Айгерим Нурланова · Восточно-Казахстанский политехнический колледж, VKO", "Пётр Ким"]
    client.get("/lang/kk")
    shown = public_nominations(text(client.get("/awards")))
    # no Kazakh title: the Russian one stands in; the person's Kazakh name is used
    assert shown["Лучший мастер производственного обучения"][0].startswith("Әйгерім Нұрланова")


# --- validation: a message on the form, nothing written -----------------------------------------

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name_ru": "", "name_kk": " ", "name_en": "", "organizations": ["KAZZINC"]}, "name_ru",
     "Give the nomination's title in at least one language"),
    ({**EMPLOYER}, "organizations",
     "Choose at least one organization or give at least one person's name."),
    ({**EMPLOYER, "organizations": ["99999"]}, "organizations",
     "No organization #99999 is registered"),
    ({**EMPLOYER, "organizations": ["not-a-number"]}, "organizations",
     "Choose organizations from the list."),
    ({**EMPLOYER, "organizations": ["KAZZINC", "KAZZINC"]}, "organizations",
     "is already a recipient of this nomination"),
    ({**EMPLOYER, "people-0-name_ru": "", "people-0-organization": "VKPTK"},
     "people-0-name_ru", "Give the person's name in at least one language."),
    ({"name_ru": "лучший МЕЦЕНАТ года", "organizations": ["UMZ"]}, "name_ru",
     "The nomination “Best patron of the year” already exists in this championship"),
    ({**EMPLOYER, "name_ru": "x" * 501, "organizations": ["UMZ"]}, "name_ru",
     "At most 500 characters."),
])
def test_a_bad_nomination_is_refused_with_a_message(demo_app, organizer, data, field, message):
    codes = {code: str(org_id(demo_app, code)) for code in ("KAZZINC", "UMZ", "VKPTK")}

    def resolve(value):
        if isinstance(value, list):
            return [codes.get(v, v) for v in value]
        return codes.get(value, value)

    before = award_count(demo_app)
    audit_before = len(audit(demo_app, "create"))
    response = new_nomination(organizer, {k: resolve(v) for k, v in data.items()})
    page = text(response)
    assert response.status_code == 200
    assert message in html.unescape(page)
    assert 'role="alert"' in page
    if field == "organizations":
        assert 'aria-describedby="organizations-error"' in page
        assert 'id="organizations-error"' in page
    else:
        assert re.search(rf'aria-describedby="{field}-error"[^>]*aria-invalid="true"', page)
        assert f'id="{field}-error"' in page
    assert award_count(demo_app) == before
    assert len(audit(demo_app, "create")) == audit_before


def test_adding_a_recipient_twice_is_refused(demo_app, organizer):
    (patron,) = rows_titled(demo_app, "Лучший меценат года")
    before = award_count(demo_app)
    url = f"/manage/awards/{patron.id}/recipients"
    response = submit(organizer, url, {"organizations": [str(org_id(demo_app, "KAZZINC"))]},
                      form_url=f"/manage/awards/{patron.id}/edit")
    assert response.status_code == 200
    assert "“Kazzinc LLP” is already a recipient of this nomination." in html.unescape(
        text(response))
    assert award_count(demo_app) == before

    (mentor,) = [r for r in rows_titled(demo_app, "Лучший наставник")
                 if r.recipient_en == "Natalya Orlova"]
    response = submit(organizer, f"/manage/awards/{mentor.id}/recipients", {
        "people-0-name_en": "NATALYA ORLOVA", "people-0-organization":
        str(org_id(demo_app, "VKPTK"))}, form_url=f"/manage/awards/{mentor.id}/edit")
    assert "NATALYA ORLOVA is already a recipient of this nomination." in text(response)
    assert award_count(demo_app) == before


# --- editing, with the audit log ------------------------------------------------------------------

def test_editing_adding_removing_and_deleting_are_in_the_audit_log(demo_app, organizer, role_users):
    partners = rows_titled(demo_app, "Лучший социальный партнёр")
    first = partners[0].id
    edit = f"/manage/awards/{first}/edit"

    form = text(organizer.get(edit, headers=EN))
    assert re.search(r'id="name_kk"[^>]*value="Үздік әлеуметтік серіктес"', form)
    assert re.search(r'id="organization-\d+" disabled>\s*<label[^>]*>Kazzinc LLP', form)
    response = submit(organizer, edit, {"name_ru": "Лучший социальный партнёр года",
                                        "name_kk": "Жылдың үздік әлеуметтік серіктесі",
                                        "name_en": "Best social partner of the year"})
    assert response.status_code == 303
    renamed = rows_titled(demo_app, "Лучший социальный партнёр года")
    assert [r.id for r in renamed] == [r.id for r in partners]
    updates = audit(demo_app, "update")
    assert {e.entity_id for e in updates} == {r.id for r in partners}
    assert updates[0].changes["name_ru"] == ["Лучший социальный партнёр",
                                             "Лучший социальный партнёр года"]
    assert {e.user_id for e in updates} == {role_users["organizer"]}

    response = submit(organizer, f"/manage/awards/{first}/recipients",
                      {"organizations": [str(org_id(demo_app, "VKTU"))]}, form_url=edit)
    assert response.status_code == 303
    rows = rows_titled(demo_app, "Лучший социальный партнёр года")
    assert len(rows) == 3 and rows[-1].organization_id == org_id(demo_app, "VKTU")
    assert audit(demo_app, "create")[-1].entity_id == rows[-1].id

    # the last recipient moves up, then one is taken off
    response = submit(organizer, f"/manage/awards/{rows[-1].id}/move-recipient",
                      {"direction": "up"}, form_url=edit)
    assert response.status_code == 303
    order = [r.id for r in rows_titled(demo_app, "Лучший социальный партнёр года")]
    assert order == [rows[0].id, rows[2].id, rows[1].id]
    response = submit(organizer, f"/manage/awards/{rows[1].id}/remove", {}, form_url=edit)
    assert response.status_code == 303
    assert [r.id for r in rows_titled(demo_app, "Лучший социальный партнёр года")] == [
        rows[0].id, rows[2].id]
    removed = audit(demo_app, "delete")
    assert [e.entity_id for e in removed] == [rows[1].id]
    assert removed[0].changes["organization_id"][0] == rows[1].organization_id

    # the whole nomination: confirm, then delete
    confirm = organizer.get(f"/manage/awards/{first}/delete", headers=EN)
    assert "Delete the nomination Best social partner of the year?" in text(confirm)
    response = submit(organizer, f"/manage/awards/{first}/delete", {})
    assert response.status_code == 303
    assert rows_titled(demo_app, "Лучший социальный партнёр года") == []
    assert [e.entity_id for e in audit(demo_app, "delete")][1:] == [rows[0].id, rows[2].id]
    assert "Best social partner" not in text(demo_app.test_client().get("/awards", headers=EN))


def test_a_renamed_title_may_not_take_another_nominations(demo_app, organizer):
    (college,) = rows_titled(demo_app, "Лучший колледж")
    response = submit(organizer, f"/manage/awards/{college.id}/edit",
                      {"name_ru": "", "name_kk": "Жылдың үздік меценаты", "name_en": ""})
    assert response.status_code == 200
    assert "already exists in this championship" in text(response)
    assert rows_titled(demo_app, "Лучший колледж")[0].name_kk == "Үздік колледж"
    assert audit(demo_app, "update") == []


def test_nominations_move_up_and_down_on_the_public_page(demo_app, organizer):
    (college,) = rows_titled(demo_app, "Лучший колледж")
    titles = list(public_nominations(text(demo_app.test_client().get("/awards"))))
    assert titles.index("Лучший колледж") == 2
    response = submit(organizer, f"/manage/awards/{college.id}/move", {"direction": "up"},
                      form_url=f"/manage/awards?championship={WS}")
    assert response.status_code == 303
    titles = list(public_nominations(text(demo_app.test_client().get("/awards"))))
    assert titles[:3] == ["Лучший меценат года", "Лучший колледж", "Лучший социальный партнёр"]
    assert audit(demo_app, "move")[0].entity_id == college.id


def test_the_organizer_page_lists_nominations_grouped(demo_app, organizer):
    page = text(organizer.get(f"/manage/awards?championship={WS}", headers=EN))
    assert page.count('<li id="nomination-') == 4
    assert "Best social partner" in page and "Ulba Metallurgical Plant JSC" in page
    assert "vko-abilympics-2026" in page  # the other championship is one link away
    assert organizer.get("/manage/awards?championship=nope").status_code == 404
    dashboard = text(organizer.get("/manage/", headers=EN))
    assert f'href="/manage/awards?championship={WS}"' in dashboard


# --- who may do what ------------------------------------------------------------------------------

def test_anyone_reads_the_awards_but_only_organizers_manage_them(demo_app, role_users):
    anonymous = demo_app.test_client()
    assert anonymous.get("/awards").status_code == 200
    assert 'href="/awards"' in text(anonymous.get("/"))
    response = anonymous.get(f"/manage/awards?championship={WS}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    expert = client_as(demo_app, "expert", role_users)
    assert expert.get("/awards").status_code == 200
    assert expert.get(f"/manage/awards?championship={WS}").status_code == 403
    # a valid CSRF token (the logout form's) does not help: the guard refuses
    token = csrf(text(expert.get("/awards")))
    before = award_count(demo_app)
    response = expert.post("/manage/awards/1/remove", data={"csrf_token": token})
    assert response.status_code == 403
    assert award_count(demo_app) == before


def test_a_title_with_markup_is_shown_as_text(demo_app, organizer):
    response = new_nomination(organizer, {
        "name_ru": "<script>alert(1)</script>", "name_kk": "", "name_en": "",
        "organizations": [str(org_id(demo_app, "UMZ"))]})
    assert response.status_code == 303
    page = text(demo_app.test_client().get("/awards"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
