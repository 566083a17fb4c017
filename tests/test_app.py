"""The app factory, the home page and the language switch, over real HTTP requests."""

from __future__ import annotations

import stat

from competition import create_app


def test_home_lists_the_demo_championships_and_skills(demo_client):
    page = demo_client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Regional" in page or "East Kazakhstan" in page
    for skill in ("Welding", "Electrical Installations", "Restaurant Service", "Hairdressing",
                  "Mechatronics"):
        assert skill in page
    assert '<html lang="en">' in page


def test_home_speaks_russian_and_kazakh(demo_client):
    russian = demo_client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in russian
    assert "Чемпионаты" in russian and "Конкурсанты" in russian
    kazakh = demo_client.get("/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert '<html lang="kk">' in kazakh
    assert "Чемпионаттар" in kazakh and "Қатысушылар" in kazakh


def test_language_switch_is_remembered_and_redirects_only_on_site(client):
    response = client.get("/lang/kk?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="kk">' in client.get("/login").get_data(as_text=True)
    for hostile in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/lang/en", query_string={"next": hostile})
        assert response.headers["Location"] == "/"
    assert client.get("/lang/fr").status_code == 404


def test_default_language_is_russian(client):
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_empty_database_says_so(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No championship has been registered yet." in page


def test_error_pages_are_translated_and_helpful(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "kk"})
    assert response.status_code == 404
    assert "Бет табылмады" in response.get_data(as_text=True)


def test_login_with_wrong_password_says_what_to_do(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post("/login", data={"login": "nobody", "password": "wrong"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Wrong login or password" in response.get_data(as_text=True)


def test_forms_need_a_csrf_token(client):
    response = client.post("/login", data={"login": "x", "password": "y"})
    assert response.status_code == 400


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPETITION_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMPETITION_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPETITION_INSTANCE", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'competition.db'}"
    )


def test_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPETITION_INSTANCE", str(tmp_path))
    monkeypatch.setenv("COMPETITION_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("COMPETITION_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    monkeypatch.setenv("COMPETITION_MESSAGE_QUEUE", "")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/other.db")
    assert app.config["MESSAGE_QUEUE"] is None
    assert not (tmp_path / "secret_key").exists()


def test_importing_the_package_does_no_work(tmp_path):
    import subprocess
    import sys

    code = ("import competition, competition.models, competition.cli, competition.rules; "
            "import os; print(sorted(os.listdir('.')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(template_db, tmp_path):
    import shutil

    import sqlalchemy as sa

    from competition.extensions import db
    from competition.models import LoginAttempt

    from .fixtures.databases import make_app

    shutil.copyfile(template_db, tmp_path / "competition.db")
    app = make_app(f"sqlite:///{tmp_path / 'competition.db'}", tmp_path, PROXY_COUNT=1,
                   WTF_CSRF_ENABLED=False)
    app.test_client().post("/login", data={"login": "nobody", "password": "wrong"},
                           headers={"X-Forwarded-For": "10.1.2.3"},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with app.app_context():
        keys = db.session.execute(
            sa.select(LoginAttempt.key).where(LoginAttempt.kind == "address")).scalars().all()
        db.engine.dispose()
    assert keys == ["10.1.2.3"]


def test_the_postgresql_pool_is_sized_from_the_environment(tmp_path, monkeypatch):
    import subprocess
    import sys

    from competition.extensions import db

    monkeypatch.setenv("COMPETITION_INSTANCE", str(tmp_path))
    monkeypatch.setenv("COMPETITION_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("COMPETITION_DB_POOL_SIZE", "3")
    monkeypatch.setenv("COMPETITION_DB_MAX_OVERFLOW", "0")
    # The engine is made without connecting: no server is needed to read its pool.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    with app.app_context():
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (3, 0)
    monkeypatch.delenv("COMPETITION_DB_MAX_OVERFLOW")
    with create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/y"}) \
            .app_context():
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (3, 10)

    # A wrong value stops the command with one line that names the setting.
    monkeypatch.setenv("COMPETITION_DB_POOL_SIZE", "lots")
    monkeypatch.setenv("COMPETITION_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1:1/y")
    result = subprocess.run([sys.executable, "-m", "competition", "db", "upgrade"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: COMPETITION_DB_POOL_SIZE='lots': give a whole "
                                     "number, at least 1")


def test_compiled_templates_are_kept_for_the_next_process_and_follow_their_source(
        template_db, tmp_path, caplog):
    """TEMPLATE_CACHE: a second app (another process, a worker) loads the page's template
    compiled; a template whose source changed is compiled again, and a folder that cannot be
    written leaves the templates uncached, with a warning, and the pages working."""
    from tests.fixtures.databases import app_on_copy

    cache = tmp_path / "templates-cache"
    first = app_on_copy(template_db, tmp_path, TEMPLATE_CACHE=str(cache))
    assert first.test_client().get("/").status_code == 200
    kept = {path.name: path.read_bytes() for path in cache.iterdir()}
    assert kept, "rendering the home page kept no compiled template"

    second = create_app({"SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"],
                         "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                         "TEMPLATE_CACHE": str(cache)})
    loaded = []
    cached = second.jinja_env.bytecode_cache
    original = cached.load_bytecode
    cached.load_bytecode = lambda bucket: (original(bucket), loaded.append(bucket.code))
    assert second.test_client().get("/").status_code == 200
    assert loaded and all(code is not None for code in loaded)  # none compiled again
    assert {path.name: path.read_bytes() for path in cache.iterdir()} == kept

    # Jinja keys a template by name and checks its source: a changed source is compiled anew.
    from jinja2 import DictLoader, Environment, FileSystemBytecodeCache

    environment = Environment(loader=DictLoader({"page": "one"}), autoescape=True,
                              bytecode_cache=FileSystemBytecodeCache(str(cache)))
    assert environment.get_template("page").render() == "one"
    changed = Environment(loader=DictLoader({"page": "two"}), autoescape=True,
                          bytecode_cache=FileSystemBytecodeCache(str(cache)))
    assert changed.get_template("page").render() == "two"

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level("WARNING"):
        third = create_app({"SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"],
                            "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                            "TEMPLATE_CACHE": str(blocked / "templates")})
    assert third.jinja_env.bytecode_cache is None
    assert "templates are not cached" in caplog.text
    assert third.test_client().get("/").status_code == 200


def test_every_route_builds_the_url_werkzeug_builds_and_compiles_only_when_used(app):
    from werkzeug.routing import Map, Rule

    plain = Map([Rule(rule.rule, endpoint=rule.endpoint, defaults=rule.defaults)
                 for rule in app.url_map.iter_rules()])
    ours, theirs = app.url_map.bind("venue.example"), plain.bind("venue.example")
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    assert all(rule.__dict__["_build_unknown"].__name__ == "build_when_first_used"
               for rule in rules), "a rule's builder was compiled before it built a URL"
    def sample(converter):
        if hasattr(converter, "items"):  # any(…)
            return sorted(converter.items)[0]
        return 7 if type(converter).__name__ in ("IntegerConverter", "NumberConverter") \
            else "a b/ц"

    for rule in rules:
        values = {name: sample(rule._converters[name])
                  for name in rule.arguments if name not in (rule.defaults or {})}
        values["next"] = "/x?y=1"
        assert ours.build(rule.endpoint, values) == theirs.build(rule.endpoint, values), rule
        assert rule.__dict__["_build_unknown"].__name__ != "build_when_first_used"
