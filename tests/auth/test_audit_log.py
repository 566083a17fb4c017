"""The audit log page: administrators only, newest first, filters, pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from competition.audit import record
from competition.database import write_transaction
from competition.models import AuditEntry
from competition.models.base import utcnow

from ..access import client_as, make_role_users
from .helpers import EN, post_form


@pytest.fixture
def audit_setup(demo_app):
    ids = make_role_users(demo_app)
    organizer = client_as(demo_app, "organizer", ids)
    # a real organizer action leaves an entry
    response = post_form(organizer, f"/manage/accounts/{ids['chief']}/password",
                         {"password": "fresh password", "confirm": "fresh password"},
                         page=f"/manage/accounts/{ids['chief']}")
    assert response.status_code == 302
    return demo_app, ids


def summaries(page: str) -> list[str]:
    return re.findall(r"<td>(new password for [^<]+|entry \d+)</td>", page)


def test_only_admins_read_the_audit_log(audit_setup):
    app, ids = audit_setup
    for role in ("organizer", "chief", "expert", "competitor"):
        assert client_as(app, role, ids).get("/manage/audit").status_code == 403, role
    assert "/login" in client_as(app, "anonymous", ids).get("/manage/audit").headers["Location"]
    page = client_as(app, "admin", ids).get("/manage/audit", headers=EN).get_data(as_text=True)
    assert "new password for as-chief" in page
    assert "as-organizer" in page  # who did it
    assert "fresh password" not in page


def test_newest_first_filters_and_pages(audit_setup):
    app, ids = audit_setup
    with app.app_context():
        with write_transaction() as session:
            for n in range(60):
                entry = record("import", "competitor", n, f"entry {n}")
                entry.at = utcnow() - timedelta(days=3, minutes=60 - n)
            session.flush()
    admin = client_as(app, "admin", ids)
    page = admin.get("/manage/audit", headers=EN).get_data(as_text=True)
    listed = summaries(page)
    assert listed[0] == "new password for as-chief"  # newest first
    assert listed[1:4] == ["entry 59", "entry 58", "entry 57"]
    assert len(listed) == 50
    assert "61 entries found." in page
    second = summaries(admin.get("/manage/audit?page=2", headers=EN).get_data(as_text=True))
    assert second[-1] == "entry 0" and len(second) == 11

    only_users = summaries(admin.get("/manage/audit?entity=user", headers=EN)
                           .get_data(as_text=True))
    assert only_users == ["new password for as-chief"]
    by_action = summaries(admin.get("/manage/audit?action=import", headers=EN)
                          .get_data(as_text=True))
    assert "new password for as-chief" not in by_action and len(by_action) == 50
    by_user = summaries(admin.get(f"/manage/audit?user={ids['organizer']}", headers=EN)
                        .get_data(as_text=True))
    assert by_user == ["new password for as-chief"]
    today = utcnow().date()
    recent = admin.get(f"/manage/audit?since={today - timedelta(days=1)}", headers=EN)
    assert summaries(recent.get_data(as_text=True)) == ["new password for as-chief"]
    older = admin.get(f"/manage/audit?until={today - timedelta(days=2)}", headers=EN)
    assert "60 entries found." in older.get_data(as_text=True)
    # a malformed date is reported, not a crash
    response = admin.get("/manage/audit?since=yesterday", headers=EN)
    assert response.status_code == 200
    assert "Not a valid date value." in response.get_data(as_text=True)


def test_audit_entries_are_written_for_account_changes(audit_setup):
    app, ids = audit_setup
    organizer = client_as(app, "organizer", ids)
    post_form(organizer, f"/manage/accounts/{ids['expert']}/pin", {"pin": "2468"},
              page=f"/manage/accounts/{ids['expert']}")
    post_form(organizer, f"/manage/accounts/{ids['expert']}/disable", {},
              page=f"/manage/accounts/{ids['expert']}")
    with app.app_context():
        import sqlalchemy as sa

        from competition.extensions import db

        actions = db.session.execute(
            sa.select(AuditEntry.action).where(AuditEntry.entity_id == ids["expert"])
            .order_by(AuditEntry.id)).scalars().all()
        assert actions == ["pin", "disable"]
        pin_entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "pin")).scalar_one()
        assert "2468" not in pin_entry.summary + str(pin_entry.changes)
