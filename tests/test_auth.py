"""Accounts and bearer tokens."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from competition.auth.service import add_user, create_token
from competition.database import write_transaction
from competition.extensions import db
from competition.models import ApiToken
from competition.models.base import utcnow


def _who(client, token: str | None) -> str:
    headers = {"Accept-Language": "en"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    page = client.get("/", headers=headers).get_data(as_text=True)
    return "organizer-1" if '<span class="who">organizer-1</span>' in page else "anonymous"


def test_bearer_token_authenticates_until_revoked_or_expired(app):
    client = app.test_client()
    with app.app_context():
        with write_transaction():
            add_user("organizer-1", "organizer", "a long password")
        token = create_token("organizer-1")
    assert _who(client, token) == "organizer-1"
    assert _who(client, token + "x") == "anonymous"
    assert _who(client, None) == "anonymous"
    with app.app_context():
        stored = db.session.execute(sa.select(ApiToken)).scalar_one()
        assert stored.token_hash != token and token not in stored.token_hash
        token_id = stored.id
        with write_transaction() as session:
            session.get(ApiToken, token_id).expires_at = utcnow() - timedelta(minutes=1)
    assert _who(client, token) == "anonymous"
    with app.app_context():
        with write_transaction() as session:
            row = session.get(ApiToken, token_id)
            row.expires_at = None
            row.revoked_at = utcnow()
    assert _who(client, token) == "anonymous"


def test_password_login_and_logout(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    with app.app_context():
        with write_transaction():
            add_user("organizer-1", "organizer", "a long password")
    response = client.post("/login", data={"login": "organizer-1", "password": "a long password"})
    assert response.status_code == 302
    assert _who(client, None) == "organizer-1"
    client.post("/logout")
    assert _who(client, None) == "anonymous"


def test_a_password_reset_ends_the_open_sessions(app):
    from competition.models import User
    from competition.registry.accounts.service import reset_password

    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        with write_transaction():
            add_user("organizer-1", "organizer", "a long password")
            add_user("admin-1", "admin", "another long password")
    victim, other = app.test_client(), app.test_client()
    for client in (victim, other):
        client.post("/login", data={"login": "organizer-1", "password": "a long password"})
        assert _who(client, None) == "organizer-1"
    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.login == "admin-1")).scalar_one()
        target = db.session.execute(
            sa.select(User.id).where(User.login == "organizer-1")).scalar_one()
        reset_password(admin, target, "a brand new password")
    assert _who(victim, None) == "anonymous"
    assert _who(other, None) == "anonymous"
    victim.post("/login", data={"login": "organizer-1", "password": "a brand new password"})
    assert _who(victim, None) == "organizer-1"
