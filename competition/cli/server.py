"""`competition run` (the development server) and `competition serve` (the production server).

`serve` runs on gevent: the package patched the standard library before importing this module
(competition/cli/__init__.py, competition/serve.py).
"""

from __future__ import annotations

import logging
import socket
import sys

import click
from flask.cli import with_appcontext

from .. import create_app
from .data import upgrade_database
from .errors import CommandError


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def run(host: str, port: int) -> None:
    """Start the development server (with websockets); creates/migrates the database first."""
    from pathlib import Path

    from flask import current_app

    from ..extensions import socketio

    if not _port_is_free(host, port):
        raise CommandError(
            f"port {port} on {host} is in use; stop what runs there or pass --port NUMBER"
        )
    upgrade_database()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    click.echo(f"competition is running (Ctrl+C stops it):\n  home page: {base}/\n"
               f"  log in:    {base}/login")
    accounts = Path(current_app.instance_path) / "demo-accounts.txt"
    if accounts.exists():
        click.echo(f"  demo accounts: {accounts}")
    # The URLs are printed above; Werkzeug's own banner and request lines are noise here.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from .. import tasks
    from ..documents.render import warm_in_background

    warm_in_background(current_app._get_current_object())
    tasks.warm_in_background(current_app._get_current_object())  # the workers' fork server
    socketio.run(current_app._get_current_object(), host=host, port=port, debug=False,
                 use_reloader=False, log_output=False, allow_unsafe_werkzeug=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every network of this computer).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--bind", metavar="HOST:PORT",
              help="Address and port to listen on, e.g. 127.0.0.1:5000 (instead of --host "
                   "and --port).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the address; more than 1 needs PostgreSQL, "
                   "COMPETITION_MESSAGE_QUEUE and COMPETITION_SECRET_KEY.")
@click.option("--worker", "is_worker", is_flag=True, hidden=True)
def serve(host: str, port: int, bind: str | None, workers: int, is_worker: bool) -> None:
    """Start the production server (gevent, websockets); creates/migrates the database first."""
    import os

    from .. import serve as production
    from ..extensions import db

    if not production.gevent_is_patched():
        raise CommandError("the production server must be started as `competition serve` "
                           "(or `python -m competition serve`), not from inside another program")
    if bind:
        try:
            host, port = production.parse_bind(bind)
        except ValueError as error:
            raise CommandError(str(error)) from None
    if is_worker:
        _serve_worker(host, port)
        return
    database_url = os.environ.get("COMPETITION_DATABASE_URL") or "sqlite:"
    problem = production.scale_out_problem(workers, os.environ, database_url)
    if problem:
        raise CommandError(problem)
    if not _port_is_free(host, port):
        raise CommandError(
            f"port {port} on {host} is in use; stop what runs there or pass --port NUMBER"
        )
    app = _gevent_app()
    with app.app_context():
        upgrade_database()
        if workers > 1:
            db.engine.dispose()  # the workers open their own connections
    if workers > 1:
        problem = production.message_queue_problem(app.config["MESSAGE_QUEUE"])
        if problem:
            raise CommandError(problem)
    files = production.raise_open_files_limit()  # the workers inherit the limit
    _serve_banner(app, host, port, workers, files)
    if workers == 1:
        _serve_process(app, (host, port))
        return
    command = [sys.executable, "-m", "competition", "serve",
               "--bind", production.bind_text(host, port), production.WORKER_OPTION]
    supervisor = production.Supervisor(command, workers, lambda line: click.echo(line, err=True))
    failure = supervisor.run()
    if failure:
        raise CommandError(failure)


def _gevent_app():
    """The app for a gevent server process, once its database driver waits cooperatively."""
    from .. import frames
    from .. import serve as production
    from ..extensions import db, socketio

    app = create_app({"ASYNC_MODE": "gevent"})
    frames.install(socketio.server)  # a broadcast is framed once for all its viewers
    with app.app_context():
        try:
            production.check_database_driver(db.engine)
        except RuntimeError as error:
            raise CommandError(str(error)) from None
    return app


def _serve_banner(app, host: str, port: int, workers: int, files: int) -> None:
    from pathlib import Path

    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    processes = f"{workers} worker processes" if workers > 1 else "gevent"
    stops = "Ctrl+C stops them all" if workers > 1 else "Ctrl+C stops it"
    click.echo(f"competition is serving on {host}:{port} ({processes}; {stops}):\n"
               f"  home page: {base}/\n  log in:    {base}/login")
    if workers > 1:
        click.echo("  each worker runs gevent; clients must use the websocket transport "
                   "(docs/deployment.md)")
    accounts = Path(app.instance_path) / "demo-accounts.txt"
    if accounts.exists():
        click.echo(f"  demo accounts: {accounts}")
    if files < 4096:
        click.echo(f"warning: at most {files} open files: each viewer takes two, so about "
                   f"{files // 2 - 50} viewers fit; raise the limit (`ulimit -n`, systemd "
                   "LimitNOFILE=)", err=True)


def _serve_process(app, listener, worker: bool = False) -> None:
    """Serve `app` in this process (gevent) on `listener`, an address or a socket."""
    from .. import serve as production

    # Outermost, so that it sees the websocket handshake before Socket.IO does.
    app.wsgi_app = production.WithoutWebsocketCompression(app.wsgi_app)
    production.tune_garbage_collector()
    production.serve_app(app, listener, worker=worker)


def _serve_worker(host: str, port: int) -> None:
    """One of `serve --workers N`'s processes: the supervisor migrated the database."""
    import os

    from .. import serve as production

    app = _gevent_app()
    try:
        listener = production.shared_listener(host, port)
    except OSError as error:
        raise CommandError(f"worker {os.getpid()} cannot listen on {host}:{port}: "
                           f"{error.strerror or error}") from None
    production.raise_open_files_limit()
    click.echo(f"worker {os.getpid()} serving on {production.bind_text(host, port)}", err=True)
    _serve_process(app, listener, worker=True)
