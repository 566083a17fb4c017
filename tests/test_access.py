"""Route × role: every route of the app has an access rule here, and the app obeys it.

A new route without a line in ACCESS fails `test_every_route_has_a_rule`: decide who may open
it, then add it below.
"""

from __future__ import annotations

import pytest

from .access import ROLES, client_as, make_role_users

EVERYONE = set(ROLES)
STAFF = {"organizer", "admin"}

# endpoint -> (a URL to try with GET, the roles that may open it)
ACCESS: dict[str, tuple[str, set[str]]] = {
    "board.home": ("/", EVERYONE),
    "auth.login": ("/login", EVERYONE),
    "auth.logout": ("/logout", EVERYONE),  # POST only; GET answers 405 to all
    "i18n.switch": ("/lang/kk", EVERYONE),
    "registry.dashboard": ("/manage/", STAFF),
}
NOT_GET = {"auth.logout"}


@pytest.fixture(scope="module")
def role_app(demo_template_db, tmp_path_factory):
    import shutil

    from .conftest import make_app

    folder = tmp_path_factory.mktemp("access")
    shutil.copyfile(demo_template_db, folder / "competition.db")
    app = make_app(f"sqlite:///{folder / 'competition.db'}", folder)
    return app, make_role_users(app)


def test_every_route_has_a_rule(role_app):
    app, _ = role_app
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"routes without an access rule in tests/test_access.py: {missing}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_obeys_its_rule(role_app, endpoint, role):
    app, ids = role_app
    url, allowed = ACCESS[endpoint]
    response = client_as(app, role, ids).get(url)
    if endpoint in NOT_GET:
        assert response.status_code == 405
        return
    location = response.headers.get("Location", "")
    if role in allowed:
        assert response.status_code not in (401, 403), (endpoint, role)
        assert "/login" not in location or endpoint == "auth.login", (endpoint, role)
    elif role == "anonymous":
        assert response.status_code in (302, 401), (endpoint, role)
        if response.status_code == 302:
            assert "/login" in location
    else:
        assert response.status_code == 403, (endpoint, role)
