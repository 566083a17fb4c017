"""The `competition` command.

Every command fails with one line saying what is wrong and what to do, and a non-zero exit
status; a traceback is never what a user sees.
"""

from __future__ import annotations

import sys

from .serve import patch_before_imports

# `serve` runs on gevent, which must patch the standard library before anything below imports
# socket, ssl or threading.
patch_before_imports(sys.argv)

import logging  # noqa: E402
import socket  # noqa: E402

import click  # noqa: E402
from flask.cli import ScriptInfo, with_appcontext  # noqa: E402
from flask_migrate.cli import db as db_group  # noqa: E402

from . import create_app  # noqa: E402
from .cli_evaluate import evaluate_command  # noqa: E402
from .registry.imports.cli import import_group  # noqa: E402


class CommandError(click.ClickException):
    """One line for the user; exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {one_line(self.format_message())}", err=True)


def one_line(message: str) -> str:
    return " ".join(str(message).split())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="competition", prog_name="competition")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Live scoring for skills championships (WorldSkills and Abilympics style)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    migrations = logging.getLogger("alembic.runtime.migration")
    migrations.setLevel(logging.INFO)
    migrations.addFilter(lambda record: record.getMessage().startswith("Running "))
    ctx.obj = ScriptInfo(create_app=lambda: create_app(), set_debug_flag=False)


cli.add_command(db_group)
cli.add_command(evaluate_command)
cli.add_command(import_group)


def upgrade_database() -> None:
    """Create or migrate the database to the newest schema (inside an app context)."""
    from flask_migrate import upgrade

    upgrade()


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def run(host: str, port: int) -> None:
    """Start the development server (with websockets); creates/migrates the database first."""
    from pathlib import Path

    from flask import current_app

    from .extensions import socketio

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
    socketio.run(current_app._get_current_object(), host=host, port=port, debug=False,
                 use_reloader=False, log_output=False, allow_unsafe_werkzeug=True)


@cli.command()
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

    from . import serve as production
    from .extensions import db

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
    from . import serve as production
    from .extensions import db

    app = create_app({"ASYNC_MODE": "gevent"})
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
    from . import serve as production

    # Outermost, so that it sees the websocket handshake before Socket.IO does.
    app.wsgi_app = production.WithoutWebsocketCompression(app.wsgi_app)
    production.tune_garbage_collector()
    production.serve_app(app, listener, worker=worker)


def _serve_worker(host: str, port: int) -> None:
    """One of `serve --workers N`'s processes: the supervisor migrated the database."""
    import os

    from . import serve as production

    app = _gevent_app()
    try:
        listener = production.shared_listener(host, port)
    except OSError as error:
        raise CommandError(f"worker {os.getpid()} cannot listen on {host}:{port}: "
                           f"{error.strerror or error}") from None
    production.raise_open_files_limit()
    click.echo(f"worker {os.getpid()} serving on {production.bind_text(host, port)}", err=True)
    _serve_process(app, listener, worker=True)


@cli.command()
@click.option("--force", is_flag=True, help="Replace whatever the database holds.")
@click.option("--if-empty", is_flag=True,
              help="Load only into an empty database; otherwise do nothing (for `make run`).")
@click.option("--accounts", "accounts_file", type=click.Path(dir_okay=False),
              help="Where to write the demo accounts (default: instance/demo-accounts.txt).")
@with_appcontext
def demo(force: bool, if_empty: bool, accounts_file: str | None) -> None:
    """Load the demo championship of East Kazakhstan (and demo accounts)."""
    from pathlib import Path

    from flask import current_app

    from .registry import demo as demo_loader

    upgrade_database()
    target = Path(accounts_file or Path(current_app.instance_path) / "demo-accounts.txt")
    if not demo_loader.database_is_empty():
        if if_empty:
            click.echo("The database already holds data; the demo was not loaded again.")
            if target.exists():
                click.echo(f"Demo accounts: {target}")
                click.echo(target.read_text().rstrip())
            return
        if not force:
            raise CommandError(
                "the database is not empty; run `competition demo --force` to replace its data"
            )
    summary = demo_loader.load_demo(replace=force, progress=_progress_bar)
    accounts = demo_loader.create_demo_accounts()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(demo_loader.format_accounts(accounts))
    target.chmod(0o600)
    click.echo(summary)
    click.echo(f"Demo accounts (also written to {target}):")
    click.echo(demo_loader.format_accounts(accounts).rstrip())


def _progress_bar(items, label: str):
    return click.progressbar(items, label=label, file=sys.stderr)


@cli.group()
def export() -> None:
    """Export data for auditors and other tools."""


@export.command("skill")
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="The file to write (\"-\" is standard output).")
@click.option("--championship", "championship_code",
              help="The championship, when skill codes repeat across championships.")
@with_appcontext
def export_skill(code: str, output: str, championship_code: str | None) -> None:
    """Write skill CODE's scheme, competitors, policy and current marks (RULES.md format)."""
    import json
    import os
    import tempfile

    from .board.standings import skill_document
    from .registry.lookup import NotFound, find_skill

    try:
        document = skill_document(find_skill(code, championship_code))
    except NotFound as error:
        raise CommandError(str(error)) from None
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output == "-":
        click.echo(text, nl=False)
        return
    # Written whole or not at all: a temporary file beside the target, then renamed.
    folder = os.path.dirname(os.path.abspath(output))
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, output)
    click.echo(f"Skill {code}: {len(document['marks'])} marks written to {output}", err=True)


def _length_bar(length: int, label: str):
    return click.progressbar(length=length, label=label, file=sys.stderr)


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "file_format", type=click.Choice(["auto", "json"]), default="auto",
              show_default=True, help="json: the portable dump, restorable into SQLite and "
              "PostgreSQL (auto: a SQLite copy, or pg_dump's custom format).")
@with_appcontext
def backup_command(file: str, file_format: str) -> None:
    """Write the whole database to FILE (safe while the server runs)."""
    from . import backup as backups

    try:
        summary = backups.backup(file, portable=file_format == "json", progress=_length_bar,
                                 notify=lambda note: click.echo(f"note: {note}", err=True))
    except backups.BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(summary)


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the data of a database that is not empty.")
@with_appcontext
def restore_command(file: str, yes: bool) -> None:
    """Replace the database's data with the backup in FILE (stop the server first)."""
    from . import backup as backups

    try:
        summary = backups.restore(file, replace=yes, progress=_length_bar)
    except backups.BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(summary)


@cli.command()
@click.argument("championship_code", metavar="CHAMPIONSHIP")
@click.option("--skill", "skill_code", help="Only this skill (default: every published skill).")
@click.option("--kinds", default="medals,participation,expert,award", show_default=True,
              help="Which certificates: medals, participation, expert, award (comma-separated).")
@click.option("--zip", "as_zip", is_flag=True, help="A ZIP of one PDF per person.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The file to write (PDF, or ZIP with --zip).")
@click.option("--base-url", help="The server's public address, for the QR codes "
              "(default: COMPETITION_PUBLIC_URL).")
@with_appcontext
def certificates(championship_code: str, skill_code: str | None, kinds: str, as_zip: bool,
                 output: str, base_url: str | None) -> None:
    """Issue and print the certificates of CHAMPIONSHIP (published results only)."""
    import shutil

    import sqlalchemy as sa
    from flask import current_app

    from .database import write_transaction
    from .documents.certificates import GROUPS
    from .documents.worker import batch_path, run_batch
    from .extensions import db
    from .models import Championship, DocumentBatch
    from .registry.lookup import NotFound, find_skill

    championship = db.session.execute(sa.select(Championship).where(
        Championship.code == championship_code)).scalar_one_or_none()
    if championship is None:
        raise CommandError(f"no championship {championship_code!r}")
    groups = [k.strip() for k in kinds.split(",") if k.strip()]
    unknown = [k for k in groups if k not in GROUPS]
    if unknown or not groups:
        raise CommandError(f"--kinds: {', '.join(unknown) or 'nothing chosen'}; choose from "
                           f"{', '.join(GROUPS)}")
    try:
        skill = find_skill(skill_code, championship_code) if skill_code else None
    except NotFound as error:
        raise CommandError(str(error)) from None
    base_url = base_url or current_app.config.get("PUBLIC_URL")
    if not base_url:
        raise CommandError("give --base-url (the address the QR codes lead to) or set "
                           "COMPETITION_PUBLIC_URL")
    with write_transaction() as session:
        batch = DocumentBatch(championship_id=championship.id,
                              skill_id=skill.id if skill else None, kinds=",".join(groups),
                              output="zip" if as_zip else "pdf", status="queued",
                              base_url=base_url)
        session.add(batch)
        session.flush()
        batch_id = batch.id
    bar = None

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar
        if bar is None and total > 1:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    with current_app.test_request_context("/"):
        batch = run_batch(batch_id, progress)
    if bar is not None:
        bar.__exit__(None, None, None)
    if batch.status != "done":
        raise CommandError(batch.error or "printing failed")
    shutil.copyfile(batch_path(batch), output)
    click.echo(f"{batch.documents} certificates written to {output}", err=True)


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("login")
@click.option("--role", required=True,
              type=click.Choice(["admin", "organizer", "chief", "expert", "competitor"]))
@click.option("--expert", "expert_code", help="The expert's code (chief and expert accounts).")
@click.option("--competitor", "competitor_code",
              help="The competitor's code, as SKILL/CODE when codes repeat across skills.")
@click.option("--championship", "championship_code",
              help="The championship, when expert codes repeat across championships.")
@click.option("--locale", type=click.Choice(["ru", "kk", "en"]))
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
@with_appcontext
def user_add(login, role, expert_code, competitor_code, championship_code, locale,
             password_stdin) -> None:
    """Create an account."""
    from .auth.service import AccountError, add_user
    from .database import write_transaction
    from .registry.lookup import NotFound, find_competitor, find_expert

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password on standard input; pipe it in, e.g. "
                           "`echo \"$PASSWORD\" | competition user add ... --password-stdin`")
    try:
        with write_transaction():
            expert = (find_expert(expert_code, championship_code)
                      if expert_code else None)
            competitor = find_competitor(competitor_code) if competitor_code else None
            add_user(login, role, password, expert=expert, competitor=competitor,
                     locale=locale)
    except (AccountError, NotFound) as error:
        raise CommandError(str(error)) from None
    click.echo(f"Account {login} ({role}) created.")


@cli.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("login")
@click.option("--label", default="", help="What the token is for (shown in the token list).")
@with_appcontext
def token_create(login: str, label: str) -> None:
    """Print a new bearer token for LOGIN's account (shown once; keep it secret)."""
    from .auth.service import AccountError, create_token

    try:
        click.echo(create_token(login, label))
    except AccountError as error:
        raise CommandError(str(error)) from None


@cli.command()
@click.option("--url", default="http://localhost:5000", show_default=True,
              help="The running server (`make run`, `competition run` or `serve`).")
@click.option("--rate", default=5.0, show_default=True, type=click.FloatRange(0.1, 1000),
              help="Marks per second, all judges together.")
@click.option("--skills", "skills", default="", metavar="CODES",
              help="Comma-separated skills, e.g. 10,04 (default: every skill).")
@click.option("--championship", "championship_code",
              help="The championship, when skill codes repeat across championships (without "
                   "--skills: its skills only).")
@click.option("--until-complete", is_flag=True,
              help="Go on until every mark of the skills is in and no dispute is open, also "
                   "after marks others withdrew or disputes they opened meanwhile.")
@click.option("--show", is_flag=True, help="Set the skills' boards to live first.")
@click.option("--seed", type=int, help="Random seed, for a repeatable run.")
@with_appcontext
def simulate(url: str, rate: float, skills: str, championship_code: str | None,
             until_complete: bool, show: bool, seed: int | None) -> None:
    """Demo judges enter marks into a running server, as tablets do, so that boards move.

    Run it beside the server with the same COMPETITION_INSTANCE / COMPETITION_DATABASE_URL:
    it makes the judges' API tokens in that database (and an account, without a password, for
    each expert who has none). The marks are real: for the demo, never a real championship.
    """
    from .simulate import SimulationError
    from .simulate import simulate as run_simulation

    def bar(length: int, label: str):
        return click.progressbar(length=length, label=label, file=sys.stderr)

    try:
        summary = run_simulation(url, rate, skills.split(","), championship_code,
                                 until_complete, show, seed, bar, click.echo)
    except SimulationError as error:
        raise CommandError(str(error)) from None
    rate_done = summary.marks / summary.seconds if summary.seconds else 0
    done = (f"{summary.marks} marks entered in {summary.seconds:.1f} s ({rate_done:.1f}/s); "
            f"disputes: {summary.disputes}, re-marked: {summary.remarks}")
    if summary.taken:
        done += f"; {summary.taken} cells were marked by others meanwhile"
    if summary.refused:
        counts = ", ".join(f"{code} {count}" for code, count in sorted(summary.refused.items()))
        click.echo(f"warning: the server refused marks ({counts}); first: "
                   f"{one_line(summary.first_refusal)}", err=True)
    if summary.interrupted:
        click.echo(f"Stopped (Ctrl+C): {done}.")
        sys.exit(130)
    missing = summary.left + summary.unreachable
    if missing and until_complete:
        raise CommandError(f"{missing} marks could not be entered ({summary.unreachable} of "
                           "them no judge may enter: signed-off sub-criteria, compatriots or "
                           f"marking teams); {done}")
    if not (summary.marks or summary.refused or summary.taken or missing):
        click.echo("Every mark of these skills is in already; nothing to do.")
        return
    click.echo(f"Done: {done}.")
    if missing:
        click.echo(f"{missing} marks are still missing; run again, or with --until-complete.")


def _explain(error: BaseException) -> str:
    """A one-line explanation of an unexpected failure."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from .config import SettingError

    if isinstance(error, SettingError):
        return str(error)
    if isinstance(error, OperationalError):
        return (f"the database cannot be used ({error.orig}); check COMPETITION_DATABASE_URL "
                "and that the database server is running")
    if isinstance(error, SQLAlchemyError):
        return f"the database refused the operation ({type(error).__name__}: {error.orig})"
    if isinstance(error, OSError):
        return f"{error.strerror or error} ({error.filename or 'system'})"
    return f"{type(error).__name__}: {error}"


def main(argv: list[str] | None = None) -> None:
    try:
        status = cli.main(args=argv, prog_name="competition", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # the last line of defence: one line, never a traceback
        click.echo(f"error: {one_line(_explain(error))}", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
