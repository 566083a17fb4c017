"""Fixed judgement panels (issue 20): the chief seats the same experts on a sub-criterion's
judgement aspects for every competitor, names substitutes for compatriots; only the panel marks
(`not_on_panel`), over the service, real Socket.IO clients and the chief's page."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.errors import Forbidden, Invalid, Refused
from competition.extensions import db
from competition.judging import panels, service
from competition.models import (
    Aspect,
    AuditEntry,
    Competitor,
    Expert,
    ExpertRole,
    PanelSeat,
    PanelSubstitute,
    Skill,
)
from competition.models.scheme import SubCriterion
from tests.access import client_as

from ..fixtures.databases import make_app
from ..helpers import EN, csrf
from .panel import Panel, key, make_panel

pytestmark = pytest.mark.timeout(180)


def skill(code: str = "10") -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def sub_of(aspect_code: str) -> SubCriterion:
    return db.session.execute(
        sa.select(SubCriterion).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .join(Skill, Skill.id == Aspect.skill_id)
        .where(Skill.code == "10", Aspect.code == aspect_code)).scalar_one()


def chief_code() -> str:
    return db.session.execute(
        sa.select(Expert.code).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill().id, ExpertRole.role == "chief")).scalar_one()


def org(expert_code: str) -> int | None:
    return db.session.execute(
        sa.select(Expert.organization_id).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(Expert.code == expert_code, ExpertRole.skill_id == skill().id)).scalar_one()


def competitor_org(code: str) -> int | None:
    return db.session.execute(sa.select(Competitor.organization_id).where(
        Competitor.code == code, Competitor.skill_id == skill().id)).scalar_one()


def plan(panel: Panel):
    """A panel of three with one compatriot (`absent`) of competitor `clash`, an onlooker who is
    on no panel, and a substitute for `absent` (neither a compatriot of `clash`)."""
    absent, clash = next(iter(panel.compatriots.items()))
    clash_org = competitor_org(clash)
    others = [c for c in panel.codes if c != absent and org(c) != clash_org]
    members = [absent, *others[:2]]
    onlooker, substitute = others[2], others[3]
    return members, absent, clash, onlooker, substitute


def free_of(*codes: str) -> str:
    """A competitor none of these experts is a compatriot of."""
    orgs = [o for o in map(org, codes) if o is not None]
    return db.session.execute(sa.select(Competitor.code).where(
        Competitor.skill_id == skill().id, Competitor.status == "active",
        sa.or_(Competitor.organization_id.is_(None), Competitor.organization_id.not_in(orgs)))
        .order_by(Competitor.code).limit(1)).scalar_one()


def submit(panel: Panel, judge: str, value, competitor: str | None = None):
    return service.record_mark(panel.user(judge), {
        "id": key(), "skill": "10", "aspect": panel.j_aspect,
        "competitor": competitor or panel.competitor, "value": value}, device="test")


def refused(panel: Panel, judge: str, value, competitor: str | None = None) -> Refused:
    with pytest.raises(Refused) as caught:
        submit(panel, judge, value, competitor)
    db.session.rollback()
    return caught.value


@pytest.fixture
def panel(demo_app):
    return make_panel(demo_app)


@pytest.fixture
def ctx(demo_app):
    with demo_app.test_request_context():
        yield demo_app


# --- the service's rules ----------------------------------------------------------------------

def test_a_panel_has_exactly_the_policys_count_of_different_experts_of_the_skill(panel, ctx):
    chief = panel.user(chief_code())
    sub = sub_of(panel.j_aspect).code
    codes = panel.codes
    with pytest.raises(Invalid) as caught:
        panels.assign(chief, skill(), sub, codes[:2])
    assert caught.value.code == "panel_size"
    with pytest.raises(Invalid) as caught:
        panels.assign(chief, skill(), sub, [codes[0], codes[0], codes[1]])
    assert caught.value.code == "panel_duplicate"
    stranger = db.session.execute(
        sa.select(Expert.code).where(~Expert.id.in_(
            sa.select(ExpertRole.expert_id).where(ExpertRole.skill_id == skill().id)))
        .limit(1)).scalar_one()
    with pytest.raises(Invalid) as caught:
        panels.assign(chief, skill(), sub, [codes[0], codes[1], stranger])
    assert caught.value.code == "not_an_expert" and stranger in caught.value.message
    # an expert whose marking team marks another criterion does not sit on this one's panel
    criterion = sub_of(panel.j_aspect).criterion.code

    def team(marks: str) -> None:
        with write_transaction() as session:
            session.execute(sa.update(ExpertRole).where(
                ExpertRole.skill_id == skill().id,
                ExpertRole.expert_id.in_(sa.select(Expert.id).where(Expert.code == codes[2])))
                .values(marking_team=marks))

    team("Z9" if criterion != "Z9" else "Z8")
    with pytest.raises(Invalid) as caught:
        panels.assign(chief, skill(), sub, codes[:3])
    assert caught.value.code == "not_team" and codes[2] in caught.value.message
    assert criterion in caught.value.message
    team(f"{criterion}, Z9")  # their team marks this criterion too: fine
    assert db.session.execute(sa.select(sa.func.count()).select_from(PanelSeat)).scalar_one() == 0
    version = skill().scheme_version
    panels.assign(chief, skill(), sub, codes[:3])
    db.session.expire_all()
    assert skill().scheme_version > version
    seats = db.session.execute(sa.select(PanelSeat).order_by(PanelSeat.position)).scalars().all()
    assert [s.expert.code for s in seats] == codes[:3] and seats[0].aspect_id is None
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "panel-assign")).scalar_one()
    assert entry.changes["panel"] == [[], codes[:3]]


def test_an_ordinary_expert_may_not_assign_a_panel(panel, ctx):
    ordinary = next(c for c in panel.codes if c != chief_code()
                    and db.session.execute(sa.select(ExpertRole.role).join(Expert).where(
                        Expert.code == c, ExpertRole.skill_id == skill().id)).scalar_one()
                    == "expert")
    with pytest.raises(Forbidden):
        panels.assign(panel.user(ordinary), skill(), sub_of(panel.j_aspect).code,
                      panel.codes[:3])


def test_only_the_panel_marks_and_a_substitute_only_their_competitor(panel, ctx):
    members, absent, clash, onlooker, substitute = plan(panel)
    chief = panel.user(chief_code())
    sub = sub_of(panel.j_aspect).code
    panels.assign(chief, skill(), sub, members)
    # a competitor no member is a compatriot of
    free = free_of(*members, onlooker, substitute)
    no = refused(panel, onlooker, 2, free)
    assert no.code == "not_on_panel" and no.status == 403
    for member in members[1:]:
        assert submit(panel, member, 2, free).created
    # the substitute: the absent member must be a compatriot, the substitute neither on the
    # panel nor a compatriot
    with pytest.raises(Invalid) as caught:
        panels.name_substitute(chief, skill(), sub, free, members[1], substitute)
    assert caught.value.code == "not_compatriot"
    with pytest.raises(Invalid) as caught:
        panels.name_substitute(chief, skill(), sub, clash, absent, members[1])
    assert caught.value.code == "on_panel"
    assert refused(panel, substitute, 1, clash).code == "not_on_panel"
    panels.name_substitute(chief, skill(), sub, clash, absent, substitute)
    assert submit(panel, substitute, 1, clash).created
    # what the tablets are told (GET /api/v1/skills/<ref>): the panel, and for `clash` the panel
    # with the substitute instead of the compatriot
    from competition.judging.queries import describe_skill

    told = describe_skill(panel.user(onlooker), skill(), None)["panels"]
    seated = [a.code for a in sub_of(panel.j_aspect).aspects if a.type == "J"]
    assert sorted(told) == sorted(seated)
    assert told[panel.j_aspect]["members"] == sorted(members)
    assert told[panel.j_aspect]["exceptions"] == {
        clash: sorted([*members[1:], substitute])}
    assert refused(panel, substitute, 1, free).code == "not_on_panel"
    assert refused(panel, absent, 1, clash).code == "compatriot"
    # M aspects are not the panel's
    assert service.record_mark(panel.user(onlooker), {
        "id": key(), "skill": "10", "aspect": panel.m_aspect, "competitor": free,
        "value": panel.m_values[0]}, device="test").created
    # removing the panel: the onlooker marks again
    named = db.session.execute(sa.select(PanelSubstitute.id)).scalar_one()
    panels.remove_substitute(chief, skill(), named)
    panels.clear(chief, skill(), sub)
    assert submit(panel, onlooker, 2, free).created


def test_an_aspects_own_panel_replaces_the_sub_criterions(panel, ctx):
    chief = panel.user(chief_code())
    sub = sub_of(panel.j_aspect).code
    codes = panel.codes
    others = [c for c in codes if c not in codes[:3]]
    panels.assign(chief, skill(), sub, codes[:3])
    panels.assign(chief, skill(), sub, others[:3], aspect_code=panel.j_aspect)
    free = panel.competitor
    judge = next((c for c in others[:3] if org(c) is None or org(c) != competitor_org(free)),
                 None)
    if judge is None:
        pytest.skip("no member of the aspect's panel may mark the free competitor")
    assert refused(panel, codes[0], 1, free).code == "not_on_panel"
    assert submit(panel, judge, 1, free).created


def test_without_panels_any_expert_marks_as_before(panel, ctx):
    assert panels.panels_by_code(skill()) == {}  # the tablets are told: no panel
    _members, _absent, _clash, onlooker, _substitute = plan(panel)
    fourth = next(c for c in panel.codes[3:] if org(c) != competitor_org(panel.competitor))
    assert submit(panel, fourth, 2).created
    assert onlooker


# --- the chief's page -------------------------------------------------------------------------

def test_the_chiefs_page_assigns_a_panel_and_names_a_substitute(demo_app, panel):
    with demo_app.app_context():
        chief = chief_code()
        ordinary = next(c for c in panel.codes if db.session.execute(
            sa.select(ExpertRole.role).join(Expert).where(
                Expert.code == c, ExpertRole.skill_id == skill().id)).scalar_one() == "expert")
    client = client_as(demo_app, "chief", {"chief": panel.judges[chief]})
    page = client.get("/judging/10/chief/panels", headers=EN)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No panels assigned: any expert of the marking team may mark" in html
    board = client.get("/judging/10/chief", headers=EN).get_data(as_text=True)
    assert "/judging/10/chief/panels" in board
    with demo_app.app_context():
        members, absent, clash, _onlooker, substitute = plan(panel)
        sub = sub_of(panel.j_aspect).code
    token = csrf(html)
    wrong = client.post(f"/judging/10/chief/panels/{sub}/assign", headers=EN,
                        data={"csrf_token": token, "seat": members[:2]})
    assert wrong.status_code == 422 and "exactly 3 experts" in wrong.get_data(as_text=True)
    done = client.post(f"/judging/10/chief/panels/{sub}/assign", headers=EN,
                       data={"csrf_token": token, "seat": members})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#panel-{sub}")
    html = client.get("/judging/10/chief/panels", headers=EN).get_data(as_text=True)
    assert "No panels assigned" not in html
    assert f'name="absent" value="{absent}"' in html  # the clash, with its form
    named = client.post(f"/judging/10/chief/panels/{sub}/substitute", headers=EN, data={
        "csrf_token": token, "competitor": clash, "absent": absent, "substitute": substitute})
    assert named.status_code == 302
    with demo_app.app_context():
        row = db.session.execute(sa.select(PanelSubstitute)).scalar_one()
        assert (row.absent.code, row.substitute.code, row.competitor.code) == (
            absent, substitute, clash)
        row_id = row.id
    html = client.get("/judging/10/chief/panels", headers=EN).get_data(as_text=True)
    assert f"/chief/panels/substitutes/{row_id}/remove" in html
    assert client.post(f"/judging/10/chief/panels/substitutes/{row_id}/remove", headers=EN,
                       data={"csrf_token": token}).status_code == 302
    assert client.post(f"/judging/10/chief/panels/{sub}/clear", headers=EN,
                       data={"csrf_token": token}).status_code == 302
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PanelSeat)
                                  ).scalar_one() == 0
    # an expert of the skill who does not lead it: 403
    expert = client_as(demo_app, "expert", {"expert": panel.judges[ordinary]})
    assert expert.get("/judging/10/chief/panels", headers=EN).status_code == 403


# --- over real Socket.IO clients --------------------------------------------------------------

def test_over_socketio_only_the_panel_marks(live_server, sio_client):
    from competition.auth.service import create_token

    app = make_app(live_server.database_url, live_server.instance)
    panel = make_panel(app, "10")
    with app.test_request_context():
        members, absent, clash, onlooker, substitute = plan(panel)
        chief = panel.user(chief_code())
        sub = sub_of(panel.j_aspect).code
        panels.assign(chief, skill(), sub, members)
        panels.name_substitute(chief, skill(), sub, clash, absent, substitute)
        free = free_of(*members, onlooker, substitute)
        tokens = {code: create_token(f"judge-{code.lower()}")
                  for code in {*members, onlooker, substitute}}
        db.session.remove()
        db.engine.dispose()

    def send(code: str, competitor: str, value: int = 2) -> dict:
        tablet = sio_client(auth={"token": tokens[code]})
        return tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                           "aspect": panel.j_aspect, "competitor": competitor,
                                           "value": value}, timeout=10)

    answer = send(onlooker, free)
    assert answer["ok"] is False and answer["error"] == "not_on_panel"
    for member in members:
        if member != absent:
            assert send(member, free)["ok"] is True
    assert send(absent, free)["ok"] is True  # a compatriot of `clash` only
    assert send(substitute, clash)["ok"] is True
    assert send(substitute, free)["error"] == "not_on_panel"
