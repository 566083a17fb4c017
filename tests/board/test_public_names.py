"""How the public sees competitors' names (docs/people.md, "Privacy"; competition/names.py):
a competitor under 18 on the first competition day appears as "Surname N." on every public
channel unless their consent is recorded; the championship may show short names or results
codes to everyone; staff, the competitor's own page and certificates keep the full name."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.models import Championship, Competitor, Skill
from competition.names import age_on, public_mode, short_name

from ..helpers import organizer_client
from ..marking import enter_marks
from .test_results import set_visibility

FULL = {"ru": "Иванова Анна Сергеевна", "kk": "Иванова Анна Сергейқызы", "en": "Ivanova Anna"}
SHORT = {"ru": "Иванова А.", "kk": "Иванова А.", "en": "Ivanova A."}
MINOR, ADULT = date(2010, 5, 1), date(2000, 5, 1)


# --- the rule -------------------------------------------------------------------------------

def test_short_names_keep_the_surname_and_the_initial():
    assert short_name("Иванова Анна Сергеевна") == "Иванова А."
    assert short_name("Әбенов әлихан") == "Әбенов Ә."
    assert short_name("Madonna") == "Madonna" and short_name("  ") == ""


def test_age_is_counted_on_the_first_day():
    assert age_on(date(2008, 11, 24), date(2026, 11, 24)) == 18
    assert age_on(date(2008, 11, 25), date(2026, 11, 24)) == 17
    assert age_on(None, date(2026, 11, 24)) is None


@pytest.mark.parametrize(("setting", "birth", "consent", "team", "mode"), [
    ("full", MINOR, False, False, "short"), ("full", MINOR, True, False, "full"),
    ("full", ADULT, False, False, "full"), ("full", None, False, False, "full"),
    ("short", ADULT, True, False, "short"), ("code", MINOR, True, False, "code"),
    ("short", MINOR, False, True, "full"), ("code", ADULT, False, True, "code"),
])
def test_the_mode_of_a_name(setting, birth, consent, team, mode):
    assert public_mode(setting, birth_date=birth, consent=consent, team=team,
                       day=date(2026, 11, 24)) == mode


# --- every public channel ------------------------------------------------------------------

@pytest.fixture
def minor(demo_app):
    """Competitor 101 of skill 10 is a minor without consent; skill 10 marked and published."""
    with demo_app.app_context():
        with write_transaction() as session:
            competitor = session.execute(sa.select(Competitor).join(Skill).where(
                Skill.code == "10", Competitor.code == "101")).scalar_one()
            competitor.set_names(FULL)
            competitor.birth_date = MINOR
            competitor.name_consent = False
            competitor.skill.championship.starts_on = date(2026, 11, 24)
            add_user("as-101", "competitor", "password-for-tests", competitor=competitor)
        enter_marks("10", seed=3)
    set_visibility(demo_app, "10", "published")
    return demo_app


def change(app, **values) -> None:
    with app.app_context():
        with write_transaction() as session:
            competitor = session.execute(sa.select(Competitor).join(Skill).where(
                Skill.code == "10", Competitor.code == "101")).scalar_one()
            for key, value in values.items():
                target = competitor.skill.championship if key == "public_names" else competitor
                setattr(target, key, value)


def anonymous(app):
    client = app.test_client()
    client.get("/lang/en")
    return client


def snapshot_name(client, view: str = "") -> dict:
    snapshot = client.get("/board/10/snapshot.json" + view).get_json()
    return snapshot["competitors"]["101"]["name"]


def socket_name(app, client) -> dict:
    sio = socketio.test_client(app, flask_test_client=client)
    try:
        assert sio.emit("board:join", {"skill": "10"}, callback=True) == {"ok": True}
        [snapshot] = [r["args"][0] for r in sio.get_received() if r["name"] == "board:snapshot"]
        return snapshot["competitors"]["101"]["name"]
    finally:
        sio.disconnect()


def results_code(app) -> str:
    with app.app_context():
        return db.session.execute(sa.select(Competitor.results_code).join(Skill).where(
            Skill.code == "10", Competitor.code == "101")).scalar_one()


def test_a_minor_without_consent_is_short_on_every_public_channel(minor):
    public = anonymous(minor)
    assert snapshot_name(public) == SHORT
    assert socket_name(minor, anonymous(minor)) == SHORT
    for url in ("/results/10", f"/me/{results_code(minor)}", "/board/10/projector",
                "/board/rotation?skills=10", "/medals"):
        html = public.get(url).get_data(as_text=True)
        assert FULL["en"] not in html and FULL["ru"] not in html, url
    assert SHORT["en"] in public.get("/results/10").get_data(as_text=True)
    assert f"<h1>{SHORT['en']}</h1>" in public.get(f"/me/{results_code(minor)}").get_data(
        as_text=True)


def test_staff_and_the_competitor_themselves_see_the_full_name(minor):
    organizer = organizer_client(minor)
    assert snapshot_name(organizer) == FULL
    assert snapshot_name(organizer, "?view=public") == SHORT  # the hall's view on a laptop
    assert socket_name(minor, organizer) == FULL
    assert FULL["en"] in organizer.get("/results/10").get_data(as_text=True)
    own = anonymous(minor)
    with minor.app_context():
        user_id = db.session.execute(sa.text(
            "SELECT id, session_version FROM user_account WHERE login = 'as-101'")).one()
    with own.session_transaction() as session:
        session["_user_id"], session["_fresh"] = f"{user_id[0]}.{user_id[1]}", True
    page = own.get(f"/me/{results_code(minor)}").get_data(as_text=True)
    assert f"<h1>{FULL['en']}</h1>" in page


def test_with_consent_the_public_sees_the_full_name(minor):
    change(minor, name_consent=True)
    public = anonymous(minor)
    assert snapshot_name(public) == FULL
    assert socket_name(minor, anonymous(minor)) == FULL
    assert FULL["en"] in public.get("/results/10").get_data(as_text=True)


def test_the_setting_code_shows_codes_and_short_shortens_adults(minor):
    change(minor, public_names="code", name_consent=True)
    public = anonymous(minor)
    assert snapshot_name(public) == {"ru": "101", "kk": "101", "en": "101"}
    with minor.app_context():
        others = db.session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "10", Competitor.code != "101")).scalars().all()
        names = [c.name_en for c in others if c.name_en]
    html = public.get("/results/10").get_data(as_text=True)
    assert not [name for name in names if name in html]
    snapshot = public.get("/board/10/snapshot.json").get_json()
    assert all(entry["name"]["en"] == code for code, entry in snapshot["competitors"].items())
    change(minor, public_names="short", birth_date=ADULT)
    assert snapshot_name(anonymous(minor)) == SHORT
    assert snapshot_name(organizer_client(minor)) == FULL


def test_the_medal_table_names_minors_short(minor):
    with minor.app_context():
        with write_transaction() as session:
            for competitor in session.execute(sa.select(Competitor).join(Skill).where(
                    Skill.code == "10")).scalars():
                competitor.birth_date = MINOR
        competitors = db.session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "10")).scalars().all()
        full = [c.name_en for c in competitors if len(c.name_en.split()) > 1]
        short = [short_name(c.name_en, "en") for c in competitors]
        championship = db.session.get(Championship, competitors[0].skill.championship_id)
        assert championship.public_names == "full"
    html = anonymous(minor).get("/medals").get_data(as_text=True)
    assert not [name for name in full if name in html]
    assert any(name in html for name in short)
