"""The application factory behind competition.create_app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template
from flask_babel import lazy_gettext
from werkzeug.routing import Rule

from .config import load_config
from .database import configure_engine
from .extensions import babel, csrf, db, login_manager, socketio
from .i18n import select_locale
from .paths import MIGRATIONS_DIR, PACKAGE_DIR, resource_dir


class Route(Rule):
    """A URL rule whose URL builders (for url_for) are compiled when the rule first builds a
    URL, not when it is added. Werkzeug compiles two Python functions per rule as it is added:
    about a tenth of a second for this app's routes, most of the time it takes to make an app,
    which every server, worker and test pays on start, and most rules never build a URL there.
    Matching a request is compiled as before."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        name = "_build_unknown" if append_unknown else "_build"

        def build_when_first_used(rule: Route, **values):
            built = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, name, built)  # from now on the compiled builder is called directly
            return built(**values)

        return build_when_first_used


class Competition(Flask):
    url_rule_class = Route


def build_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    app = Competition(
        "competition",
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(config)
    _cache_templates(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from . import models  # noqa: F401  (register the models with the metadata)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    app.extensions["migrate"] = Migrations(app)
    from .fanout import client_manager

    options = {"async_mode": app.config["ASYNC_MODE"], "message_queue": app.config["MESSAGE_QUEUE"],
               "channel": app.config["MESSAGE_QUEUE_CHANNEL"]}
    manager = client_manager(app.config["MESSAGE_QUEUE"], app.config["MESSAGE_QUEUE_CHANNEL"])
    if manager is not None:
        options["client_manager"] = manager
    socketio.init_app(app, **options)
    from .events import register as register_events

    register_events(socketio)  # on this app's Socket.IO server (init_app made a new one)
    from . import standings
    from .board import screens

    # The read side listens to the write side's after-commit signals (competition/signals.py).
    standings.subscribe()
    screens.subscribe()
    from .documents import signed_pdf

    signed_pdf.subscribe()  # a sign-off keeps its marking form
    from . import security

    security.init_app(app)  # headers on every answer, Socket.IO's polling ones too
    from .board.polling import PolledSnapshots

    # the hall's phones polling a snapshot get its kept answer before Flask (board/polling.py)
    app.wsgi_app = PolledSnapshots(app, app.wsgi_app)
    from .auth.sockets import EventSessions

    app.session_interface = EventSessions()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # "basic", not "strong": tablets change address when the venue Wi-Fi hands them over.
    login_manager.session_protection = "basic"
    login_manager.login_message = lazy_gettext("Log in to open this page.")
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )

    from .auth import bp as auth_bp
    from .board import bp as board_bp
    from .documents import awards_bp, sheets_bp
    from .documents import bp as documents_bp
    from .i18n import bp as i18n_bp
    from .judging import api as api_bp
    from .judging import bp as judging_bp
    from .offline import bp as offline_bp
    from .registry import bp as registry_bp
    from .registry.accounts import bp as accounts_bp
    from .registry.audit import bp as audit_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(sheets_bp)
    app.register_blueprint(awards_bp)
    app.register_blueprint(offline_bp)

    _register_error_pages(app)
    return app


class Migrations:
    """app.extensions["migrate"] until the first migration is run: Flask-Migrate (with Alembic,
    a third of a second of imports) is set up only then, in the commands and tests that
    migrate, not in every server and worker. Its functions (upgrade, downgrade…) find it here
    as they would find it set up at once."""

    def __init__(self, app: Flask):
        self.app = app

    def __getattr__(self, name: str):
        from flask_migrate import Migrate

        Migrate(self.app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
        return getattr(self.app.extensions["migrate"], name)  # Flask-Migrate's own, from now on


def _cache_templates(app: Flask) -> None:
    """Compiled templates kept on disk (TEMPLATE_CACHE): Jinja checks each against its source."""
    from jinja2 import FileSystemBytecodeCache

    folder = Path(app.config["TEMPLATE_CACHE"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a read-only instance folder: templates are compiled per process
        app.logger.warning("templates are not cached in %s: %s", folder, error)
        return
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))


# The JSON API's error codes for HTTP errors (docs/api.md: every error body is {error, message})
API_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 500: "server_error"}
# What an error is called: the title of errors.html, and the message of the API's answer.
ERROR_TITLES = {
    400: lazy_gettext("The request could not be understood"),
    403: lazy_gettext("You may not open this page"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("This action is not available here"),
    413: lazy_gettext("The file is too large"),
    500: lazy_gettext("Something went wrong on the server"),
}


def _register_error_pages(app: Flask) -> None:
    from flask import jsonify, request
    from flask_babel import gettext
    from werkzeug.exceptions import HTTPException

    app.jinja_env.globals["error_titles"] = ERROR_TITLES

    def page(status: int):
        def handler(error):
            # What the error says about itself stays in the answer: a 405's Allow (RFC 9110).
            headers = [(name, value) for name, value in error.get_headers()
                       if name.lower() != "content-type"] \
                if isinstance(error, HTTPException) else []
            if request.path.startswith("/api/"):
                return jsonify(error=API_ERRORS[status], message=str(ERROR_TITLES[status])), \
                    status, headers
            return render_template("errors.html", status=status), status, headers

        return handler

    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, page(status))

    from .errors import DomainError

    @app.errorhandler(DomainError)
    def refused(error: DomainError):
        # A refusal no view caught (a service's finer access rule, a part deleted meanwhile …):
        # JSON for the API, the error page with its reason otherwise.
        status = error.status
        if request.path.startswith("/api/"):
            return jsonify(error=error.code, message=error.message), status
        shown = status if status in ERROR_TITLES else 400
        return render_template("errors.html", status=shown, reason=error.message), status

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError):
        # A form without its session's token: a page left open past the token's life, a session
        # that ended, or a form another site made. Reloading the page gives a fresh token.
        return render_template("errors.html", status=400, reason=gettext(
            "This form has expired or did not come from this site, so nothing was saved. "
            "Reload the page and submit the form again.")), 400
