"""The results sheet as an Excel workbook: the table of the results page, one row per
competitor, numbers as numbers."""

from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _

from ..registry.imports.tabular import escape_formula
from .results import Standings


def _number(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def results_workbook(standings: Standings) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Results")[:31])
    bold = Font(bold=True)

    def line(values, font=None):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=escape_formula(value) if isinstance(value, str)
                                 else value)
            if font is not None:
                cell.font = font
            cells.append(cell)
        sheet.append(cells)

    skill = standings.skill
    line([skill.championship.name()], bold)
    line([f"{skill.code} {standings.name}", standings.state_label])
    line([])
    categories = any(group.category for group in standings.groups or ())
    header = ([_("Category")] if categories else []) + [
        _("Rank"), _("Medal"), _("Code"), _("Competitor"), _("Organization"), _("Region"),
        _("Score")]
    if standings.show_total:
        header.append(_("Total marks"))
    header += [f"{c.code} ({_('max')} {c.max})" for c in standings.criteria]
    header.append(_("Note"))
    line(header, bold)
    for group in standings.groups or ():
        for row in group.rows:
            values = ([group.label] if categories else []) + [
                row.rank, row.medal_label, row.code, row.name, row.organization, row.region,
                _number(row.score)]
            if standings.show_total:
                values.append(_number(row.total))
            values += [_number(value) for value in row.criteria]
            values.append(row.status_label)
            line(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
