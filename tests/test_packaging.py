"""The wheel carries templates, static files, fixtures, migrations and compiled catalogs, so a
non-editable install works as well as the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    return next(out.glob("competition-*.whl"))


def test_wheel_contains_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "competition/templates/base.html",
        "competition/static/css/app.css",
        "competition/fixtures/demo/organizations.json",
        "competition/migrations/env.py",
        "competition/migrations/alembic.ini",
        "competition/translations/kk/LC_MESSAGES/messages.mo",
        "competition/translations/ru/LC_MESSAGES/messages.mo",
    ):
        assert required in names, required
    assert not any(name.endswith((".db", ".pyc")) for name in names)


def test_installed_wheel_runs_away_from_the_checkout(wheel, tmp_path):
    """Install the wheel alone into a folder and use it from elsewhere: it must not need the
    source tree (its dependencies come from the test environment)."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    work = tmp_path / "work"
    work.mkdir()
    script = """
import competition, pathlib
from competition import create_app
from competition.extensions import db
from flask_migrate import upgrade
from competition.registry.demo import load_demo
import os
assert pathlib.Path(competition.__file__).is_relative_to(os.environ['TARGET']), competition.__file__
app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + str(pathlib.Path('x.db').resolve()),
                  'INSTANCE_PATH': str(pathlib.Path('.').resolve()), 'SECRET_KEY': 'k'})
with app.app_context():
    upgrade()
    load_demo()
page = app.test_client().get('/', headers={'Accept-Language': 'kk'}).get_data(as_text=True)
assert 'Чемпионаттар' in page, page[:500]
print('ok')
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=work, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(target), "TARGET": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
