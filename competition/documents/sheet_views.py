"""Staff documents of a skill and a championship: result sheets and the medal table (PDF and
.xlsx), blank marking forms (PDF), and exports of results and marks (.xlsx and CSV).

Organizers print them whatever the public may see (the skill's visibility is printed on the
sheet), so they live under /manage and only staff may open them. PDFs render in a child
process (`render_pdf_isolated`): WeasyPrint would otherwise hold the server's event loop.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _

from ..auth.access import guard
from ..errors import NotFound
from ..extensions import db
from ..judging.signoff import find_sub_criterion
from ..lookup import skill_or_404, skill_ref
from ..models import Championship, Skill
from ..models.base import utcnow
from . import sheets
from .blueprint import sheets_bp
from .render import render_pdf_isolated

guard(sheets_bp, {"organizer", "admin"})

PREFIX = "/manage/sheets"


# --- helpers --------------------------------------------------------------------------------------

def _championship_or_404(code: str) -> Championship:
    found = db.session.execute(
        sa.select(Championship).where(Championship.code == code)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def _download(data: bytes, mimetype: str, filename: str, inline: bool = False):
    disposition = "inline" if inline else "attachment"
    return current_app.response_class(
        data, mimetype=mimetype,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"',
                 "Cache-Control": "no-store"})


def _pdf(template: str, filename: str, **context):
    html = render_template(template, page_counter=_page_counter(),
                           printed_at=format_datetime(utcnow(), "short"), **context)
    return _download(render_pdf_isolated(html).data, "application/pdf", filename, inline=True)


def _page_counter() -> str:
    """CSS `content` for "Page X of Y" in the reader's language."""
    text = _("Page %(page)s of %(pages)s", page="\x01", pages="\x02")
    text = text.replace("<", "").replace(">", "").replace("\n", " ")  # it goes in a <style>
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (quoted.replace("\x01", '" counter(page) "').replace("\x02", '" counter(pages) "')
            .replace('"" ', "").replace(' ""', ""))


def _name(skill: Skill, what: str, extension: str) -> str:
    return f"{what}-{skill.championship.code}-{skill.code}.{extension}"


def _results_or_message(skill: Skill):
    sheet = sheets.results_sheet(skill)
    if sheet is None or sheet.standings.groups is None:
        return None, (render_template("documents/sheets/unavailable.html", skill=skill), 409)
    return sheet, None


@sheets_bp.app_template_global("sheet_ref")
def sheet_ref(skill: Skill) -> str:
    """A skill's reference in the addresses of its sheets (as on the results pages)."""
    return skill_ref(skill)


# --- a skill's results ----------------------------------------------------------------------------

@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/results.pdf")
def results_pdf(ref: str):
    skill = skill_or_404(ref)
    sheet, refused = _results_or_message(skill)
    if refused:
        return refused
    return _pdf("documents/sheets/results.html", _name(skill, "results", "pdf"), sheet=sheet,
                standings=sheet.standings)


@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/results.xlsx")
def results_xlsx(ref: str):
    skill = skill_or_404(ref)
    sheet, refused = _results_or_message(skill)
    if refused:
        return refused
    data = sheets.results_workbook(sheet.standings, sheet.sign_offs)
    return _download(data, sheets.XLSX_TYPE, _name(skill, "results", "xlsx"))


@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/results.csv")
def results_csv(ref: str):
    skill = skill_or_404(ref)
    sheet, refused = _results_or_message(skill)
    if refused:
        return refused
    header, rows = sheets.results_table(sheet.standings)
    return _download(sheets.csv_bytes(header, rows), sheets.CSV_TYPE,
                     _name(skill, "results", "csv"))


# --- marking forms and marks ----------------------------------------------------------------------

@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/forms.pdf")
def forms_pdf(ref: str):
    skill = skill_or_404(ref)
    only = None
    if request.args.get("sub"):
        try:
            only = find_sub_criterion(skill, request.args["sub"])
        except NotFound:
            abort(404)
    forms = sheets.marking_forms(skill, only)
    what = f"forms-{only.code}" if only is not None else "forms"
    return _pdf("documents/sheets/forms.html", _name(skill, what, "pdf"), skill=skill,
                forms=forms, chief=sheets.chief_expert(skill))


@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/marks.csv")
def marks_csv(ref: str):
    skill = skill_or_404(ref)
    header, rows = sheets.marks_table(skill)
    return _download(sheets.csv_bytes(header, rows), sheets.CSV_TYPE,
                     _name(skill, "marks", "csv"))


@sheets_bp.get(f"{PREFIX}/skills/<path:ref>/marks.xlsx")
def marks_xlsx(ref: str):
    skill = skill_or_404(ref)
    return _download(sheets.marks_workbook(skill), sheets.XLSX_TYPE,
                     _name(skill, "marks", "xlsx"))


# --- the medal table ------------------------------------------------------------------------------

@sheets_bp.get(f"{PREFIX}/championships/<code>/medals.pdf")
def medals_pdf(code: str):
    from ..standings import championship_medals

    championship = _championship_or_404(code)
    return _pdf("documents/sheets/medals.html", f"medals-{championship.code}.pdf",
                medals=championship_medals(championship))


@sheets_bp.get(f"{PREFIX}/championships/<code>/medals.xlsx")
def medals_xlsx(code: str):
    from ..standings import championship_medals

    championship = _championship_or_404(code)
    return _download(sheets.medals_workbook(championship_medals(championship)),
                     sheets.XLSX_TYPE, f"medals-{championship.code}.xlsx")
