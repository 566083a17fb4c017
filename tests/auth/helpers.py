"""Helpers of the account tests: forms with their CSRF token, accounts, who is logged in."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.models import LoginAttempt, User

from ..helpers import EN, csrf

PASSWORD = "a long password"


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Fetch the form page (`page`, default `url`), then post `data` with its CSRF token."""
    html = client.get(page or url, headers=EN, **kwargs).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf(html), **data}, headers=EN,
                       **kwargs)


def make_user(app, login: str, role: str, password: str | None = PASSWORD, **links) -> int:
    with app.app_context():
        with write_transaction() as session:
            user = add_user(login, role, password, **links)
            session.flush()
            return user.id


def logged_in_as(client) -> str | None:
    """The login shown in the page header, or None."""
    page = client.get("/", headers=EN).get_data(as_text=True)
    match = re.search(r'<span class="who">([^<]+)</span>', page)
    return match.group(1) if match else None


def login(client, login_name: str, password: str = PASSWORD, **kwargs):
    return post_form(client, "/login", {"login": login_name, "password": password}, **kwargs)


def age_attempts(app, minutes: int, kind: str | None = None) -> None:
    """Move every recorded failed attempt `minutes` into the past (instead of sleeping)."""
    with app.app_context():
        with write_transaction() as session:
            for row in session.execute(sa.select(LoginAttempt)).scalars():
                if kind is None or row.kind == kind:
                    row.at = row.at - timedelta(minutes=minutes)


def user_row(app, login_name: str) -> User:
    with app.app_context():
        from competition.extensions import db

        user = db.session.execute(sa.select(User).where(User.login == login_name)).scalar_one()
        db.session.expunge(user)
        return user
