"""Signed paper: the filled marking form a sign-off produces, and the skill's final protocol,
each kept as a `MarkingForm` row (competition/models/panels.py) with its PDF.

What a document shows is first put together as plain data (`form_content`, `protocol_content`):
codes, values, the names in every language, the time of locking. Its `content_hash` is the
SHA-256 of that data as sorted JSON, so it does not depend on the language the PDF is printed in
(the Russian and the Kazakh copy of one sign-off carry the same hash) nor on WeasyPrint's bytes;
its first 12 hex digits are printed on every page.

A sign-off (`lock_changed`, after its commit: `subscribe`) keeps one form per language of the
championship (ru and kk, and en when the certificate settings print English), the next version of
that sub-criterion and language; the previous one is marked superseded. signed_pdf.py listens and
renders the PDFs in child processes right after; a row whose PDF is not there (the render failed)
is rendered when it is first downloaded, if its content is still what was kept.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa

from .. import audit
from ..database import write_transaction
from ..extensions import db
from ..models import Aspect, Competitor, Expert, ExpertRole, Mark, Skill, SubCriterion
from ..models.base import iso, utcnow
from ..models.panels import MarkingForm, PanelSeat
from ..rules.aspects import judgement_mark, judgement_state
from ..rules.exact import fraction_text
from ..rules.model import AspectState

LOCALES = ("ru", "kk", "en")
FORM, PROTOCOL = "marking_form", "protocol"


def content_hash(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def languages(skill: Skill) -> list[str]:
    """The languages the championship's documents are printed in: Russian and Kazakh always,
    English too when its certificate settings print it."""
    from ..models import DocumentSettings

    settings = db.session.get(DocumentSettings, skill.championship_id)
    chosen = set((settings.languages if settings else "kk+ru").split("+")) | {"ru", "kk"}
    return [locale for locale in LOCALES if locale in chosen]


def _person(expert: Expert | None) -> dict | None:
    return None if expert is None else {"code": expert.code, "name": expert.names()}


def chief_of(skill: Skill) -> Expert | None:
    return db.session.execute(
        sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id, ExpertRole.role == "chief")
        .order_by(Expert.code).limit(1)).scalar_one_or_none()


def _active_competitors(skill: Skill) -> list[Competitor]:
    return db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.status != "withdrawn")
        .order_by(Competitor.code)).scalars().all()


def form_content(skill: Skill, sub: SubCriterion, locked_at: datetime | None) -> dict:
    """Every active competitor × aspect of the sub-criterion: each judge's score (J) with the
    judge, the measurement (M), the aspect's points and the competitor's sum; the marking team
    (the panel's seats if it has any, else the experts who marked it) and the chief expert."""
    aspects: list[Aspect] = list(sub.aspects)
    competitors = _active_competitors(skill)
    per_aspect = skill.championship.judges_per_aspect
    marks = db.session.execute(
        sa.select(Mark).where(Mark.aspect_id.in_([a.id for a in aspects] or [0]),
                              Mark.value.is_not(None))).scalars().all()
    experts = {e.id: e for e in db.session.execute(
        sa.select(Expert).where(Expert.championship_id == skill.championship_id)).scalars()}
    cells: dict[tuple[int, int], list[Mark]] = {}
    for mark in marks:
        cells.setdefault((mark.competitor_id, mark.aspect_id), []).append(mark)
    team_ids = {m.judge_id for m in marks if m.judge_id is not None}
    seats = db.session.execute(sa.select(PanelSeat.expert_id).where(
        PanelSeat.sub_criterion_id == sub.id)).scalars().all()
    if seats:
        team_ids = set(seats)
    rows = []
    for competitor in competitors:
        total, line = Fraction(0), {}
        for aspect in aspects:
            found = cells.get((competitor.id, aspect.id), [])
            if aspect.type == "M":
                value = Fraction(found[0].value) if found else None
                line[aspect.code] = {"value": None if value is None else fraction_text(value),
                                     "points": None if value is None else fraction_text(value)}
            else:
                scores = sorted((experts[m.judge_id].code, int(m.value)) for m in found
                                 if m.judge_id in experts)
                values = [score for _code, score in scores]
                counted = bool(values) and judgement_state(values, per_aspect) \
                    == AspectState.COUNTED
                value = judgement_mark(aspect.max, values, per_aspect) if counted else None
                line[aspect.code] = {"scores": [list(pair) for pair in scores],
                                     "points": None if value is None else fraction_text(value)}
            total += value or 0
        rows.append({"code": competitor.code, "name": competitor.names(),
                     "workstation": competitor.workstation or "", "marks": line,
                     "sum": fraction_text(total)})
    team = sorted((experts[i] for i in team_ids if i in experts), key=lambda e: e.code)
    return {
        "kind": FORM, "championship": skill.championship.code, "skill": skill.code,
        "skill_name": skill.names(), "criterion": sub.criterion.code,
        "criterion_name": sub.criterion.names(), "sub_criterion": sub.code,
        "sub_name": sub.names(), "day": sub.day, "locked_at": iso(locked_at),
        "judges_per_aspect": per_aspect,
        "aspects": [{"code": a.code, "type": a.type, "max": fraction_text(Fraction(a.max)),
                     "description": {"ru": a.description_ru, "kk": a.description_kk,
                                     "en": a.description_en},
                     # how an M mark was entered (docs/scheme.md): only for a kind other than
                     # a list of marks, so the forms kept before the kinds hash as they did
                     **({"kind": a.kind, "kind_params": a.kind_params}
                        if (a.kind or "marks") != "marks" else {})} for a in aspects],
        "judges": {e.code: e.names() for e in experts.values()
                   if e.id in {m.judge_id for m in marks}},
        "competitors": rows,
        "team": [_person(e) for e in team],
        "chief": _person(chief_of(skill)),
    }


# --- keeping them -----------------------------------------------------------------------------

def keep(skill: Skill, kind: str, content: dict, sub: SubCriterion | None,
         locked_at: datetime | None, user_id: int | None) -> list[int]:
    """A new version of the document in each language; the current one of each is superseded.
    Returns the new rows' ids (their PDFs are rendered next)."""
    digest = content_hash(content)
    now = utcnow()
    ids = []
    with write_transaction() as session:
        for locale in languages(skill):
            of_sub = (MarkingForm.sub_criterion_id == sub.id if sub is not None
                      else MarkingForm.sub_criterion_id.is_(None))
            same = sa.and_(MarkingForm.skill_id == skill.id, MarkingForm.kind == kind,
                           MarkingForm.locale == locale, of_sub)
            last = session.execute(sa.select(sa.func.max(MarkingForm.version))
                                   .where(same)).scalar() or 0
            session.execute(sa.update(MarkingForm).where(same, MarkingForm.superseded_at
                                                         .is_(None)).values(superseded_at=now))
            form = MarkingForm(skill_id=skill.id, sub_criterion_id=sub.id if sub else None,
                               kind=kind, version=last + 1, locale=locale,
                               content_hash=digest, locked_at=locked_at, created_at=now,
                               created_by_id=user_id)
            session.add(form)
            session.flush()
            ids.append(form.id)
        if kind == PROTOCOL:  # a sign-off's form is audited as the sign-off itself
            entry = audit.record(
                "protocol", "skill", skill.id,
                f"skill {skill.code}: final protocol version {last + 1}",
                {"version": last + 1, "hash": digest[:12], "languages": languages(skill)},
                skill.championship_id)
            entry.user_id = user_id  # the acting user, also outside a request
    return ids


def forms_of(skill: Skill) -> list[MarkingForm]:
    """Every kept document of the skill, newest version first within each thing."""
    return db.session.execute(
        sa.select(MarkingForm).where(MarkingForm.skill_id == skill.id)
        .order_by(MarkingForm.kind, MarkingForm.sub_criterion_id, MarkingForm.version.desc(),
                  MarkingForm.locale)).scalars().all()


def printed(skill: Skill) -> list[tuple[int, bool]]:
    """(id, whether its PDF is there) of every kept document of the skill."""
    return [(form_id, ready) for form_id, ready in db.session.execute(
        sa.select(MarkingForm.id, MarkingForm.pdf.is_not(None))
        .where(MarkingForm.skill_id == skill.id).order_by(MarkingForm.id)).all()]


def store_pdf(form_id: int, data: bytes) -> None:
    with write_transaction() as session:
        session.execute(sa.update(MarkingForm).where(MarkingForm.id == form_id,
                                                     MarkingForm.pdf.is_(None))
                        .values(pdf=data))
