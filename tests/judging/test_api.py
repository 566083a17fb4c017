"""The HTTP JSON API of judging (docs/api.md), through the Flask test client with tokens."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.auth.service import add_user, create_token
from competition.database import write_transaction
from competition.models import Competitor, Mark, Skill

from .panel import key, make_panel


@pytest.fixture
def api(demo_app):
    panel = make_panel(demo_app)
    with demo_app.app_context():
        tokens = {code: create_token(f"judge-{code.lower()}") for code in panel.codes}
        with write_transaction() as session:
            add_user("api-organizer", "organizer", "password-for-tests")
            competitor = session.execute(
                sa.select(Competitor).join(Skill).where(Skill.code == "18")).scalars().first()
            add_user("api-competitor", "competitor", "password-for-tests",
                     competitor=competitor)
        tokens["organizer"] = create_token("api-organizer")
        tokens["competitor"] = create_token("api-competitor")
    client = demo_app.test_client()

    def call(method: str, url: str, who: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if who is not None:
            headers["Authorization"] = f"Bearer {tokens[who]}"
        return client.open(url, method=method, headers=headers, **kwargs)

    return panel, call


def mark_body(panel, value=2, **extra) -> dict:
    return {"skill": panel.skill, "aspect": panel.j_aspect, "competitor": panel.competitor,
            "value": value, **extra}


def test_skills_lists_what_each_caller_may_see(api):
    panel, call = api
    judge = panel.codes[0]
    mine = call("GET", "/api/v1/skills", judge).get_json()["skills"]
    assert [s["code"] for s in mine] == ["10"] and mine[0]["role"] in ("chief", "expert",
                                                                      "deputy", "independent")
    everything = call("GET", "/api/v1/skills", "organizer").get_json()["skills"]
    assert {"04", "10", "18", "A01"} <= {s["code"] for s in everything}
    own = call("GET", "/api/v1/skills", "competitor").get_json()["skills"]
    assert [s["code"] for s in own] == ["18"]
    anonymous = call("GET", "/api/v1/skills")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthenticated"


def test_a_skill_describes_its_scheme_competitors_and_experts(api):
    panel, call = api
    body = call("GET", "/api/v1/skills/10", panel.codes[0]).get_json()
    assert body["code"] == "10" and body["expert"] == panel.codes[0]
    aspects = {a["code"]: a for c in body["criteria"] for s in c["sub_criteria"]
               for a in s["aspects"]}
    assert aspects[panel.j_aspect]["type"] == "J"
    assert aspects[panel.j_aspect]["values"] == [0, 1, 2, 3]
    assert [Decimal(v) for v in aspects[panel.m_aspect]["values"]] == [
        Decimal(v) for v in panel.m_values]
    assert panel.competitor in {c["code"] for c in body["competitors"]}
    assert {e["code"] for e in body["experts"]} == set(panel.codes)
    assert call("GET", "/api/v1/skills/10", "organizer").status_code == 200
    refused = call("GET", "/api/v1/skills/10", "competitor")
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    unknown = call("GET", "/api/v1/skills/99", "organizer")
    assert unknown.status_code == 422 and unknown.get_json()["error"] == "unknown_skill"
    assert call("GET", "/api/v1/skills/vko-ws-2026/10", "organizer").status_code == 200


def test_posting_a_mark_created_replayed_conflict_invalid(api, demo_app):
    panel, call = api
    judge = panel.codes[0]
    ident = key()
    created = call("POST", "/api/v1/marks", judge, json=mark_body(panel),
                   headers={"Idempotency-Key": ident})
    assert created.status_code == 201
    assert created.get_json()["mark"]["value"] == 2
    replay = call("POST", "/api/v1/marks", judge, json=mark_body(panel),
                  headers={"Idempotency-Key": ident})
    assert replay.status_code == 200 and replay.get_json()["replay"] is True
    stale = call("POST", "/api/v1/marks", judge, json=mark_body(panel, 3, id=key()))
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    assert stale.get_json()["mark"]["revision"] == 1
    invalid = call("POST", "/api/v1/marks", judge, json=mark_body(panel, 7, id=key(), base=1))
    assert invalid.status_code == 422 and invalid.get_json()["error"] == "invalid_value"
    assert invalid.get_json()["message"]
    not_json = call("POST", "/api/v1/marks", judge, data="value=1",
                    headers={"Idempotency-Key": key()})
    assert not_json.status_code == 422
    organizer = call("POST", "/api/v1/marks", "organizer", json=mark_body(panel, id=key()))
    assert organizer.status_code == 403 and organizer.get_json()["error"] == "forbidden"
    anonymous = call("POST", "/api/v1/marks", json=mark_body(panel, id=key()))
    assert anonymous.status_code == 401
    with demo_app.app_context():
        from competition.extensions import db

        assert db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar_one() == 1


def test_a_compatriot_is_forbidden_over_http(api, demo_app):
    panel, call = api
    judge, competitor = next(iter(panel.compatriots.items()))
    answer = call("POST", "/api/v1/marks", judge,
                  json=mark_body(panel, id=key(), competitor=competitor))
    assert answer.status_code == 403 and answer.get_json()["error"] == "compatriot"


def test_marks_since_a_version_for_resync(api):
    panel, call = api
    judge = panel.codes[0]
    start = call("GET", "/api/v1/skills/10/marks", judge).get_json()
    assert start["marks"] == []
    for base, value in enumerate((1, 2)):
        call("POST", "/api/v1/marks", judge, json=mark_body(panel, value, id=key(), base=base))
    call("POST", "/api/v1/marks", judge,
         json=mark_body(panel, panel.m_values[0], id=key(), aspect=panel.m_aspect))
    since = call("GET", f"/api/v1/skills/10/marks?since={start['version']}", judge).get_json()
    assert since["version"] == start["version"] + 3
    assert [(m["aspect"], m["revision"]) for m in since["marks"]] == [
        (panel.j_aspect, 2), (panel.m_aspect, 1)]
    later = call("GET", f"/api/v1/skills/10/marks?since={since['version'] - 1}", judge)
    assert [m["aspect"] for m in later.get_json()["marks"]] == [panel.m_aspect]
    bad = call("GET", "/api/v1/skills/10/marks?since=-3", judge)
    assert bad.status_code == 422


def test_errors_are_in_the_callers_language(api):
    panel, call = api
    answer = call("POST", "/api/v1/marks", panel.codes[0],
                  json=mark_body(panel, 9, id=key()), headers={"Accept-Language": "kk"})
    english = call("POST", "/api/v1/marks", panel.codes[0],
                   json=mark_body(panel, 9, id=key()), headers={"Accept-Language": "en"})
    assert answer.get_json()["error"] == english.get_json()["error"] == "invalid_value"
    assert answer.get_json()["message"] != english.get_json()["message"]
