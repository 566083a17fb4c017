"""How the `competition` command fails: one line on stderr, `error: ` first, and an exit status.

A command that refuses raises `CommandError` (status 1, or the one it gives); the commands
translate the domain's own errors into it where they catch them. `run_and_exit` is the one
place that turns whatever a command raised into that line and status: click's usage errors
(status 2) keep their own text, Ctrl+C exits 130, and anything unexpected is explained in one
line by `explain` (status 1) — a traceback is never what a user sees.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def one_line(message: str) -> str:
    """The message with every run of whitespace (newlines too) made one space."""
    return " ".join(str(message).split())


class CommandError(click.ClickException):
    """What is wrong and what to do, on one line; exit status 1 unless `exit_code` says."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def line(self) -> str:
        return one_line(self.format_message())

    def show(self, file=None) -> None:
        click.echo(f"error: {self.line()}", err=True)


class InputError(CommandError):
    """A refusal that quotes what it was given (a file's name, a value, an error's text):
    printed as it is, so that what it quotes keeps its spaces."""

    def line(self) -> str:
        return self.format_message()


def skill_named(code: str, championship_code: str | None = None):
    """The skill of `--skill CODE [--championship CODE]` (or CHAMPIONSHIP/CODE), found as the
    web and the API find it (competition/lookup.py); CommandError saying what to type else."""
    from flask_babel import force_locale

    from ..errors import DomainError
    from ..lookup import find_skill

    with force_locale("en"):
        try:
            return find_skill(code, championship_code)
        except DomainError as error:
            raise CommandError(error.message) from None


def explain(error: BaseException) -> str:
    """A one-line explanation of an unexpected failure."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from ..config import SettingError

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


def run_and_exit(command: click.Command, argv: list[str] | None) -> NoReturn:
    """Run the command line `argv` (default: the process's) and exit with its status."""
    try:
        status = command.main(args=argv, prog_name="competition", standalone_mode=False)
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
        click.echo(f"error: {one_line(explain(error))}", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
