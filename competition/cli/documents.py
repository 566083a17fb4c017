"""`competition certificates`: issue and print a championship's certificates."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import progress
from .errors import CommandError, skill_named


@click.command("certificates")
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

    from ..database import write_transaction
    from ..documents.certificates.kinds import GROUPS
    from ..documents.worker import batch_path, run_batch
    from ..extensions import db
    from ..models import Championship, DocumentBatch

    championship = db.session.execute(sa.select(Championship).where(
        Championship.code == championship_code)).scalar_one_or_none()
    if championship is None:
        raise CommandError(f"no championship {championship_code!r}")
    groups = [k.strip() for k in kinds.split(",") if k.strip()]
    unknown = [k for k in groups if k not in GROUPS]
    if unknown or not groups:
        raise CommandError(f"--kinds: {', '.join(unknown) or 'nothing chosen'}; choose from "
                           f"{', '.join(GROUPS)}")
    skill = skill_named(skill_code, championship_code) if skill_code else None
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
    with progress.Steps() as steps, current_app.test_request_context("/"):
        batch = run_batch(batch_id, steps)
    if batch.status != "done":
        raise CommandError(batch.error or "printing failed")
    shutil.copyfile(batch_path(batch), output)
    click.echo(f"{batch.documents} certificates written to {output}", err=True)
