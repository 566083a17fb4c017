"""Result sheets, the medal table and marking forms for printing, and exports of results and
marks as .xlsx and CSV.

Nothing here computes a score: a skill's standings are the staff snapshot of the live hub (the
one the chief expert's board and the staff results page show, made by `rules/`), read through
`standings.staff_standings`; the medal table is `standings.championship_medals`. This
module only lays them out: as rows for a workbook or a CSV file, or as the data of a print
template (templates/documents/sheets/), which `render.render_pdf_isolated` turns into a PDF.

Every text cell of a workbook or CSV file goes through `escape_formula`: names are typed by
people, and a spreadsheet would run a name such as `=HYPERLINK(…)` as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Aspect, Competitor, Criterion, Expert, ExpertRole, Mark, Skill, User
from ..models.base import decimal_text, utcnow
from ..models.scheme import SubCriterion
from ..registry.imports.tabular import escape_formula
from ..standings import sanctions_in_force, staff_standings

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Competitors side by side on one landscape page of a marking form; more go on further pages
# with the aspects repeated.
FORM_COLUMNS = 12
# Signature lines of a form without judgement aspects: measurements are taken by a marking
# team of at least two experts.
MEASUREMENT_SIGNATURES = 2
# More criteria than this do not fit a portrait page beside the names.
PORTRAIT_CRITERIA = 4


# --- writing rows ---------------------------------------------------------------------------------

@dataclass
class Table:
    """One sheet of a workbook: a few heading lines, the column header, the rows."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    heading: list[list[Any]] = field(default_factory=list)


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time as naive UTC (spreadsheets keep no zone)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _cell(value: Any) -> Any:
    return escape_formula(value) if isinstance(value, str) else value


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    """An .xlsx file, one sheet per table: numbers stay numbers, text is escaped."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        title = table.title[:31]
        for bad in "[]:*?/\\":
            title = title.replace(bad, " ")
        while title in used:
            title = title[:28] + f" {len(used)}"
        used.add(title)
        sheet = workbook.create_sheet(title)

        def line(values, font=None, sheet=sheet):
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=_cell(value))
                if font is not None:
                    cell.font = font
                cells.append(cell)
            sheet.append(cells)

        for number, values in enumerate(table.heading):
            line(values, bold if number == 0 else None)
        if table.heading:
            line([])
        line(table.header, bold)
        for values in table.rows:
            line(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if value is None:
        return ""
    return _cell(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file in UTF-8 with a byte order mark (so that Excel reads it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(value) for value in header])
    for values in rows:
        writer.writerow([_csv_text(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- a skill's results ----------------------------------------------------------------------------

def _number(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def results_table(standings) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a skill's results (as the results page shows them): one row per
    competitor in rank order within each category, numbers as numbers."""
    categories = any(group.category for group in standings.groups or ())
    header = ([_("Category")] if categories else []) + [
        _("Rank"), _("Medal"), _("Code"), _("Competitor"), _("Organization"), _("Region"),
        _("Score")]
    if standings.show_total:
        header.append(_("Total marks"))
    penalties = standings.has_penalties  # points off, as a negative number
    header += [_("Penalty")] if penalties else []
    header += [f"{c.code} ({_('max')} {c.max})" for c in standings.criteria]
    header.append(_("Note"))
    rows = []
    for group in standings.groups or ():
        for row in group.rows:
            values = ([group.label] if categories else []) + [
                row.rank, row.medal_label, row.code, row.name, row.organization, row.region,
                _number(row.score)]
            if standings.show_total:
                values.append(_number(row.total))
            values += [-_number(row.penalty) if row.penalty else None] if penalties else []
            values += [_number(value) for value in row.criteria]
            values.append(row.status_label)
            rows.append(values)
    return header, rows


def results_workbook(standings, sign_offs: Sequence[SignOffLine] | None = None) -> bytes:
    """The results as a workbook (the public one of a published skill, and the staff sheet,
    which adds the sign-off state of every sub-criterion)."""
    skill = standings.skill
    header, rows = results_table(standings)
    tables = [Table(_("Results"), header, rows, heading=[
        [skill.championship.name()], [f"{skill.code} {standings.name}", standings.state_label]])]
    if sign_offs is not None:
        tables.append(Table(_("Sign-off"), [_("Sub-criterion"), _("Name"), _("Day"),
                                            _("Sign-off")],
                            [[line.code, line.name, line.day, line.state] for line in sign_offs]))
    return workbook_bytes(tables)


@dataclass
class SignOffLine:
    code: str
    name: str
    day: str
    locked: bool
    state: str  # "signed off by … at …", "not signed off", …


def sign_off_lines(skill: Skill) -> list[SignOffLine]:
    """Every sub-criterion of the skill with its sign-off state, as the chief's board has it."""
    from flask_babel import format_datetime

    from ..judging.chief_board import lock_view

    locks = lock_view(skill)
    lines = []
    for criterion in skill.criteria:
        for sub in criterion.sub_criteria:
            lock = locks.get(sub.id)
            if lock is not None and lock.locked:
                state = _("signed off by %(who)s, %(time)s", who=lock.by or "—",
                          time=format_datetime(lock.at, "short"))
            elif lock is not None and lock.action == "unlock":
                state = _("unlocked by %(who)s, %(time)s: %(reason)s", who=lock.by or "—",
                          time=format_datetime(lock.at, "short"), reason=lock.reason)
            else:
                state = _("not signed off")
            lines.append(SignOffLine(sub.code, sub.name(), sub.day, bool(lock and lock.locked),
                                     state))
    return lines


def chief_expert(skill: Skill) -> Expert | None:
    return db.session.execute(
        sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id, ExpertRole.role == "chief")
        .order_by(Expert.code).limit(1)).scalar_one_or_none()


@dataclass
class ResultsSheet:
    skill: Skill
    standings: Any  # competition.standings.Standings
    sign_offs: list[SignOffLine]
    chief: Expert | None
    printed_at: datetime
    sanctions: list = field(default_factory=list)  # (code, name, SanctionNote) in force

    @property
    def landscape(self) -> bool:
        return len(self.standings.criteria) > PORTRAIT_CRITERIA

    @property
    def all_signed_off(self) -> bool:
        return bool(self.sign_offs) and all(line.locked for line in self.sign_offs)


def results_sheet(skill: Skill) -> ResultsSheet | None:
    standings = staff_standings(skill)
    if standings is None:
        return None
    return ResultsSheet(skill, standings, sign_off_lines(skill), chief_expert(skill), utcnow(),
                        sanctions_in_force(skill))


# --- the medal table ------------------------------------------------------------------------------

def medals_workbook(medals) -> bytes:
    """A championship's medal table (competition.standings.ChampionshipMedals): by organization, by
    region, and Best of Region, one sheet each."""
    counts = [_("Gold"), _("Silver"), _("Bronze"), _("Medallions"), _("Medal points")]
    name = medals.championship.name()
    heading = [[name], [_("Published skills: %(count)s.", count=len(medals.published))]]

    def figures(line):
        return [line.gold, line.silver, line.bronze, line.medallion, line.points]

    return workbook_bytes([
        Table(_("By organization"), [_("Code"), _("Organization"), _("Region"), *counts],
              [[line.key, line.name, line.region, *figures(line)]
               for line in medals.by_organization], heading),
        Table(_("By region"), [_("Region"), *counts],
              [[line.name, *figures(line)] for line in medals.by_region], heading),
        Table(_("Best of Region"), [_("Organization"), _("Competitor"), _("Skill"), _("Score")],
              [[line.organization, entry["competitor"],
                f"{entry['skill_code']} {entry['skill']}", _number(entry["score"])]
               for line in medals.best_of for entry in line.entries], heading),
    ])


# --- marking forms --------------------------------------------------------------------------------

@dataclass
class FormAspect:
    code: str
    description: str
    kind: str  # "M" or "J"
    max: str
    values: str  # the marks it takes: "0–3", or the allowed values of a measurement
    descriptors: list[str]


@dataclass
class FormPage:
    """One printed form: a sub-criterion's aspects against some of its competitors."""

    criterion: Criterion
    sub: SubCriterion
    aspects: list[FormAspect]
    competitors: list[Competitor]
    part: int
    parts: int
    judges: int  # lines for each judgement aspect's judges, and signature lines
    judged: bool  # has judgement aspects (a column for the judge's line)


def _form_aspect(aspect: Aspect) -> FormAspect:
    from ..models.base import pick_translation
    from ..registry.scheme.kind_text import kind_summary

    if aspect.type == "J":
        values = "0–3"
        descriptors = [f"{score}: {pick_translation(text)}" for score, text in
                       enumerate(aspect.descriptors or ()) if pick_translation(text or {})]
    else:
        # a deduction, levels or yes/no say how (docs/scheme.md); a list of marks lists them
        values = (kind_summary(aspect.kind, aspect.max, aspect.kind_params)
                  or " / ".join(decimal_text(value) for value in aspect.allowed()))
        descriptors = []
    return FormAspect(aspect.code, aspect.description(), aspect.type, decimal_text(aspect.max),
                      values, descriptors)


def marking_forms(skill: Skill, only: SubCriterion | None = None) -> list[FormPage]:
    """The blank forms of the skill's sub-criteria (or of `only`): every markable competitor as
    a column, FORM_COLUMNS of them to a page."""
    competitors = db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.status != "withdrawn")
        .order_by(Competitor.code)).scalars().all()
    chunks = [competitors[start:start + FORM_COLUMNS]
              for start in range(0, len(competitors), FORM_COLUMNS)] or [[]]
    judges_per_aspect = skill.championship.judges_per_aspect
    pages = []
    for criterion in skill.criteria:
        for sub in criterion.sub_criteria:
            if only is not None and sub.id != only.id:
                continue
            aspects = [_form_aspect(aspect) for aspect in sub.aspects]
            judged = any(aspect.kind == "J" for aspect in aspects)
            judges = judges_per_aspect if judged else MEASUREMENT_SIGNATURES
            for number, chunk in enumerate(chunks, start=1):
                pages.append(FormPage(criterion, sub, aspects, chunk, number, len(chunks),
                                      judges, judged))
    return pages


# --- marks ----------------------------------------------------------------------------------------

def marks_table(skill: Skill) -> tuple[list[str], list[list[Any]]]:
    """Every current mark of the skill (withdrawn ones, which no longer count, left out): who
    was marked on what, by whom, the value, who entered it and when, and its revision."""
    header = [_("Competitor code"), _("Competitor"), _("Organization"), _("Criterion"),
              _("Sub-criterion"), _("Aspect"), _("Type"), _("Expert code"), _("Expert"),
              _("Mark"), _("Entered by"), _("Entered at (UTC)"), _("Revision")]
    judge = aliased(Expert)
    found = db.session.execute(
        sa.select(Mark, Aspect.code, SubCriterion.code, Criterion.code, Competitor, judge,
                  User.login)
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
        .join(Criterion, Criterion.id == SubCriterion.criterion_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .outerjoin(judge, judge.id == Mark.judge_id)
        .outerjoin(User, User.id == Mark.updated_by_id)
        .where(Mark.skill_id == skill.id, Mark.value.is_not(None))
        .order_by(Competitor.code, Criterion.position, SubCriterion.position, Aspect.position,
                  judge.code))
    organizations = {}
    rows = []
    for mark, aspect, sub, criterion, competitor, expert, login in found:
        if competitor.organization_id not in organizations:
            organization = competitor.organization
            organizations[competitor.organization_id] = organization.name() if organization \
                else ""
        value = int(mark.value) if mark.aspect_type == "J" else Decimal(decimal_text(mark.value))
        rows.append([competitor.code, competitor.name(),
                     organizations[competitor.organization_id], criterion, sub, aspect,
                     mark.aspect_type, expert.code if expert else "",
                     expert.name() if expert else "", value, login or "",
                     _utc(mark.updated_at), mark.revision])
    return header, rows


def marks_workbook(skill: Skill) -> bytes:
    header, rows = marks_table(skill)
    return workbook_bytes([Table(_("Marks"), header, rows, heading=[
        [skill.championship.name()], [f"{skill.code} {skill.name()}"]])])
