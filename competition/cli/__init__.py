"""The `competition` command (docs/api.md): the root group and its commands, by group.

  server     run, serve                 data       db, demo, export, backup, restore, simulate
  schemes    export scheme (CIS workbook)
  documents  certificates               accounts   user, token
  imports    import                     evaluate   evaluate
  errors     how every command fails    progress   the one progress bar of long commands

Every command fails with one line saying what is wrong and what to do, and a non-zero exit
status; a traceback is never what a user sees (errors.py). Nothing outside this package imports
it: the commands call the services and translate their errors, never the other way round.
"""

from __future__ import annotations

import sys

from ..serve import patch_before_imports

# `serve` runs on gevent, which must patch the standard library before anything below imports
# socket, ssl or threading.
patch_before_imports(sys.argv)

import importlib  # noqa: E402
import logging  # noqa: E402

import click  # noqa: E402
from flask.cli import ScriptInfo  # noqa: E402

from .. import create_app  # noqa: E402

# schemes: adds `export scheme` to data.export when imported
from . import accounts, data, documents, errors, evaluate, imports, schemes, server  # noqa: E402,F401

__all__ = ["cli", "main"]


class Commands(click.Group):
    """The root group: `db` (Flask-Migrate's group, which imports Alembic and SQLAlchemy, most
    of a second) is loaded only when it is the command run, so `competition --help` and
    `competition evaluate` start in a fraction of that (bench/bench_startup.py)."""

    LAZY = {"db": ("flask_migrate.cli", "db",
                   "Create or upgrade the database (Alembic migrations: upgrade, current…).")}

    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx, name):
        if name in self.LAZY and name not in self.commands:
            module, attribute, _help = self.LAZY[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            if name in self.LAZY and name not in self.commands:
                rows.append((name, self.LAZY[name][2]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="competition", prog_name="competition")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Live scoring for skills championships (WorldSkills and Abilympics style)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    migrations = logging.getLogger("alembic.runtime.migration")
    migrations.setLevel(logging.INFO)
    migrations.addFilter(lambda record: record.getMessage().startswith("Running "))
    ctx.obj = ScriptInfo(create_app=lambda: create_app(), set_debug_flag=False)


for command in (
    server.run, server.serve,
    data.demo, data.export, data.backup_command, data.restore_command,
    data.simulate,
    documents.certificates,
    accounts.user, accounts.token,
    imports.import_group,
    evaluate.evaluate_command,
):
    cli.add_command(command)
del command


def main(argv: list[str] | None = None) -> None:
    """The console script and `python -m competition`: run the command line and exit."""
    errors.run_and_exit(cli, argv)
