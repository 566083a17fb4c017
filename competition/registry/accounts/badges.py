"""Badges of a championship's experts as one PDF, each with a fresh one-time QR login code.

The order matters: the codes are drawn and the PDF rendered first, with no lock held (rendering
a hundred badges takes seconds); then ONE write transaction creates the missing expert
accounts, revokes every older unused code of those experts and stores the new codes' hashes,
a statement each for all the badges. If rendering fails nothing has changed; a badge never
carries a code the database lacks.

The PDF is rendered by render children (documents/render.py), a few pages at a time, and the
parts joined: the server's process, which serves every judge's socket, only draws the QR codes
and writes the HTML, yielding between badges. The steps are counted for the page's progress
bar (competition/progress.py).
"""

from __future__ import annotations

import io
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from ...audit import record
from ...auth import service as auth
from ...database import write_transaction
from ...documents.render import qr_svg, render_pdf_isolated
from ...errors import Conflict, Invalid
from ...extensions import db
from ...models import Championship, Expert, ExpertRole, Skill, User
from ...models.base import utcnow
from ...vocabulary import ExpertRole as Role
from ..imports.checking import each_row

BADGE_LOCALES = ("kk", "ru")  # badges are printed in both state languages
PER_PAGE = 8  # 2 columns x 4 rows on A4
PAGES_PER_PART = 4  # rendered at a time: the progress bar moves between the parts



@dataclass
class BadgeRole:
    skill_code: str
    skill: dict[str, str]  # locale -> skill name
    role: str


@dataclass
class Badge:
    expert_id: int
    expert_code: str
    names: list[str]  # kk, then ru if it differs
    organization: str
    roles: list[BadgeRole]
    user_id: int | None  # the existing account, if any
    login: str  # the existing or the new account's login
    account_role: str
    code: str | None = None
    qr_svg: Markup | None = None
    note: str = ""


@dataclass
class BadgePlan:
    championship: Championship
    skill: Skill | None
    badges: list[Badge] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return math.ceil(len(self.badges) / PER_PAGE)

    @property
    def new_accounts(self) -> int:
        return sum(1 for b in self.badges if b.user_id is None)

    @property
    def without_code(self) -> int:
        return sum(1 for b in self.badges if b.note)


@dataclass(frozen=True)
class PrintedBadges:
    pdf: bytes
    pages: int
    badges: int
    accounts_created: int
    filename: str


def _free_login(wanted: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", wanted.lower()).strip("-")[:60] or "expert"
    login, n = base, 2
    while login in taken:
        login, n = f"{base}-{n}", n + 1
    taken.add(login)
    return login


def plan_badges(championship_id: int, skill_id: int | None = None) -> BadgePlan:
    """Who gets a badge (the championship's experts, or one skill's) and which accounts exist."""
    championship = db.session.get(Championship, championship_id)
    if championship is None:
        raise Invalid(_("Choose a championship."), field="championship")
    skill = db.session.get(Skill, skill_id) if skill_id else None
    if skill_id and (skill is None or skill.championship_id != championship.id):
        raise Invalid(_("This skill is not part of the chosen championship."), field="skill")
    query = (sa.select(Expert).where(Expert.championship_id == championship.id)
             .options(selectinload(Expert.roles).selectinload(ExpertRole.skill),
                      selectinload(Expert.organization))
             .order_by(Expert.code))
    if skill is not None:
        query = query.where(Expert.id.in_(
            sa.select(ExpertRole.expert_id).where(ExpertRole.skill_id == skill.id)))
    experts = db.session.execute(query).scalars().all()
    users = {u.expert_id: u for u in db.session.execute(
        sa.select(User).where(User.expert_id.in_([e.id for e in experts]))).scalars()}
    taken = {login.lower() for login in db.session.execute(sa.select(User.login)).scalars()}
    plan = BadgePlan(championship, skill)
    for expert in experts:
        user = users.get(expert.id)
        roles = sorted(expert.roles, key=lambda r: (r.skill.position, r.skill.code))
        names = [n for n in (expert.name_kk, expert.name_ru) if n]
        if len(names) == 2 and names[0] == names[1]:
            names = names[:1]
        badge = Badge(
            expert_id=expert.id, expert_code=expert.code, names=names or [expert.name()],
            organization=expert.organization.name() if expert.organization else "",
            roles=[BadgeRole(r.skill.code, {loc: r.skill.name(loc) for loc in BADGE_LOCALES},
                             r.role) for r in roles],
            user_id=user.id if user else None,
            login=user.login if user else _free_login(f"{championship.code}-{expert.code}",
                                                       taken),
            account_role=user.role if user else (
                "chief" if any(r.role == "chief" for r in roles) else "expert"),
        )
        if user is not None and not user.is_enabled:
            badge.note = "disabled"
        elif user is not None and user.role not in auth.PIN_ROLES:
            badge.note = "not-expert"
        plan.badges.append(badge)
    return plan


def login_url(code: str, public_url: str | None) -> str:
    path = url_for("auth.login_code", code=code)
    if public_url:
        return public_url.rstrip("/") + path
    return url_for("auth.login_code", code=code, _external=True)


def _texts(expires_at: datetime) -> dict[str, dict[str, str]]:
    texts = {}
    for locale in BADGE_LOCALES:
        with force_locale(locale):
            texts[locale] = {
                "roles": {key: str(label) for key, label in Role.labels().items()},
                "scan": _("Scan to log in"),
                "code": _("Expert code"),
                "until": _("Valid until %(date)s", date=format_date(expires_at, "dd.MM.yyyy")),
            }
    return texts


@dataclass
class PreparedBadges:
    """Badges with their new codes drawn and their HTML written (a document per few pages);
    nothing stored yet."""

    plan: BadgePlan
    parts: list[str]
    days: int
    expires_at: datetime

    @property
    def html(self) -> str:
        return "".join(self.parts)


def prepare_badges(championship_id: int, skill_id: int | None, days: int,
                   public_url: str | None, progress=None) -> PreparedBadges:
    if not 1 <= days <= auth.LOGIN_CODE_MAX_DAYS:
        raise Invalid(_("A login code is valid for 1 to %(n)s days.",
                        n=auth.LOGIN_CODE_MAX_DAYS), field="days")
    plan = plan_badges(championship_id, skill_id)
    if not plan.badges:
        raise Conflict(_("This championship (or skill) has no experts yet: register them "
                         "first."), field="championship", code="no_experts")
    expires_at = utcnow() + timedelta(days=days)
    for badge in each_row(plan.badges, progress, _("Drawing the login codes")):
        if not badge.note:
            badge.code = secrets.token_urlsafe(24)
            badge.qr_svg = qr_svg(login_url(badge.code, public_url))
    texts, size = _texts(expires_at), PER_PAGE * PAGES_PER_PART
    parts = [render_template("auth/badges.html", plan=plan, badges=plan.badges[i:i + size],
                             texts=texts, locales=BADGE_LOCALES)
             for i in range(0, len(plan.badges), size)]
    return PreparedBadges(plan, parts, days, expires_at)


def finish_badges(prepared: PreparedBadges, progress=None) -> PrintedBadges:
    """Render the PDF, then store the codes (and create the missing accounts)."""
    from pypdf import PdfWriter

    pdfs = [render_pdf_isolated(part)  # a child's CPU: the sockets go on
            for part in each_row(prepared.parts, progress, _("Printing the badges"))]
    data = pdfs[0].data
    if len(pdfs) > 1:
        joined, buffer = PdfWriter(), io.BytesIO()
        for pdf in pdfs:
            joined.append(io.BytesIO(pdf.data))
        joined.write(buffer)
        data = buffer.getvalue()
    created = _store_codes(prepared.plan, prepared.days, prepared.expires_at)
    plan = prepared.plan
    name = plan.championship.code + (f"-{plan.skill.code}" if plan.skill else "")
    return PrintedBadges(data, sum(pdf.pages for pdf in pdfs), len(plan.badges), created,
                         f"badges-{name}.pdf")


def print_badges(championship_id: int, skill_id: int | None, days: int,
                 public_url: str | None, progress=None) -> PrintedBadges:
    return finish_badges(prepare_badges(championship_id, skill_id, days, public_url, progress),
                         progress)


def _store_codes(plan: BadgePlan, days: int, expires_at: datetime) -> int:
    """Create the missing accounts and store the codes, for every badge at once: the write
    lock that judges' marks wait for is held for a few statements, not a flush per badge."""
    badges = [badge for badge in plan.badges if badge.code is not None]
    experts = [badge.expert_id for badge in badges]
    with write_transaction() as session:
        if len(set(session.scalars(sa.select(Expert.id).where(Expert.id.in_(experts))))) \
                != len(set(experts)):
            raise Conflict(_("The experts changed while the badges were prepared; "
                             "print them again."))
        users = {row.expert_id: row for row in session.execute(
            sa.select(User.id, User.expert_id, User.is_enabled, User.role)
            .where(User.expert_id.in_(experts)))}
        if any(not user.is_enabled or user.role not in auth.PIN_ROLES
               for user in users.values()) or any(
                (users[badge.expert_id].id if badge.expert_id in users else None)
                != badge.user_id for badge in badges):  # the badge shows the plan's login
            raise Conflict(_("The accounts changed while the badges were prepared; "
                             "print them again."))
        new = [badge for badge in badges if badge.user_id is None]
        accounts = {expert_id: user.id for expert_id, user in users.items()}
        if new:
            try:
                accounts.update(auth.add_expert_accounts(session, [
                    (badge.login, badge.account_role, badge.expert_id) for badge in new]))
            except auth.AccountError:
                raise Conflict(_("The accounts changed while the badges were "
                                 "prepared; print them again.")) from None
        created = [badge.login for badge in new]
        if badges:
            auth.issue_login_codes(
                session, {accounts[badge.expert_id]: badge.code for badge in badges}, days)
        record("badges", "championship", plan.championship.id,
               f"{len(plan.badges)} badges printed"
               + (f" for skill {plan.skill.code}" if plan.skill else ""),
               {"badges": len(plan.badges), "accounts_created": ", ".join(created),
                "codes_expire": expires_at.isoformat()},
               plan.championship.id)
    return len(created)
