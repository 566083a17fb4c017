"""The route × persona crawl of every state-changing route, against the app's one table of who
may post where (competition/auth/policy.py).

- Every POST route of the URL map has a line in the table, and the table names no other route.
- The guards (competition/auth/access.py, one per blueprint) let through, for each POST route,
  exactly the account roles of the people the table allows: the table and the code that enforces
  it cannot drift apart.
- Every persona of tests/access.py posts to every POST route, with a valid CSRF token and the
  form the route's own page shows (as an admin sees it), on a copy of the demo of its own: those
  the table allows are not refused (no 401/403, no login page, no 5xx); the others are (401/403,
  or the login page for an anonymous browser) and the database is unchanged after each of them.
- An organizer cannot change an admin's account through any of the accounts' routes.

The URLs are the ones of tests/test_access.py's ACCESS (skill 10, competitor 101's account is
user 1, its API token 1, the hall screen 1 made here).
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from competition.auth import policy
from competition.auth.access import ROLES
from tests.access import (
    PERSONAS,
    WHO,
    client_as,
    csrf_token,
    free_m_aspects,
    make_role_users,
)
from tests.conftest import app_on_copy, make_app
from tests.test_access import ACCESS, LOGIN_PAGES

from .hostile import EN, dispose, find_form, fingerprint

# Where the form of a POST-only route is shown (the others show it at their own URL).
FORM_PAGES = {
    "accounts.account_password": "/manage/accounts/1",
    "accounts.account_pin": "/manage/accounts/1",
    "accounts.account_pin_remove": "/manage/accounts/1",
    "accounts.account_disable": "/manage/accounts/1",
    "accounts.account_enable": "/manage/accounts/1",
    "accounts.account_code": "/manage/accounts/1",
    "accounts.account_codes_revoke": "/manage/accounts/1",
    "accounts.account_token_revoke": "/manage/accounts/1",
    "board.skill_visibility": "/manage/championships/1",
    "board.skills_visibility": "/manage/championships/1",
    "board.screen_new": "/board/screens?championship=vko-ws-2026",
    "board.screen_rename": "/board/screens?championship=vko-ws-2026",
    "board.screen_delete": "/board/screens?championship=vko-ws-2026",
    "board.screen_show": "/board/screens?championship=vko-ws-2026",
    "board.screen_ceremony": "/board/screens?championship=vko-ws-2026",
    "registry.competitor_results_code": "/manage/competitors/1/edit",
    "registry.scheme_maxima": "/manage/skills/2/scheme",
    "registry.scheme_move": "/manage/skills/2/scheme",
    "registry.import_upload": "/manage/import",
    "awards.nomination_move": "/manage/awards?championship=vko-ws-2026",
    "awards.recipients_add": "/manage/awards/1/edit",
    "awards.recipient_remove": "/manage/awards/1/edit",
    "awards.recipient_move": "/manage/awards/1/edit",
    "judging.chief_sign_off": "/judging/10/chief",
    "judging.chief_unlock": "/judging/10/chief",
    "judging.chief_protocol": "/judging/10/chief",
    "judging.sanction_penalty": "/judging/10/sanctions",
    "judging.sanction_disqualify": "/judging/10/sanctions",
    "judging.chief_panel_assign": "/judging/10/chief/panels",
    "auth.logout": "/",
}
# Routes whose form the pages show only in a state the demo is not in (an import being
# previewed, a ceremony on a screen, a login code to revoke, a disabled account, an expert's
# account for a PIN, two recipients to reorder, an organization or a skill nothing refers to):
# posted with the CSRF token and TYPED.
NO_FORM = {"registry.import_confirm", "registry.import_cancel", "board.screen_step",
           "auth.login_code", "accounts.account_codes_revoke", "accounts.account_enable",
           "accounts.account_pin", "accounts.account_pin_remove", "awards.recipient_move",
           "registry.organization_delete", "registry.skill_delete",
           # appeals: the demo has none, and no published skill for a competitor's form
           "registry.appeal", "board.participant_appeal",
           # the demo has no penalty or disqualification to withdraw
           "judging.sanction_withdraw",
           # panels (issue 20): the demo has none, so no panel to remove nor compatriot on one
           "judging.chief_panel_clear", "judging.chief_panel_substitute",
           "judging.chief_panel_substitute_remove",
           # the eligibility page shows this form only for an ineligible competitor, and the
           # demo's competitor 1 is eligible
           "registry.eligibility_exception"}
# What a person would type into the empty fields the pages show
TYPED = {"password": "crawl-password-1", "confirm": "crawl-password-1", "pin": "4321",
         "days": "7", "reason": "The crawl unlocks it.", "points": "1"}
# Where a route is posted to, where it differs from its ACCESS URL (the page's own form)
URLS = {"board.skill_visibility": "/board/vko-ws-2026/10/visibility"}


def _url(endpoint: str) -> str:
    return URLS.get(endpoint) or ACCESS[endpoint][0]


def _persona_allowed(endpoint: str, persona: str) -> bool:
    return WHO[persona] in policy.POST[endpoint]


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def _form_of(client, endpoint: str, url: str, page: str | None = None) -> dict[str, str] | None:
    """The fields of the form posting to `url` on its page (`page`, FORM_PAGES or `url`), as
    `client` sees it, with what a person would type into the empty ones."""
    if endpoint.startswith("api."):
        return None
    if endpoint in NO_FORM:
        return dict(TYPED)
    page = page or FORM_PAGES.get(endpoint, url)
    shown = client.get(page, headers=EN)
    assert shown.status_code == 200, (endpoint, shown.status_code)
    fields = find_form(shown.get_data(as_text=True), url, page)
    assert fields is not None, f"{endpoint}: no form posting to {url} on {page}"
    return {name: value or TYPED.get(name, value) for name, value in fields.items()}


@pytest.fixture(scope="module")
def crawl(demo_template_db, tmp_path_factory):
    """The demo with the personas' accounts, a hall screen, API tokens, two free mark cells and
    every route's form as an admin sees it; copied for each route (an allowed POST may
    delete)."""
    from competition.auth.service import create_token
    from competition.database import write_transaction
    from competition.models import ApiToken, Screen, User
    from competition.models.screens import new_screen_key

    folder = tmp_path_factory.mktemp("post-crawl")
    app = app_on_copy(demo_template_db, folder)
    ids = make_role_users(app)
    cells = free_m_aspects(app, 2)
    with app.app_context():
        with write_transaction() as session:
            session.add(Screen(championship_id=1, name="Crawl hall", key=new_screen_key(),
                               mode="message", skills=[]))
        for persona in ("competitor", "admin"):
            create_token(app.extensions["sqlalchemy"].session.get(User, ids[persona]).login)
        session = app.extensions["sqlalchemy"].session
        screen = session.execute(sa.select(Screen.id)).scalar_one()
        tokens = dict(session.execute(sa.select(ApiToken.user_id, ApiToken.id)).all())
    # the premises of the URLs of ACCESS
    assert (ids["competitor"], screen, tokens[ids["competitor"]]) == (1, 1, 1)
    admin = client_as(app, "admin", ids)
    forms = {endpoint: _form_of(admin, endpoint, _url(endpoint))
             for endpoint in sorted(policy.POST)}
    account = f"/manage/accounts/{ids['admin']}"
    admin_forms = {endpoint: _form_of(admin, endpoint, url,
                                      None if endpoint == "accounts.account_edit" else account)
                   for endpoint, url in _admin_account_urls(ids, tokens).items()}
    dispose(app)
    return folder / "competition.db", ids, cells, forms, tokens, admin_forms


def _app_on(template, tmp_path):
    shutil.copyfile(template, tmp_path / "competition.db")
    return make_app(f"sqlite:///{tmp_path / 'competition.db'}", tmp_path)


# --- the table and the guards --------------------------------------------------------------------

def test_every_post_route_has_a_line_in_the_table(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    posted = _post_endpoints(app)
    missing = sorted(posted - policy.POST.keys())
    assert not missing, f"POST routes without a line in competition/auth/policy.py: {missing}"
    assert not policy.POST.keys() - posted, "competition/auth/policy.py names routes without POST"
    assert set(policy.PEOPLE) == set(WHO.values()) and len(WHO) == len(PERSONAS)
    pairs = len(posted) * len(PERSONAS)
    print(f"\npost crawl: {len(posted)} POST routes × {len(PERSONAS)} personas = {pairs}")


def test_the_guards_let_in_the_roles_of_the_table(tmp_path):
    """For each POST route, the roles its blueprint's guard lets in are the account roles of the
    people the table allows (a blueprint without a guard lets everyone in)."""
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    differ = {}
    for endpoint in sorted(_post_endpoints(app)):
        blueprint = app.blueprints[endpoint.split(".")[0]]
        door = getattr(blueprint, "endpoint_roles", {}).get(
            endpoint, getattr(blueprint, "allowed_roles", frozenset(ROLES)))
        table = policy.account_roles(policy.POST[endpoint])
        if door != table:
            differ[endpoint] = (sorted(door), sorted(table))
    assert not differ, f"guard roles differ from competition/auth/policy.py: {differ}"
    # a guard's exception names a real route (a typo would silently widen or narrow nothing)
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    named = {endpoint for blueprint in app.blueprints.values()
             for endpoint in getattr(blueprint, "endpoint_roles", {})}
    assert named <= routes, sorted(named - routes)


def test_the_other_chief_leads_another_skill(crawl):
    """The premise of the "chief of another skill" persona: the chief expert of skill 04, on no
    panel of skill 10, with a chief's account."""
    from competition.judging import signoff
    from competition.lookup import expert_role
    from competition.models import Skill, User

    template, ids, *_rest = crawl
    app = make_app(f"sqlite:///{template}", template.parent)
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        user = session.get(User, ids["other_chief"])
        skills = {code: session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()
                  for code in ("04", "10")}
        assert user.role == "chief"
        assert expert_role(user, skills["04"].id).role == "chief"
        assert expert_role(user, skills["10"].id) is None
        assert signoff.may_lead(user, skills["04"]) and not signoff.may_lead(user, skills["10"])
        chief = session.get(User, ids["chief"])
        assert signoff.may_lead(chief, skills["10"]) and not signoff.may_lead(chief, skills["04"])
    dispose(app)


# --- the crawl -----------------------------------------------------------------------------------

def _assert_obeys(response, endpoint: str, persona: str, allowed: bool) -> None:
    status, location = response.status_code, response.headers.get("Location", "")
    where = (endpoint, persona, status, location)
    if allowed:
        assert status not in (401, 403) and status < 500, where
        assert "/login" not in location or endpoint in LOGIN_PAGES, where
    elif persona == "anonymous":
        assert status in (302, 401), where
        if status == 302:
            assert "/login" in location, where
    else:
        assert status == 403, where


def _post(app, client, endpoint: str, url: str, form: dict | None, persona: str, cells):
    token = csrf_token(app, client)
    if endpoint == "api.submit_mark":
        # each persona that may write takes a cell of its own; the others are refused before
        aspect, value = cells[1] if persona == "chief" else cells[0]
        return client.post(url, json={"id": f"crawl-{persona}", "skill": "10",
                                      "competitor": "101", "aspect": aspect, "value": value})
    if endpoint == "api.skill_visibility":  # JSON only (publishing waits for final results)
        return client.post(url, json={"visibility": "progress"})
    return client.post(url, data={**(form or {}), "csrf_token": token}, headers=EN)


# What POST /api/v1/marks answers each persona for a mark of competitor 101 (docs/api.md)
MARK_ANSWERS = {"anonymous": (401, "unauthenticated"), "competitor": (403, "forbidden"),
                "other_expert": (403, "not_assigned"), "other_chief": (403, "not_assigned"),
                "compatriot": (403, "compatriot"), "expert": (201, None), "chief": (201, None),
                "organizer": (403, "forbidden"), "admin": (403, "forbidden")}


@pytest.mark.parametrize("endpoint", sorted(policy.POST))
def test_post_obeys_the_table(crawl, endpoint, tmp_path):
    """Every persona posts (the refused ones first: an allowed POST may delete what the URL
    names) on a copy of the demo of its own."""
    template, ids, cells, forms, _tokens, _admin_forms = crawl
    url = _url(endpoint)
    app = _app_on(template, tmp_path)
    before = fingerprint(app)
    for persona in sorted(PERSONAS, key=lambda p: _persona_allowed(endpoint, p)):
        allowed = _persona_allowed(endpoint, persona)
        client = client_as(app, persona, ids)
        response = _post(app, client, endpoint, url, forms[endpoint], persona, cells)
        _assert_obeys(response, endpoint, persona, allowed)
        if not allowed:
            after = fingerprint(app)
            changed = sorted(table for table, digest in after.items() if before[table] != digest)
            assert not changed, f"{endpoint}: the refused {persona} changed {changed}"
            before = after
        if endpoint == "api.submit_mark":
            answer = (response.status_code, response.get_json().get("error"))
            assert answer == MARK_ANSWERS[persona], persona
    dispose(app)


def test_a_route_without_post_answers_405(crawl, tmp_path):
    template, ids, *_rest = crawl
    app = _app_on(template, tmp_path)
    posted = _post_endpoints(app)
    client = client_as(app, "admin", ids)
    token = csrf_token(app, client)
    for endpoint, (url, _allowed) in sorted(ACCESS.items()):
        if endpoint not in posted:
            status = client.post(url, data={"csrf_token": token}).status_code
            assert status == 405, (endpoint, status)
    dispose(app)


# --- an organizer and an admin's account ---------------------------------------------------------

def _admin_account_urls(ids, tokens) -> dict[str, str]:
    admin = ids["admin"]
    urls = {endpoint: ACCESS[endpoint][0].replace("/accounts/1/", f"/accounts/{admin}/")
            for endpoint in policy.POST if endpoint.startswith("accounts.account_")
            and endpoint != "accounts.account_new"}
    urls["accounts.account_token_revoke"] = (f"/manage/accounts/{admin}/tokens/"
                                             f"{tokens[admin]}/revoke")
    return urls


def _admin_account_endpoints() -> list[str]:
    return sorted(e for e in policy.POST if e.startswith("accounts.account_")
                  and e != "accounts.account_new")


@pytest.mark.parametrize("endpoint", _admin_account_endpoints())
def test_an_organizer_cannot_change_an_admins_account(crawl, endpoint, tmp_path):
    """The finer rule of the accounts' lines: with the form an admin would send, the organizer is
    refused (403) and nothing is written."""
    template, ids, _cells, _forms, tokens, admin_forms = crawl
    url = _admin_account_urls(ids, tokens)[endpoint]
    form = dict(admin_forms[endpoint] or {})
    app = _app_on(template, tmp_path)
    client = client_as(app, "organizer", ids)
    before = fingerprint(app)
    response = client.post(url, data={**form, "csrf_token": csrf_token(app, client)},
                           headers=EN)
    assert response.status_code == 403, (endpoint, response.status_code)
    assert fingerprint(app) == before, endpoint
    dispose(app)
