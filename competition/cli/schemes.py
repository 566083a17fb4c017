"""`competition export scheme CODE -o FILE.xlsx`: a skill's marking scheme as a CIS workbook.

The layout is the one `competition import scheme` reads (docs/scheme.md, "The CIS workbook"):
importing the file back gives the same scheme. The command attaches to the `export` group of
data.py.
"""

from __future__ import annotations

import os
import tempfile

import click
from flask.cli import with_appcontext

from .data import export
from .errors import CommandError, skill_named


@export.command("scheme")
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The .xlsx file to write.")
@click.option("--championship", "championship_code",
              help="The championship, when skill codes repeat across championships.")
@click.option("--lang", type=click.Choice(["auto", "en", "ru"]), default="auto",
              show_default=True,
              help="The workbook's language (auto: the language of the scheme's descriptions).")
@with_appcontext
def export_scheme_command(code: str, output: str, championship_code: str | None,
                          lang: str) -> None:
    """Write skill CODE's marking scheme as a CIS workbook (.xlsx)."""
    from ..registry.scheme.cis import export_cis

    if not output.lower().endswith(".xlsx"):
        raise CommandError(f"{output}: the CIS workbook is an .xlsx file; name it so")
    skill = skill_named(code, championship_code)
    content = export_cis(skill, None if lang == "auto" else lang)
    # Written whole or not at all: a temporary file beside the target, then renamed.
    folder = os.path.dirname(os.path.abspath(output))
    with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False, suffix=".tmp") as handle:
        handle.write(content)
    os.replace(handle.name, output)
    aspects = sum(len(s.aspects) for c in skill.criteria for s in c.sub_criteria)
    click.echo(f"Skill {code}: marking scheme ({len(skill.criteria)} criteria, {aspects} "
               f"aspects) written to {output} (CIS workbook)", err=True)
