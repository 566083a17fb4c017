"""Route × persona: every route of the app has an access rule here, and the app obeys it for GET.

A new route without a line in ACCESS fails `test_every_route_has_a_rule`: decide who may open
it, then add it below. Who may POST where is the app's own table, competition/auth/policy.py,
which tests/security/test_post_crawl.py checks by posting to every POST route as every persona
(at the URLs of ACCESS); a route that takes no POST answers 405 to it there.

The personas (tests/access.py) are the app's roles plus an expert and the chief expert of another
skill (04) and a compatriot expert of skill 10 (from competitor 101's organization).
"""

from __future__ import annotations

import pytest

from .access import PERSONAS, client_as, make_role_users

EVERYONE = set(PERSONAS)
STAFF = {"organizer", "admin"}
SKILL_10 = {"expert", "compatriot", "chief"}  # the experts of skill 10 (of the URLs)
EXPERTS = SKILL_10 | {"other_expert", "other_chief"}

# endpoint -> (a URL to try with GET, the roles that may open it)
ACCESS: dict[str, tuple[str, set[str]]] = {
    "board.home": ("/", EVERYONE),
    "auth.login": ("/login", EVERYONE),
    "auth.logout": ("/logout", EVERYONE),  # POST only; GET answers 405 to all
    "auth.login_pin": ("/login/pin", EVERYONE),
    "auth.login_code": ("/login/code/not-a-code", EVERYONE),  # 404 page for an unknown code
    # accounts and badges (user 1 is the test competitor's account, tests/access.py)
    "accounts.accounts": ("/manage/accounts?role=expert", STAFF),
    "accounts.account_new": ("/manage/accounts/new", STAFF),
    "accounts.account": ("/manage/accounts/1", STAFF),
    "accounts.account_edit": ("/manage/accounts/1/edit", STAFF),
    "accounts.account_password": ("/manage/accounts/1/password", STAFF),
    "accounts.account_pin": ("/manage/accounts/1/pin", STAFF),
    "accounts.account_pin_remove": ("/manage/accounts/1/pin/remove", STAFF),
    "accounts.account_disable": ("/manage/accounts/1/disable", STAFF),
    "accounts.account_enable": ("/manage/accounts/1/enable", STAFF),
    "accounts.account_code": ("/manage/accounts/1/login-code", STAFF),
    "accounts.account_codes_revoke": ("/manage/accounts/1/login-codes/revoke", STAFF),
    "accounts.account_token_revoke": ("/manage/accounts/1/tokens/1/revoke", STAFF),
    "accounts.badges": ("/manage/badges?championship=1", STAFF),
    "audit.audit_log": ("/manage/audit", {"admin"}),
    "i18n.switch": ("/lang/kk", EVERYONE),
    "offline.worker": ("/sw.js", EVERYONE),  # the offline pages' service worker: no data
    # the JSON API: 401 for anonymous, 403 for who may not (the chief and expert mark skill 10)
    "api.skills": ("/api/v1/skills", EVERYONE - {"anonymous"}),
    "api.skill": ("/api/v1/skills/10", SKILL_10 | STAFF),
    "api.marks": ("/api/v1/skills/10/marks?since=0", SKILL_10 | STAFF),
    # POST only (a mark: competition/auth/policy.py, tests/security/test_post_crawl.py)
    "api.submit_mark": ("/api/v1/marks", {"expert", "chief"}),
    "api.openapi_document": ("/api/v1/openapi.json", EVERYONE),  # the document holds no data
    # what the public sees of a skill: GET whether it is final, POST set it (organizers)
    "api.skill_visibility": ("/api/v1/skills/10/visibility", STAFF),
    # appeals (docs/appeals.md): the commission (organizers, admins) and a competitor (their
    # own); deciding is POST only; appeal 1 does not exist (404 for those allowed)
    "api.appeals_of_skill": ("/api/v1/skills/10/appeals", {"competitor"} | STAFF),
    "api.appeal_decision": ("/api/v1/appeals/1/decision", STAFF),
    "board.participant_appeal": ("/me/NOTACODE00/appeal", {"competitor"}),  # POST only
    "registry.appeals_page": ("/manage/appeals?championship=vko-ws-2026", STAFF),
    "registry.appeal": ("/manage/appeals/1", STAFF),
    # the expert's tablet: skill "10", whose expert the test expert is (tests/access.py);
    # organizers and admins see it read-only, the chief of 10 marks too
    "board.snapshot": ("/board/10/snapshot.json", EVERYONE),
    "board.skill_visibility": ("/board/10/visibility", STAFF),  # POST only
    "board.skills_visibility": ("/board/visibility", STAFF),  # POST only: several skills
    # the hall's projector: one skill, or a rotation through skills (public screens)
    "board.projector": ("/board/10/projector?theme=light&lang=kk", EVERYONE),
    "board.rotation": ("/board/rotation?skills=04,10,18&every=20", EVERYONE),
    # the hall's screens: organizers control them (changes are POST only); a screen is public
    # (the demo has none: an unknown key is a 404 for everyone)
    "board.screens": ("/board/screens", STAFF),
    "board.screen_new": ("/board/screens/new", STAFF),
    "board.screen_rename": ("/board/screens/1/rename", STAFF),
    "board.screen_delete": ("/board/screens/1/delete", STAFF),
    "board.screen_show": ("/board/screens/1/show/medals", STAFF),
    "board.screen_ceremony": ("/board/screens/1/ceremony", STAFF),
    "board.screen_step": ("/board/screens/1/ceremony/next", STAFF),
    "board.screen": ("/screen/no-such-screen", EVERYONE),
    # public results (skill 10 of the demo is live: its workbook is a 404 until published), the
    # medal table, the participant's page (an unknown code answers 404 with the form)
    "board.results_index": ("/results", EVERYONE),
    "board.results_skill": ("/results/10", EVERYONE),
    "board.results_export": ("/results/10.xlsx", EVERYONE),
    "board.medals": ("/medals", EVERYONE),
    "board.participant_lookup": ("/me?code=not-a-code", EVERYONE),
    "board.participant": ("/me/NOTACODE00", EVERYONE),
    "judging.index": ("/judging/", EXPERTS | STAFF),
    "judging.tablet": ("/judging/10", SKILL_10 | STAFF),
    # the chief expert's board of skill 10: its chief (and deputy), organizers, admins; the test
    # experts are ordinary experts (of 10, or of 04) and get a 403 page. GET on the two actions
    # leads back to the board (it also keeps the tablet's /<path:ref> from taking their
    # addresses).
    "judging.chief": ("/judging/10/chief", {"chief"} | STAFF),
    "judging.chief_progress": ("/judging/10/chief/progress.json", {"chief"} | STAFF),
    "judging.chief_sign_off": ("/judging/10/chief/A1/sign-off", {"chief"} | STAFF),
    "judging.chief_unlock": ("/judging/10/chief/A1/unlock", {"chief"} | STAFF),
    # the signed marking forms and protocols (issue 20): the list for the chief's page, making
    # the protocol (GET leads back to the board), and a kept PDF for every expert of the skill
    # (form 1 does not exist: a 404 for them, a 403 for others)
    "judging.chief_forms_json": ("/judging/10/chief/forms.json", {"chief"} | STAFF),
    "judging.chief_protocol": ("/judging/10/chief/protocol", {"chief"} | STAFF),
    "judging.chief_form_pdf": ("/judging/10/chief/forms/1.pdf", SKILL_10 | STAFF),
    # the history of a mark of competitor 101, whose compatriot the "compatriot" expert is
    "judging.history": ("/judging/10/history?aspect=A1.1&competitor=101", {"chief"} | STAFF),
    # penalties and disqualification (GET on an action leads back to the page); sanction 1 does
    # not exist (the withdrawal answers 404 to those allowed)
    "judging.sanctions": ("/judging/10/sanctions", {"chief"} | STAFF),
    "judging.sanction_penalty": ("/judging/10/sanctions/penalty", {"chief"} | STAFF),
    "judging.sanction_disqualify": ("/judging/10/sanctions/disqualify", {"chief"} | STAFF),
    "judging.sanction_withdraw": ("/judging/10/sanctions/1/withdraw", {"chief"} | STAFF),
    # fixed judgement panels (issue 20; GET on an action leads back to the page); substitute 1
    # does not exist: a 404 for who leads the skill once it is posted to
    "judging.chief_panels": ("/judging/10/chief/panels", {"chief"} | STAFF),
    "judging.chief_panel_assign": ("/judging/10/chief/panels/B2/assign", {"chief"} | STAFF),
    "judging.chief_panel_clear": ("/judging/10/chief/panels/B2/clear", {"chief"} | STAFF),
    "judging.chief_panel_substitute": ("/judging/10/chief/panels/B2/substitute",
                                       {"chief"} | STAFF),
    "judging.chief_panel_substitute_remove": ("/judging/10/chief/panels/substitutes/1/remove",
                                              {"chief"} | STAFF),
    "registry.dashboard": ("/manage/", STAFF),
    # people: championship, skills, organizations, competitors, experts, draw, compatriots
    "registry.championship_new": ("/manage/championships/new", STAFF),
    "registry.championship": ("/manage/championships/1", STAFF),
    "registry.championship_edit": ("/manage/championships/1/edit", STAFF),
    "registry.skill_new": ("/manage/championships/1/skills/new", STAFF),
    "registry.skill_edit": ("/manage/skills/2/edit", STAFF),
    "registry.skill_delete": ("/manage/skills/2/delete", STAFF),
    "registry.organizations": ("/manage/organizations?q=vk", STAFF),
    "registry.organization_new": ("/manage/organizations/new", STAFF),
    "registry.organization_edit": ("/manage/organizations/1/edit", STAFF),
    "registry.organization_delete": ("/manage/organizations/1/delete", STAFF),
    "registry.competitors": ("/manage/championships/2/competitors?category=students", STAFF),
    "registry.competitor_new": ("/manage/skills/1/competitors/new", STAFF),
    "registry.competitor_edit": ("/manage/competitors/1/edit", STAFF),
    "registry.competitor_delete": ("/manage/competitors/1/delete", STAFF),
    "registry.competitor_results_code": ("/manage/competitors/1/results-code", STAFF),
    "registry.eligibility": ("/manage/championships/1/eligibility", STAFF),
    "registry.eligibility_sheet": ("/manage/championships/1/eligibility.xlsx", STAFF),
    "registry.eligibility_exception": ("/manage/competitors/1/eligibility-exception", STAFF),
    "registry.experts": ("/manage/championships/1/experts?role=chief", STAFF),
    "registry.expert_new": ("/manage/championships/1/experts/new", STAFF),
    "registry.expert_edit": ("/manage/experts/1/edit", STAFF),
    "registry.expert_delete": ("/manage/experts/1/delete", STAFF),
    # personal data (docs/people.md, "Privacy"): export and erasure, organizers only
    "registry.personal_data_json": ("/manage/competitors/1/personal-data.json", STAFF),
    "registry.personal_data_pdf": ("/manage/experts/1/personal-data.pdf", STAFF),
    "registry.personal_data_erase": ("/manage/competitors/1/erase", STAFF),
    "registry.draw": ("/manage/skills/2/draw", STAFF),
    # skill 2 is "10", whose chief expert the test chief is (tests/access.py)
    "registry.compatriots": ("/manage/skills/2/compatriots", STAFF | {"chief"}),
    # marking scheme editor: skill 2 is "10", its first criterion 8, sub-criterion 11, aspect 50
    "registry.scheme_index": ("/manage/schemes", STAFF),
    "registry.scheme": ("/manage/scheme?championship=vko-ws-2026&skill=10", STAFF),
    "registry.scheme_editor": ("/manage/skills/2/scheme", STAFF),
    "registry.scheme_export": ("/manage/skills/2/scheme/export.xlsx", STAFF),
    "registry.scheme_export_cis": ("/manage/skills/2/scheme/export-cis.xlsx", STAFF),
    "registry.scheme_maxima": ("/manage/skills/2/scheme/maxima", STAFF),
    "registry.scheme_criterion_new": ("/manage/skills/2/scheme/criteria/new", STAFF),
    "registry.scheme_criterion_edit": ("/manage/skills/2/scheme/criteria/8", STAFF),
    "registry.scheme_sub_criterion_new": ("/manage/skills/2/scheme/criteria/8/sub-criteria/new",
                                          STAFF),
    "registry.scheme_sub_criterion_edit": ("/manage/skills/2/scheme/sub-criteria/11", STAFF),
    "registry.scheme_aspect_new": ("/manage/skills/2/scheme/sub-criteria/11/aspects/new", STAFF),
    "registry.scheme_aspect_edit": ("/manage/skills/2/scheme/aspects/50", STAFF),
    "registry.scheme_delete": ("/manage/skills/2/scheme/aspects/50/delete", STAFF),
    "registry.scheme_move": ("/manage/skills/2/scheme/aspects/50/move", STAFF),
    # imports (POST-only ones in NOT_GET; a missing result is a 404 for those allowed)
    "registry.import_page": ("/manage/import", STAFF),
    "registry.import_upload": ("/manage/import/preview", STAFF),
    "registry.import_confirm": ("/manage/import/confirm", STAFF),
    "registry.import_cancel": ("/manage/import/cancel", STAFF),
    "registry.import_result": ("/manage/import/result/1", STAFF),
    "registry.import_job": ("/manage/import/jobs/1", STAFF),
    "registry.import_job_state": ("/manage/import/jobs/1.json", STAFF),
    "registry.import_template": ("/manage/import/template?template-kind=competitors"
                                 "&template-lang=kk&template-format=xlsx", STAFF),
    "registry.import_export": ("/manage/import/export?export-kind=experts"
                               "&export-championship=vko-ws-2026&export-format=xlsx", STAFF),
    # certificates (documents/views.py): organizers print, edit templates and settings (batch 1
    # does not exist: a 404 for those allowed); verification and the PDF are public
    "documents.certificates": ("/manage/certificates?championship=vko-ws-2026", STAFF),
    "documents.batch": ("/manage/certificates/batches/1", STAFF),
    "documents.batch_json": ("/manage/certificates/batches/1.json", STAFF),
    "documents.batch_download": ("/manage/certificates/batches/1/download", STAFF),
    "documents.template_edit": ("/manage/certificates/templates/gold?championship=vko-ws-2026",
                                STAFF),
    "documents.settings": ("/manage/certificates/settings?championship=vko-ws-2026", STAFF),
    "documents.asset": ("/documents/assets/1", STAFF),
    "documents.verify": ("/verify/not-a-real-code", EVERYONE),
    "documents.certificate_pdf": ("/certificates/not-a-real-code.pdf", EVERYONE),
    # awards: organizers manage nominations (award 1 is the demo's first), everyone reads /awards
    "awards.awards_public": ("/awards", EVERYONE),
    "awards.manage": ("/manage/awards?championship=vko-ws-2026", STAFF),
    "awards.nomination_new": ("/manage/awards/new?championship=vko-ws-2026", STAFF),
    "awards.nomination_edit": ("/manage/awards/1/edit", STAFF),
    "awards.nomination_delete": ("/manage/awards/1/delete", STAFF),
    "awards.recipients_add": ("/manage/awards/1/recipients", STAFF),
    "awards.recipient_remove": ("/manage/awards/1/remove", STAFF),
    "awards.nomination_move": ("/manage/awards/1/move", STAFF),
    "awards.recipient_move": ("/manage/awards/1/move-recipient", STAFF),
    # staff sheets and exports (documents/sheet_views.py): organizers print them whatever the
    # public sees
    "sheets.results_pdf": ("/manage/sheets/skills/10/results.pdf", STAFF),
    "sheets.results_xlsx": ("/manage/sheets/skills/10/results.xlsx", STAFF),
    "sheets.results_csv": ("/manage/sheets/skills/10/results.csv", STAFF),
    "sheets.forms_pdf": ("/manage/sheets/skills/10/forms.pdf?sub=A1", STAFF),
    "sheets.marks_csv": ("/manage/sheets/skills/10/marks.csv", STAFF),
    "sheets.marks_xlsx": ("/manage/sheets/skills/10/marks.xlsx", STAFF),
    "sheets.medals_pdf": ("/manage/sheets/championships/vko-ws-2026/medals.pdf", STAFF),
    "sheets.medals_xlsx": ("/manage/sheets/championships/vko-ws-2026/medals.xlsx", STAFF),
}
NOT_GET = {"awards.recipients_add", "awards.recipient_remove", "awards.nomination_move",
           "awards.recipient_move",
           "registry.scheme_maxima", "registry.scheme_move",
           "registry.competitor_results_code", "registry.eligibility_exception",
           "registry.import_upload",
           "registry.import_confirm", "registry.import_cancel",
           "auth.logout", "accounts.account_password", "accounts.account_pin",
           "accounts.account_pin_remove", "accounts.account_disable", "accounts.account_enable",
           "accounts.account_code", "accounts.account_codes_revoke",
           "accounts.account_token_revoke", "api.submit_mark", "api.appeal_decision",
           "board.participant_appeal",
           "board.skill_visibility", "board.skills_visibility", "board.screen_new",
           "board.screen_rename",
           "board.screen_delete", "board.screen_show", "board.screen_ceremony",
           "board.screen_step"}

# after a POST, where a persona is sent back to the login page without being refused
LOGIN_PAGES = {"auth.login", "auth.logout", "auth.login_pin", "auth.login_code"}


def _copy_demo(demo_template_db, folder, **config):
    from .conftest import app_on_copy

    return app_on_copy(demo_template_db, folder, **config)


@pytest.fixture(scope="module")
def role_app(demo_template_db, tmp_path_factory):
    app = _copy_demo(demo_template_db, tmp_path_factory.mktemp("access"))
    return app, make_role_users(app)


def test_every_route_has_a_rule(role_app):
    app, _ = role_app
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"routes without an access rule in tests/test_access.py: {missing}"
    # the figures of the issue's note (`pytest -s` shows them)
    print(f"\naccess matrix: GET {len(ACCESS)} routes × {len(PERSONAS)} personas = "
          f"{len(ACCESS) * len(PERSONAS)}")


def test_the_compatriot_is_a_compatriot_of_competitor_101(role_app):
    """The premise of the compatriot rows: same organization as 101, on 101's skill's panel."""
    import sqlalchemy as sa

    from competition.lookup import expert_role
    from competition.models import Competitor, ExpertRole, Skill, User

    app, ids = role_app
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        competitor = session.execute(
            sa.select(Competitor).join(Skill).where(Skill.code == "10",
                                                    Competitor.code == "101")).scalar_one()
        organizations = {}
        for persona in ("compatriot", "expert", "other_expert", "other_chief"):
            user = session.get(User, ids[persona])
            organizations[persona] = user.expert.organization_id
            on_panel = expert_role(user, competitor.skill_id) is not None
            assert on_panel == (persona in ("compatriot", "expert")), persona
        assert organizations["compatriot"] == competitor.organization_id
        assert organizations["expert"] != competitor.organization_id
        teams = session.execute(sa.select(ExpertRole.marking_team).where(
            ExpertRole.expert_id.in_([session.get(User, ids[p]).expert_id
                                      for p in ("compatriot", "expert")]))).scalars().all()
        assert teams == ["", ""]  # both mark every criterion: only compatriotism differs


@pytest.mark.parametrize("role", PERSONAS)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_obeys_its_rule(role_app, endpoint, role):
    app, ids = role_app
    url, allowed = ACCESS[endpoint]
    response = client_as(app, role, ids).get(url)
    if endpoint in NOT_GET:
        assert response.status_code == 405
        return
    _assert_obeys(response, endpoint, role, role in allowed)


def _assert_obeys(response, endpoint: str, role: str, allowed: bool) -> None:
    location = response.headers.get("Location", "")
    if allowed:
        assert response.status_code not in (401, 403), (endpoint, role, response.status_code)
        assert "/login" not in location or endpoint in LOGIN_PAGES, (endpoint, role, location)
    elif role == "anonymous":
        assert response.status_code in (302, 401), (endpoint, role, response.status_code)
        if response.status_code == 302:
            assert "/login" in location, (endpoint, role, location)
    else:
        assert response.status_code == 403, (endpoint, role, response.status_code)
