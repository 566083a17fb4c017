"""The commands of accounts: `user add` and `token create`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .errors import CommandError


@click.group("user")
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
    from ..auth.service import AccountError, add_user
    from ..database import write_transaction
    from ..registry.lookup import NotFound, find_competitor, find_expert
    from ..registry.people.fields import BIDI_CONTROLS, CONTROL_CHARACTERS

    for found in (CONTROL_CHARACTERS.search(login), BIDI_CONTROLS.search(login)):
        if found:  # as the accounts page refuses them
            raise CommandError(f"the login has the invisible character U+{ord(found.group()):04X} "
                               f"at character {found.start() + 1}; type it again without it")
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


@click.group("token")
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("login")
@click.option("--label", default="", help="What the token is for (shown in the token list).")
@with_appcontext
def token_create(login: str, label: str) -> None:
    """Print a new bearer token for LOGIN's account (shown once; keep it secret)."""
    from ..auth.service import AccountError, create_token

    try:
        click.echo(create_token(login, label))
    except AccountError as error:
        raise CommandError(str(error)) from None
