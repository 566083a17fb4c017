"""The `competition` command as users run it: real exit codes, one-line errors; a real process
where the test is about one (its start, `--help`, the product's password hashing, a busy port,
the first `demo`), the others through the command line's own entry in the test process
(tests/helpers.py command_line)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Championship, people

from .fixtures.databases import make_app
from .helpers import command_line, csrf


@pytest.fixture
def cli(tmp_path):
    """Run `python -m competition ARGS` against a fresh instance folder."""

    def run(*args: str, stdin: str = "", database: str | None = None, product_hash=False,
            process=False):
        settings = {
            "COMPETITION_INSTANCE": str(tmp_path),
            "COMPETITION_DATABASE_URL": database or f"sqlite:///{tmp_path / 'competition.db'}",
            # the suite's light password hash (`demo` hashes 37 passwords and PINs with scrypt
            # otherwise, a fifth of a second each); product_hash: the product's own
            "COMPETITION_TEST_PASSWORD_METHOD": "" if product_hash else people.PASSWORD_METHOD,
        }
        if not process:
            result = command_line(list(args), settings, cwd=tmp_path, stdin=stdin,
                                  unset=("COMPETITION_SECRET_KEY",))
            assert "Traceback" not in result.stderr, result.stderr
            return result
        env = dict(os.environ) | settings
        env.pop("COMPETITION_SECRET_KEY", None)
        result = subprocess.run(
            [sys.executable, "-m", "competition", *args], input=stdin, capture_output=True,
            text=True, env=env, cwd=tmp_path, timeout=120,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return run


@pytest.fixture
def demo_cli(cli, demo_template_db, tmp_path):
    shutil.copyfile(demo_template_db, tmp_path / "competition.db")
    return cli


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_help_lists_the_commands(cli):
    result = cli("--help", process=True)
    assert result.returncode == 0
    for command in ("run", "db", "demo", "user", "token"):
        assert f"  {command} " in result.stdout


def test_db_upgrade_builds_an_empty_database(cli, tmp_path):
    assert cli("db", "upgrade").returncode == 0
    assert (tmp_path / "competition.db").exists()
    assert cli("db", "upgrade").returncode == 0  # a second run changes nothing


def test_db_upgrade_with_an_unreachable_database_is_one_line(cli):
    result = cli("db", "upgrade", database="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode != 0
    assert "COMPETITION_DATABASE_URL" in error_line(result)


def test_demo_loads_once_and_refuses_a_full_database(cli, tmp_path):
    first = cli("demo", process=True)
    assert first.returncode == 0, first.stderr
    assert "Demo loaded: 2 championships, 7 skills" in first.stdout
    accounts = (tmp_path / "demo-accounts.txt").read_text()
    assert "admin" in accounts and "organizer" in accounts and "chief-10" in accounts
    assert oct((tmp_path / "demo-accounts.txt").stat().st_mode & 0o777) == "0o600"
    # an expert's printed PIN logs in on a tablet (/login/pin) with their code
    line = next(line.split() for line in accounts.splitlines() if "expert-10 " in line + " ")
    pin, code, championship = line[2], line[-2], line[-1].strip("()")
    assert pin.isdigit() and len(pin) == 6, line
    app = make_app(f"sqlite:///{tmp_path / 'competition.db'}", tmp_path)
    client = app.test_client()
    page = client.get("/login/pin", headers={"Accept-Language": "en"}).get_data(as_text=True)
    with app.app_context():
        championship_id = db.session.execute(sa.select(Championship.id).where(
            Championship.code == championship)).scalar_one()
        db.session.remove()
    answer = client.post("/login/pin", data={"csrf_token": csrf(page), "expert": code,
                                              "pin": pin, "championship": championship_id})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]

    again = cli("demo")
    assert again.returncode == 1
    assert "--force" in error_line(again)

    skipped = cli("demo", "--if-empty")
    assert skipped.returncode == 0 and "not loaded again" in skipped.stdout
    assert accounts.splitlines()[0] in skipped.stdout

    forced = cli("demo", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Demo loaded" in forced.stdout
    assert (tmp_path / "demo-accounts.txt").read_text() != accounts  # new passwords


def test_user_add_and_token_create(demo_cli, tmp_path):
    added = demo_cli("user", "add", "aigul", "--role", "expert", "--expert", "E02",
                     "--championship", "vko-ws-2026", "--password-stdin",
                     stdin="correct horse battery\n", product_hash=True, process=True)
    assert added.returncode == 0, added.stderr
    # the product (a process without the suite's setting) hashes with scrypt
    with sqlite3.connect(tmp_path / "competition.db") as connection:
        stored = connection.execute(
            "SELECT password_hash FROM user_account WHERE login = 'aigul'").fetchone()[0]
    assert stored.startswith("scrypt:")
    again = demo_cli("user", "add", "aigul", "--role", "organizer", "--password-stdin",
                     stdin="another password\n")
    assert again.returncode == 1
    assert "the login 'aigul' is taken" in error_line(again)
    token = demo_cli("token", "create", "aigul")
    assert token.returncode == 0
    assert token.stdout.strip().startswith("cmp_") and len(token.stdout.strip()) > 30


def test_the_product_hashes_passwords_and_pins_with_scrypt():
    """Unless the suite's setting is given (tests/conftest.py; PINs hash as passwords do:
    tests/auth/test_pin_login.py)."""
    env = {k: v for k, v in os.environ.items() if k != "COMPETITION_TEST_PASSWORD_METHOD"}
    result = subprocess.run(
        [sys.executable, "-c", "from competition.models import people; "
         "print(people.PASSWORD_METHOD)"], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.strip() == "scrypt", result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["user", "add", "x", "--role", "expert", "--password-stdin"], "password1\n",
         "needs --expert"),
        (["user", "add", "x", "--role", "competitor", "--password-stdin"], "password1\n",
         "needs --competitor"),
        (["user", "add", "x", "--role", "organizer", "--password-stdin"], "",
         "no password on standard input"),
        (["user", "add", "x", "--role", "organizer", "--password-stdin"], "short\n",
         "at least 8 characters"),
        (["user", "add", "x", "--role", "expert", "--expert", "E999", "--password-stdin"],
         "password1\n", "no expert with the code 'E999'"),
        (["user", "add", "x", "--role", "expert", "--expert", "E01", "--password-stdin"],
         "password1\n", "add --championship"),
        (["user", "add", "x", "--role", "competitor", "--competitor", "101",
          "--password-stdin"], "password1\n", "ambiguous"),
        (["user", "add", "two words", "--role", "organizer", "--password-stdin"],
         "password1\n", "without spaces"),
        (["token", "create", "nobody"], "", "no account with the login 'nobody'"),
    ],
)
def test_bad_input_gives_one_clear_line(demo_cli, args, stdin, expected):
    result = demo_cli(*args, stdin=stdin)
    assert result.returncode == 1
    assert expected in error_line(result)


def test_unknown_role_is_a_usage_error(cli):
    result = cli("user", "add", "x", "--role", "judge", "--password-stdin")
    assert result.returncode == 2
    assert "Invalid value for '--role'" in result.stderr


def test_run_refuses_a_busy_port(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("run", "--port", str(port), process=True)
    assert result.returncode == 1
    assert f"port {port}" in error_line(result)
