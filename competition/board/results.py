"""Public results: each skill's standings as far as its visibility allows, the medal table and
Best of Region, and a competitor's own page reached with their personal results code.

Every score these pages show comes from the live standings as the viewer may see them
(competition/standings: `standings_of`), the one filter by visibility and role. The medal
table reads published skills only, through the rules engine (competition/standings/medals.py).
"""

from __future__ import annotations

import re
import statistics
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import rules
from ..errors import DomainError
from ..extensions import db
from ..judging import appeals
from ..lookup import ambiguous_codes, skill_or_404, skill_ref
from ..models import Championship, Competitor
from ..models.base import pick_translation
from ..names import public_names
from ..standings import (
    Row,
    Standings,
    category_label,
    championship_medals,
    competitor_sanctions,
    hub,
    is_staff,
    public_state,
    standings_of,
)
from ..vocabulary import DocumentKind
from .appeals import appeal_context
from .blueprint import bp
from .charts import CriterionBar, criteria_chart

CODE_CLEAN = re.compile(r"[\s\-–—]+")


# --- pages ----------------------------------------------------------------------------------------

@bp.get("/results")
def results_index():
    ambiguous = ambiguous_codes()
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    listing = [(championship, [(skill, skill_ref(skill, ambiguous),
                                public_state(skill.visibility, skill.under_appeal))
                               for skill in championship.skills])
               for championship in championships]
    shares = {skill.id: _marked_share(skill) for _c, skills in listing for skill, *_ in skills}
    return render_template("board/results_index.html", listing=listing, shares=shares)


def _marked_share(skill) -> int | None:
    """How far marking has come (percent), as the public may see it; None when the skill is
    hidden or its results are final."""
    if skill.visibility == "hidden" or skill.results_final:
        return None
    snapshot = hub().snapshot_for(skill.id, None) or {}
    progress = snapshot.get("progress") or {}
    return progress.get("percent") if progress.get("expected") else None


@bp.get("/results/<path:ref>.xlsx")
def results_export(ref: str):
    """The published results as a workbook: the same table as the page."""
    from ..documents.sheets import results_workbook

    skill = skill_or_404(ref)
    if skill.visibility != "published":
        abort(404)
    standings = standings_of(skill, current_user)
    if standings is None or standings.groups is None:
        abort(404)
    data = results_workbook(standings)
    filename = f"results-{skill.championship.code}-{skill.code}.xlsx"
    return current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"})


@bp.get("/results/<path:ref>")
def results_skill(ref: str):
    skill = skill_or_404(ref)
    standings = standings_of(skill, current_user)
    return render_template("board/results_skill.html", skill=skill, standings=standings,
                           public_state=public_state(skill.visibility, skill.under_appeal))


@bp.get("/medals")
def medals():
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    return render_template("board/medals.html",
                           tables=[championship_medals(c) for c in championships])


# --- the participant's page -----------------------------------------------------------------------

def clean_code(text: str | None) -> str:
    """A results code as typed from a badge: any case, spaces or dashes between groups."""
    return CODE_CLEAN.sub("", text or "").upper()[:32]


def _competitor_by_code(code: str) -> Competitor | None:
    if not code:
        return None
    return db.session.execute(
        sa.select(Competitor).where(Competitor.results_code == code)).scalar_one_or_none()


@bp.get("/me")
def participant_lookup():
    """The form for the personal results code; a GET form, so the address can be bookmarked."""
    typed = request.args.get("code")
    if typed is None:
        own = getattr(current_user, "competitor", None) if current_user.is_authenticated else None
        if own is not None:  # a logged-in competitor: their own page, no code to type
            return redirect(url_for("board.participant", code=own.results_code))
        return render_template("board/participant_lookup.html", error=None, typed="")
    code = clean_code(typed)
    if _competitor_by_code(code) is not None:
        return redirect(url_for("board.participant", code=code))
    return _wrong_code(typed)


def _wrong_code(typed: str):
    error = _("No results were found for this code. Check it against your badge and try "
              "again.")
    return render_template("board/participant_lookup.html", error=error, typed=typed), 404


def _median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def competitor_chart(standings: Standings, row: Row, *, chart_id: str):
    """The competitor's points per criterion against its maximum and the skill's median (over
    the active competitors of the same snapshot)."""
    active = [r for group in standings.groups or () for r in group.rows if r.status == "active"]
    bars, lines = [], []
    for index, criterion in enumerate(standings.criteria):
        median = _median([Decimal(r.criteria[index]) for r in active])
        median_text = "" if median is None else rules.score_text(median, "raw")
        label = f"{criterion.code}. {criterion.name}" if criterion.name else criterion.code
        if len(label) > 42:
            label = label[:41].rstrip() + "…"
        bars.append(CriterionBar(criterion.code, label, Decimal(row.criteria[index]),
                                 Decimal(criterion.max), median, row.criteria[index],
                                 criterion.max))
        lines.append({"code": criterion.code, "name": criterion.name,
                      "points": row.criteria[index], "max": criterion.max,
                      "median": median_text})
    svg = criteria_chart(
        bars, chart_id=chart_id,
        title=_("Your points per criterion"),
        description=_("For each criterion: your points against its maximum, and the median "
                      "of all competitors of the skill. The same numbers are in the table "
                      "below."),
        points_legend=_("Your points"), median_legend=_("Median"))
    return svg, lines


@bp.get("/me/<code>")
def participant(code: str):
    competitor = _competitor_by_code(clean_code(code))
    if competitor is None:
        return _wrong_code(code)
    return participant_page(competitor)


@bp.post("/me/<code>/appeal")
def participant_appeal(code: str):
    """A competitor's own appeal (docs/appeals.md); a refusal shows the page again, saying why,
    and writes nothing."""
    competitor = _competitor_by_code(clean_code(code))
    if competitor is None:
        abort(404)
    text, aspects = request.form.get("text", ""), request.form.get("aspects", "")
    try:
        appeal = appeals.lodge(current_user, competitor.skill, competitor, aspects, text)
    except DomainError as error:
        return participant_page(competitor, appeal_context(
            competitor, error.message, text, aspects)), error.status
    flash(_("Your appeal #%(id)d is lodged. The appeal commission will decide it; the outcome "
            "will be shown on this page.", id=appeal.id))
    return redirect(url_for("board.participant", code=competitor.results_code) + "#appeal")


def _sees_full_names(competitor: Competitor) -> bool:
    """Staff and the competitor's own account read full names; others the public's."""
    own = getattr(current_user, "competitor_id", None) == competitor.id
    return own or is_staff(current_user, competitor.skill_id)


def _display_name(competitor: Competitor) -> str:
    """The full name for staff and the competitor's own account; others read the name the
    public sees (competition/names.py)."""
    if _sees_full_names(competitor):
        return competitor.name()
    return pick_translation(public_names(competitor, competitor.skill.championship))


def member_public_names(member, competitor: Competitor) -> dict[str, str]:
    """A team member's {ru, kk, en} names as the public sees them: public_names over the
    member as a person of their own — their birth date and consent decide (a minor without
    consent: "Surname N."), and the setting "code" gives the team's code."""
    person = SimpleNamespace(birth_date=member.birth_date, name_consent=member.name_consent,
                             members=(), code=competitor.code, names=member.names)
    return public_names(person, competitor.skill.championship)


def _certificate_names(competitor: Competitor, certificates, display_name: str
                       ) -> dict[int, str]:
    """The name each certificate is listed under: as printed (its recipient) for a viewer who
    reads full names, else the holder's public name — a team member's their own."""
    full = _sees_full_names(competitor)
    members = {member.id: member for member in competitor.members}
    shown = {}
    for document in certificates:
        recipient = (document.details or {}).get("recipient")
        printed = (pick_translation(recipient) if isinstance(recipient, dict)
                   else str(recipient or ""))
        member = members.get(document.member_id)
        if full:
            shown[document.id] = printed
        elif member is not None:
            public = pick_translation(member_public_names(member, competitor))
            shown[document.id] = printed if public == member.name() else public
        else:
            shown[document.id] = printed if display_name == competitor.name() else display_name
    return shown


def participant_page(competitor: Competitor, appeal: dict | None = None) -> str:
    from ..documents.certificates.verification import certificates_of

    skill = competitor.skill
    standings = standings_of(skill, current_user)
    found = standings.row(competitor.code) if standings is not None else None
    group, row = found if found is not None else (None, None)
    chart = lines = None
    if row is not None and standings.criteria:
        chart, lines = competitor_chart(standings, row, chart_id="my-criteria")
    display_name = _display_name(competitor)
    certificates = certificates_of(competitor.id)
    return render_template(
        "board/participant.html", competitor=competitor, skill=skill, standings=standings,
        display_name=display_name,
        group=group, row=row, chart=chart, lines=lines,
        organization=competitor.organization.name() if competitor.organization else "",
        category=category_label(competitor.category),
        results_url=url_for("board.results_skill", ref=skill_ref(skill)),
        certificates=certificates, certificate_kinds=DocumentKind.labels(),
        certificate_names=_certificate_names(competitor, certificates, display_name),
        sanctions=competitor_sanctions(competitor.id),
        **(appeal or appeal_context(competitor)))
