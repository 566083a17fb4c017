"""Renaming an organization (issue 23): the boards show the new name at once, because the
skills whose competitors or experts come from it move to a new version (standings reload)."""

from __future__ import annotations

import sqlalchemy as sa

from competition import standings
from competition.extensions import db
from competition.models import Competitor, Expert, ExpertRole, Organization, Skill
from tests.access import client_as, make_role_users

from ..helpers import EN, csrf


def test_a_renamed_organization_reaches_the_board_and_others_stay(demo_app):
    users = make_role_users(demo_app)
    organizer = client_as(demo_app, "organizer", users)
    with demo_app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        organization = db.session.execute(
            sa.select(Organization).join(Competitor, Competitor.organization_id
                                         == Organization.id)
            .where(Competitor.skill_id == skill.id).limit(1)).scalar_one()
        org_id, skill_id, before = organization.id, skill.id, skill.version
        involved = set(db.session.execute(sa.select(Competitor.skill_id).where(
            Competitor.organization_id == org_id)).scalars()) | set(db.session.execute(
                sa.select(ExpertRole.skill_id).join(Expert).where(
                    Expert.organization_id == org_id)).scalars())
        untouched = {s.id: s.version for s in db.session.execute(sa.select(Skill)).scalars()
                     if s.id not in involved}
        assert untouched, "every demo skill involves this organization: pick another"
        fields = {"code": organization.code, "kind": organization.kind,
                  "region": organization.region, "name_ru": organization.name_ru,
                  "name_kk": organization.name_kk, "name_en": "Renamed College of Welding"}
        standings.hub().snapshot_for(skill_id, None)  # the live standings hold the old name
    url = f"/manage/organizations/{org_id}/edit"
    token = csrf(organizer.get(url, headers=EN).get_data(as_text=True))
    response = organizer.post(url, data={"csrf_token": token, **fields}, headers=EN)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    with demo_app.app_context():
        db.session.expire_all()
        assert db.session.get(Skill, skill_id).version > before
        after = {s.id: s.version for s in db.session.execute(sa.select(Skill)).scalars()}
        assert {k: after[k] for k in untouched} == untouched
    snapshot = organizer.get("/board/10/snapshot.json", headers=EN).get_json()
    assert "Renamed College of Welding" in str(snapshot)
