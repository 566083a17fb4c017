"""`competition import KIND FILE`: the same import as the web page, from the command line.

Prints what the file would create and update (--dry-run: and stops there), or every error of
the file, one line each (sheet, row, column, value, what was expected), and exits with status 1
without writing anything.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from . import progress
from .errors import CommandError, InputError


@click.group("import")
def import_group() -> None:
    """Import organizations, competitors, experts or a marking scheme (.xlsx or .csv).

    Column names are documented in docs/imports.md (English keys; the Russian and Kazakh names
    are accepted too). A file with any error is not imported at all.
    """


def _make_command(kind: str, help_text: str, needs: str):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option("--skill", "skill_code", required=needs == "skill",
                  help="The skill's code (competitors, scheme; for experts: its championship).")
    @click.option("--championship", "championship_code",
                  help="The championship's code, when codes repeat across championships.")
    @click.option("--dry-run", is_flag=True,
                  help="Check the file and show what would change; write nothing.")
    @click.option("--lang", type=click.Choice(["en", "ru", "kk"]), default="en",
                  show_default=True, help="The language of the messages.")
    @with_appcontext
    def command(file: str, skill_code: str | None, championship_code: str | None,
                dry_run: bool, lang: str) -> None:
        from flask_babel import force_locale

        with force_locale(lang):
            _run(kind, Path(file), skill_code, championship_code, dry_run)

    command.__doc__ = help_text
    return import_group.command(kind)(command)


def _run(kind: str, path: Path, skill_code: str | None, championship_code: str | None,
         dry_run: bool) -> None:
    from ..errors import Invalid
    from ..registry.imports import service

    if kind not in service.importers():
        raise CommandError(f"the {kind} import is not available in this version")
    importer = service.importer_for(kind)
    try:
        target = service.resolve_target(importer, championship_code, skill_code)
    except Invalid as error:
        raise CommandError(str(error)) from None
    data = path.read_bytes()
    where = f" → {target.describe()}" if target.describe() else ""
    try:
        if dry_run:
            report = service.preview(importer, target, path.name, data,
                                     progress=progress.import_rows)
            if report.errors:
                raise service.ImportFailed(report)
        else:
            report = service.run_import(importer, target, path.name, data,
                                        progress=progress.import_rows)
    except service.ImportFailed as failed:
        errors = failed.report.errors
        for error in errors:
            click.echo(error.as_line())
        noun = "error" if len(errors) == 1 else "errors"
        # The report is printed above (stdout); the summary names the file as it is.
        raise InputError(f"{len(errors)} {noun} in {path.name}; nothing was imported") from None
    for warning in report.plan.warnings if report.plan else ():
        click.echo(f"warning: {warning.as_line()}")  # imported all the same
    counts = report.counts()
    verb = ("would create {create}, update {update}, leave {unchanged} unchanged "
            "(dry run: nothing written)" if dry_run else
            "created {create}, updated {update}, {unchanged} unchanged")
    click.echo(f"{path.name}{where}: {report.rows} rows; {kind} " + verb.format(**counts))
    if dry_run:
        for item in report.plan.items:
            if item.action != "unchanged":
                changes = "; ".join(f"{key}: {old or '—'} → {new or '—'}"
                                    for key, (old, new) in item.changes.items())
                click.echo(f"  {item.action} {item.code} {item.label}"
                           + (f" ({changes})" if changes and item.action == "update" else ""))


_make_command("organizations", "Import organizations (updated by code).", "none")
_make_command("competitors", "Import the competitors of one skill (--skill CODE).", "skill")
_make_command("experts", "Import experts and their roles per skill (one row per expert and "
                         "skill) into a championship.", "championship")
_make_command("scheme", "Import a skill's marking scheme (--skill CODE).", "skill")
