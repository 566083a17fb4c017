"""The commands of the data: `db` (Flask-Migrate's), `demo`, `export skill`, `backup`, `restore`
and `simulate` (demo judges entering marks into a running server)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from . import progress
from .errors import CommandError, one_line, skill_named

__all__ = ["backup_command", "demo", "export", "restore_command", "simulate",
           "upgrade_database"]


def upgrade_database() -> None:
    """Create or migrate the database to the newest schema (inside an app context)."""
    from flask_migrate import upgrade

    upgrade()


@click.command("demo")
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

    from ..registry import demo as demo_loader

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
    summary = demo_loader.load_demo(replace=force, progress=progress.over)
    accounts = demo_loader.create_demo_accounts()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(demo_loader.format_accounts(accounts))
    target.chmod(0o600)
    click.echo(summary)
    click.echo(f"Demo accounts (also written to {target}):")
    click.echo(demo_loader.format_accounts(accounts).rstrip())


@click.group("export")
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
    """Write skill CODE's scheme, competitors, policy and current marks (docs/rules.md)."""
    import json
    import os
    import tempfile

    from ..standings import skill_document

    document = skill_document(skill_named(code, championship_code))
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


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "file_format", type=click.Choice(["auto", "json"]), default="auto",
              show_default=True, help="json: the portable dump, restorable into SQLite and "
              "PostgreSQL (auto: a SQLite copy, or pg_dump's custom format).")
@with_appcontext
def backup_command(file: str, file_format: str) -> None:
    """Write the whole database to FILE (safe while the server runs)."""
    from ..backup import BackupError
    from ..backup.write import backup

    try:
        summary = backup(file, portable=file_format == "json", progress=progress.bar,
                         notify=lambda note: click.echo(f"note: {note}", err=True))
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(summary)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the data of a database that is not empty.")
@with_appcontext
def restore_command(file: str, yes: bool) -> None:
    """Replace the database's data with the backup in FILE (stop the server first)."""
    from ..backup import BackupError
    from ..backup.restore import restore

    try:
        summary = restore(file, replace=yes, progress=progress.bar)
    except BackupError as error:
        raise CommandError(str(error)) from None
    click.echo(summary)


@click.command("simulate")
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
    from ..simulate import SimulationError
    from ..simulate.driver import simulate as run_simulation

    try:
        summary = run_simulation(url, rate, skills.split(","), championship_code,
                                 until_complete, show, seed, progress.bar, click.echo)
    except SimulationError as error:
        raise CommandError(str(error)) from None
    done = f"{summary.marks} marks entered in {summary.seconds:.1f} s"
    achieved = summary.achieved
    if achieved:
        done += f", at {achieved:.1f}/s of the {rate:g}/s asked"
    if summary.acks:
        done += (f" (acknowledged in {summary.ack_ms(0.5):.0f} ms at p50, "
                 f"{summary.ack_ms(0.99):.0f} ms at p99)")
    done += f"; disputes: {summary.disputes}, re-marked: {summary.remarks}"
    if achieved < 0.95 * rate and summary.marks >= 2 * rate:  # two seconds' worth at least
        click.echo(f"warning: the server took {achieved:.1f} marks a second, short of the "
                   f"{rate:g} asked: it acknowledged them in {summary.ack_ms(0.99):.0f} ms "
                   f"(p99), and at most {summary.window} marks await an answer at once",
                   err=True)
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
