"""`competition evaluate FILE [FILE ...]`: recompute results from exported skill files.

Pure: files in, one JSON document out (docs/rules.md), no database. On invalid input it
prints one line, `error: FILE: where: what`, on stderr and exits with status 2, having printed
nothing on stdout.
"""

from __future__ import annotations

import json
import sys

import click

from ..errors import Invalid
from ..rules import (
    RulesInputError,
    SkillInput,
    championship_results,
    evaluate_skill,
    loads,
    parse_skill,
    results_to_json,
)
from .errors import InputError

EXIT_INVALID = 2
EXIT_INTERNAL = 1

# A file that cannot be evaluated: Invalid with this code, its message the line to print after
# "error: ".
UNUSABLE = "invalid_skill_file"


@click.command("evaluate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def evaluate_command(files: tuple[str, ...]) -> None:
    """Compute the results of skill files exported by `competition export skill`.

    Prints one JSON document (competition.results/1): every skill in the order given, the
    medal table and Best of Region across them. "-" reads a file from standard input. If any
    file is invalid, prints one line naming the file and the entry at fault on stderr and
    exits with status 2.
    """
    try:
        skills = [_read(name) for name in files]
        evaluated = []
        for shown, skill in skills:
            try:
                evaluated.append(evaluate_skill(skill))
            except RulesInputError as error:
                raise Invalid(f"{shown}: {error.message}", code=UNUSABLE) from None
        document = results_to_json(championship_results(evaluated))
        text = json.dumps(document, indent=2, ensure_ascii=False)
    except Invalid as refused:
        raise InputError(refused.message, exit_code=EXIT_INVALID) from None
    except Exception as error:  # a bug, not the input: still one line, never a traceback
        raise InputError(f"internal error ({type(error).__name__}: {error}); please report it",
                         exit_code=EXIT_INTERNAL) from None
    # UTF-8 whatever the locale: the document is data, not a message for the terminal
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()


def _read(name: str) -> tuple[str, SkillInput]:
    shown = "<stdin>" if name == "-" else click.format_filename(name)
    try:
        if name == "-":
            stdin = sys.stdin
            raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(name, "rb") as file:
                raw = file.read()
    except OSError as error:
        raise Invalid(f"{shown}: cannot read: {error.strerror or error}", code=UNUSABLE) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid(f"{shown}: not UTF-8 text (byte {error.start})", code=UNUSABLE) from None
    try:
        data = loads(text)
    except json.JSONDecodeError as error:
        raise Invalid(
            f"{shown}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            code=UNUSABLE,
        ) from None
    except (ValueError, RecursionError) as error:
        raise Invalid(f"{shown}: not valid JSON: {error}", code=UNUSABLE) from None
    try:
        return shown, parse_skill(data)
    except RulesInputError as error:
        raise Invalid(f"{shown}: {error.message}", code=UNUSABLE) from None

