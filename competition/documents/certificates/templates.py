"""The organizers' certificate templates: HTML of one page and CSS, one per kind (else the
shipped default), run in a sandbox; `check_template` says why one cannot be saved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ...extensions import db
from ...models import DocumentTemplate
from ...paths import resource_dir
from .pages import sample_context

MAX_TEMPLATE = 100_000  # characters of HTML or CSS an organizer may save


def _environment() -> ImmutableSandboxedEnvironment:
    """Organizers' templates run here: no access to Python internals, no files, no imports
    (there is no loader), nothing mutable; an unknown variable is an error, not a blank."""
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined,
                                         trim_blocks=True, lstrip_blocks=True)


SANDBOX = _environment()


def default_template() -> tuple[str, str]:
    """The shipped template (HTML of one page, CSS), the starting point of every kind."""
    folder = Path(resource_dir("templates")) / "documents"
    return ((folder / "certificate.html").read_text(encoding="utf-8"),
            (folder / "certificate.css").read_text(encoding="utf-8"))


@dataclass
class Template:
    kind: str
    html: str
    css: str
    custom: bool

    def compile(self):
        return SANDBOX.from_string(self.html)


def template_for(championship_id: int, kind: str) -> Template:
    row = db.session.execute(sa.select(DocumentTemplate).where(
        DocumentTemplate.championship_id == championship_id,
        DocumentTemplate.kind == kind)).scalar_one_or_none()
    if row is not None:
        return Template(kind, row.html, row.css, True)
    html, css = default_template()
    return Template(kind, html, css, False)


def check_template(html: str, css: str) -> str | None:
    """Why this template cannot be saved (None if it can): too long, or it does not render
    a sample certificate."""
    if len(html) > MAX_TEMPLATE or len(css) > MAX_TEMPLATE:
        return str(_l("The template is too long (at most %(n)s characters).", n=MAX_TEMPLATE))
    if "</style" in css.lower():
        return str(_l("The CSS may not contain “</style>”."))
    try:
        SANDBOX.from_string(html).render(sample_context())
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        where = " (" + str(_l("line %(n)s", n=line)) + ")" if line else ""
        return str(_l("The template does not work: %(error)s", error=str(error) + where))
    return None
