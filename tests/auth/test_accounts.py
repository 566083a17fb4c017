"""Account management by organizers and administrators: who may change what, and the audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.errors import Forbidden
from competition.extensions import db
from competition.models import ApiToken, AuditEntry, Expert, User
from competition.models.people import hash_token
from competition.registry.accounts import service

from ..access import PERSONAS, client_as, make_role_users
from .helpers import EN, logged_in_as, login, post_form, user_row


@pytest.fixture
def staff(demo_app):
    ids = make_role_users(demo_app)
    return demo_app, ids


def _free_expert(app) -> Expert:
    with app.app_context():
        expert = db.session.execute(
            sa.select(Expert).where(~Expert.id.in_(
                sa.select(User.expert_id).where(User.expert_id.is_not(None))))
            .order_by(Expert.id)).scalars().first()
        db.session.expunge(expert)
        return expert


def test_organizer_creates_an_expert_account_without_password(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)
    expert = _free_expert(app)
    response = post_form(organizer, "/manage/accounts/new", {
        "login": "tablet-e", "role": "expert", "expert_id": expert.id, "competitor_id": 0,
        "locale": "kk", "password": "", "confirm": ""})
    assert response.status_code == 302
    user = user_row(app, "tablet-e")
    assert user.role == "expert" and user.expert_id == expert.id and user.locale == "kk"
    assert user.password_hash is None
    with app.app_context():
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.entity == "user",
                                        AuditEntry.entity_id == user.id)).scalar_one()
        assert entry.action == "create" and entry.user_id == ids["organizer"]
        assert entry.championship_id == expert.championship_id


def _count_accounts(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()


def test_new_account_form_errors(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)
    accounts = _count_accounts(app)
    cases = [
        ({"login": "as-expert", "role": "organizer"}, None),  # role not offered
        ({"login": "two words", "role": "competitor"}, "A login has no spaces."),
        ({"login": "chief-2", "role": "chief", "password": "long enough!",
          "confirm": "long enough!"}, "choose the expert"),
        ({"login": "AS-EXPERT", "role": "competitor"}, "The login AS-EXPERT is taken"),
        ({"login": "c1", "role": "competitor", "password": "long enough!",
          "confirm": "long enough!"}, "choose the competitor"),
        ({"login": "c1", "role": "competitor"}, "Set a password"),
        ({"login": "c1", "role": "admin", "password": "short", "confirm": "short"}, None),
        ({"login": "c2", "role": "expert", "password": "long enough!", "confirm": "other one!"},
         "The two passwords differ."),
    ]
    for data, message in cases:
        payload = {"expert_id": 0, "competitor_id": 0, "locale": "", "password": "",
                   "confirm": "", **data}
        response = post_form(organizer, "/manage/accounts/new", payload)
        assert response.status_code == 400, data
        if message:
            assert message in response.get_data(as_text=True), data
    assert _count_accounts(app) == accounts  # none of them made an account


def test_taken_login_and_taken_expert(staff):
    app, ids = staff
    admin = client_as(app, "admin", ids)
    expert_id = user_row(app, "as-expert").expert_id
    response = post_form(admin, "/manage/accounts/new", {
        "login": "As-Organizer", "role": "organizer", "expert_id": 0, "competitor_id": 0,
        "locale": "", "password": "long enough!", "confirm": "long enough!"})
    assert "The login As-Organizer is taken" in response.get_data(as_text=True)
    response = post_form(admin, "/manage/accounts/new", {
        "login": "second", "role": "expert", "expert_id": expert_id, "competitor_id": 0,
        "locale": "", "password": "", "confirm": ""})
    assert "already has the account as-expert" in response.get_data(as_text=True)


def test_only_an_admin_creates_admin_and_organizer_accounts(staff):
    app, ids = staff
    with app.test_request_context(headers=EN):
        organizer = db.session.get(User, ids["organizer"])
        for role in ("admin", "organizer"):
            with pytest.raises(Forbidden, match="Only an administrator"):
                service.create_account(organizer, service.AccountInput(
                    role=role, login=f"new-{role}", password="long enough!"))
    page = client_as(app, "organizer", ids).get("/manage/accounts/new", headers=EN)
    assert 'value="admin"' not in page.get_data(as_text=True)
    admin = client_as(app, "admin", ids)
    response = post_form(admin, "/manage/accounts/new", {
        "login": "org-2", "role": "organizer", "expert_id": 0, "competitor_id": 0,
        "locale": "", "password": "long enough!", "confirm": "long enough!"})
    assert response.status_code == 302
    assert login(app.test_client(), "org-2", "long enough!").status_code == 302


def test_organizer_cannot_change_an_admin_account(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)
    admin_id = ids["admin"]
    page = organizer.get(f"/manage/accounts/{admin_id}", headers=EN).get_data(as_text=True)
    assert "Only an administrator can change this account." in page
    before = user_row(app, "as-admin").password_hash
    for url, data in [(f"/manage/accounts/{admin_id}/password",
                       {"password": "taken over!", "confirm": "taken over!"}),
                      (f"/manage/accounts/{admin_id}/disable", {}),
                      (f"/manage/accounts/{admin_id}/login-code", {"days": 3})]:
        response = post_form(organizer, url, data, page=f"/manage/accounts/{ids['expert']}")
        assert response.status_code == 403, url
        assert "Only an administrator" in response.get_data(as_text=True)
    after = user_row(app, "as-admin")
    assert after.password_hash == before and after.is_enabled
    # nor turn an expert into an organizer
    response = post_form(organizer, f"/manage/accounts/{ids['expert']}/edit", {
        "role": "organizer", "expert_id": 0, "competitor_id": 0, "locale": ""})
    assert response.status_code == 400
    assert user_row(app, "as-expert").role == "expert"


def test_reset_password(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)
    response = post_form(organizer, f"/manage/accounts/{ids['chief']}/password",
                         {"password": "new password 1", "confirm": "new password 1"},
                         page=f"/manage/accounts/{ids['chief']}")
    assert response.status_code == 302
    assert login(app.test_client(), "as-chief", "new password 1").status_code == 302
    response = post_form(organizer, f"/manage/accounts/{ids['chief']}/password",
                         {"password": "short", "confirm": "short"},
                         page=f"/manage/accounts/{ids['chief']}")
    assert response.status_code == 400
    assert "at least 8 characters" in response.get_data(as_text=True)
    with app.app_context():
        entries = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "password")).scalars().all()
        assert len(entries) == 1
        assert "new password 1" not in str(entries[0].changes) + entries[0].summary


def test_disable_and_enable(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)
    chief = client_as(app, "chief", ids)
    assert logged_in_as(chief) == "as-chief"
    post_form(organizer, f"/manage/accounts/{ids['chief']}/disable", {},
              page=f"/manage/accounts/{ids['chief']}")
    assert not user_row(app, "as-chief").is_enabled
    assert logged_in_as(chief) is None  # the open session ended
    post_form(organizer, f"/manage/accounts/{ids['chief']}/enable", {},
              page=f"/manage/accounts/{ids['chief']}")
    assert user_row(app, "as-chief").is_enabled
    # nobody disables themselves
    response = post_form(organizer, f"/manage/accounts/{ids['organizer']}/disable", {},
                         page=f"/manage/accounts/{ids['organizer']}")
    assert response.status_code in (400, 403)
    assert user_row(app, "as-organizer").is_enabled


def test_admin_cannot_change_own_role(staff):
    app, ids = staff
    admin = client_as(app, "admin", ids)
    response = post_form(admin, f"/manage/accounts/{ids['admin']}/edit", {
        "role": "organizer", "expert_id": 0, "competitor_id": 0, "locale": ""})
    assert response.status_code == 400
    assert "own account" in response.get_data(as_text=True)
    assert user_row(app, "as-admin").role == "admin"


def test_revoke_api_token(staff):
    app, ids = staff
    from competition.auth.service import create_token

    with app.app_context():
        token = create_token("as-chief", "scoreboard script")
    def who(token):
        page = app.test_client().get("/", headers={"Authorization": f"Bearer {token}", **EN})
        return "as-chief" if '<span class="who">as-chief</span>' in page.get_data(
            as_text=True) else None
    assert who(token) == "as-chief"
    organizer = client_as(app, "organizer", ids)
    page = organizer.get(f"/manage/accounts/{ids['chief']}", headers=EN).get_data(as_text=True)
    assert "scoreboard script" in page
    with app.app_context():
        token_id = db.session.execute(
            sa.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))).scalar_one()
    response = post_form(organizer, f"/manage/accounts/{ids['chief']}/tokens/{token_id}/revoke",
                         {}, page=f"/manage/accounts/{ids['chief']}")
    assert response.status_code == 302
    assert who(token) is None
    # a token of another account cannot be revoked through this one
    response = post_form(organizer, f"/manage/accounts/{ids['expert']}/tokens/{token_id}/revoke",
                         {}, page=f"/manage/accounts/{ids['expert']}")
    assert response.status_code == 404


def test_list_filters(staff):
    app, ids = staff
    organizer = client_as(app, "organizer", ids)

    def logins(query: str) -> set[str]:
        import re

        page = organizer.get(f"/manage/accounts?{query}", headers=EN).get_data(as_text=True)
        return set(re.findall(r'<a href="/manage/accounts/\d+">([^<]+)</a>', page))

    everyone = {f"as-{persona.replace('_', '-')}" for persona in PERSONAS[1:]}
    assert logins("") == everyone
    assert logins("role=expert") == {"as-expert", "as-other-expert", "as-compatriot"}
    assert logins("q=CHIEF") == {"as-chief", "as-other-chief"}
    with app.app_context():
        expert = db.session.get(User, ids["expert"]).expert
        championship_id = expert.championship_id
        skill_id = expert.roles[0].skill_id
        with write_transaction() as session:
            session.get(User, ids["competitor"]).is_enabled = False
    assert logins(f"championship={championship_id}") >= {"as-expert", "as-chief"}
    assert "as-admin" not in logins(f"championship={championship_id}")
    assert logins(f"skill={skill_id}") >= {"as-expert", "as-chief"}
    assert logins("status=disabled") == {"as-competitor"}
    assert logins("role=nonsense") == everyone  # an unknown filter value filters nothing


@pytest.mark.parametrize(("locale", "title"), [("ru", "Учётные записи"), ("kk", "Тіркелгілер")])
def test_account_pages_speak_russian_and_kazakh(staff, locale, title):
    app, ids = staff
    admin = client_as(app, "admin", ids)
    headers = {"Accept-Language": locale}
    for url in ("/manage/accounts", "/manage/accounts/new", f"/manage/accounts/{ids['expert']}",
                f"/manage/accounts/{ids['expert']}/edit", "/manage/badges?championship=1",
                "/manage/audit"):
        response = admin.get(url, headers=headers)
        assert response.status_code == 200, url
        assert title in response.get_data(as_text=True), url  # the sub-navigation
    anonymous = app.test_client()
    for url in ("/login", "/login/pin", "/login/code/unknown"):
        page = anonymous.get(url, headers=headers).get_data(as_text=True)
        assert f'lang="{locale}"' in page, url
    page = anonymous.get("/login/pin", headers=headers).get_data(as_text=True)
    assert {"ru": "Вход эксперта", "kk": "Сарапшының кіруі"}[locale] in page
