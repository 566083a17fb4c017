"""Erasing a person's personal data after the event (docs/people.md, "Privacy").

What it does, in one write transaction with its audit entry:

- the names become a neutral label in the three languages ("Competitor 101", "Участник 101",
  "Қатысушы 101"; "Expert E07", "Эксперт E07", "Сарапшы E07"), a team's members "… member 2";
- the birth date, IIN, disability, health note, consent and eligibility exception are cleared
  (a team's members' birth dates and consent too),
  the personal results code is replaced (old links to /me/<code> stop working);
- the person's login accounts are disabled, renamed, their password, PIN, login codes and API
  tokens made useless, and their open connections end;
- the person's certificates are withdrawn (revoked, their PDF dropped, the names in their
  details replaced by the label): a certificate names a person, and a withdrawn one says so on
  its verification page;
- the audit entries about the person keep what happened, with the personal values replaced;
- where the name was typed as text — awards given by name, the competitor's appeals and
  penalties, audit entries naming the person, printed certificate batches — mentions.py;
- `erased_at` is set.

Marks, results, ranks, medals and the medal table stay as they were: only the names change.
Refused while results may still change: a competitor's skill must be published with no appeal
open (`Skill.results_final`), and so must every skill an expert has a role in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ... import audit
from ...auth import sockets
from ...database import write_transaction
from ...errors import Conflict, Invalid, NotFound
from ...models import (
    ApiToken,
    AuditEntry,
    Competitor,
    Document,
    Expert,
    LoginCode,
    User,
)
from ...models.base import utcnow
from ...models.people import new_results_code
from . import mentions

LABELS = {
    "competitor": {"ru": "Участник {code}", "kk": "Қатысушы {code}", "en": "Competitor {code}"},
    "expert": {"ru": "Эксперт {code}", "kk": "Сарапшы {code}", "en": "Expert {code}"},
    "member": {"ru": "{label}, член команды {n}", "kk": "{label}, команда мүшесі {n}",
               "en": "{label}, member {n}"},
}
PERSONAL = {"name_ru", "name_kk", "name_en", "birth_date", "iin", "disability", "health_note",
            "name_consent", "eligibility_exception", "results_code", "login", "recipient",
            "members"}  # a team's members: their names, birth dates and consent
ERASED = "[erased]"
REASON = "personal data erased"


def label(kind: str, code: str) -> dict[str, str]:
    return {locale: text.format(code=code) for locale, text in LABELS[kind].items()}


def _scrub(value):
    """An audit entry's changes with the personal values replaced."""
    if isinstance(value, dict):
        return {key: [ERASED if v is not None else None for v in change]
                if key in PERSONAL and isinstance(change, list) else _scrub(change)
                for key, change in value.items()}
    return value


def _scrub_audit(session, entity: str, ids: list[int], summary: str) -> None:
    if not ids:
        return
    for entry in session.execute(sa.select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))).scalars():
        entry.summary = summary
        entry.changes = _scrub(entry.changes or {})


def _withdraw(session, condition, names: dict[str, str]) -> int:
    now = utcnow()
    count = 0
    for document in session.execute(sa.select(Document).where(condition)).scalars():
        details = dict(document.details or {})
        if "recipient" in details:
            details["recipient"] = names
        document.details = details
        document.pdf = None
        if document.revoked_at is None:
            document.revoked_at, document.revoke_reason = now, REASON
        count += 1
    return count


def _close_accounts(session, users: list[User]) -> list[int]:
    now = utcnow()
    for user in users:
        user.is_enabled = False
        user.login = f"erased-{user.id}"
        user.password_hash = user.pin_hash = None
        user.session_version += 1
        session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id,
                                                  ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
        session.execute(sa.update(LoginCode).where(LoginCode.user_id == user.id,
                                                   LoginCode.revoked_at.is_(None))
                        .values(revoked_at=now))
    return [user.id for user in users]


def _check(person, kind: str, typed: str, skills) -> None:
    if person.erased_at is not None:
        raise Conflict(_("The personal data of %(code)s is already erased.", code=person.code),
                       code="already_erased")
    waiting = [skill.code for skill in skills if not skill.results_final]
    if waiting:
        raise Conflict(_("Personal data can be erased only after the results are final: "
                         "publish skill %(skills)s first (with no appeal open).",
                         skills=", ".join(waiting)), code="results_not_final")
    if (typed or "").strip() != person.code:
        raise Invalid(_("Type the code %(code)s to confirm.", code=person.code),
                      field="confirm", code="not_confirmed")


def erase_competitor(competitor_id: int, typed: str) -> Competitor:
    with write_transaction() as session:
        competitor = session.get(Competitor, competitor_id)
        if competitor is None:
            raise NotFound(_("No such competitor."))
        _check(competitor, "competitor", typed, [competitor.skill])
        names = label("competitor", competitor.code)
        awards, files = mentions.clear(
            session, competitor.skill.championship_id,
            [competitor.names(), *(member.names() for member in competitor.members)], names,
            skill_ids=[competitor.skill_id], competitor_id=competitor.id)
        competitor.set_names(names)
        for n, member in enumerate(competitor.members, start=1):
            member.set_names({locale: LABELS["member"][locale].format(label=text, n=n)
                              for locale, text in names.items()})
            member.birth_date, member.name_consent = None, False
        competitor.birth_date = competitor.iin = competitor.disability = None
        competitor.health_note, competitor.name_consent = "", False
        competitor.eligibility_exception = None
        competitor.results_code = new_results_code()  # old links to /me/<code> stop working
        competitor.erased_at = utcnow()
        member_ids = [m.id for m in competitor.members]
        condition = Document.competitor_id == competitor.id
        if member_ids:
            condition = sa.or_(condition, Document.member_id.in_(member_ids))
        if awards:  # awards given to the person by name (mentions.py)
            condition = sa.or_(condition, Document.award_id.in_(awards))
        closed = _finish(session, "competitor", competitor.id, names,
                         f"{competitor.skill.code}/{competitor.code} {names['en']}",
                         _withdraw(session, condition, names),
                         User.competitor_id == competitor.id,
                         competitor.skill.championship_id)
    _end_sessions(closed)
    mentions.delete_files(files)
    return competitor


def erase_expert(expert_id: int, typed: str) -> Expert:
    with write_transaction() as session:
        expert = session.get(Expert, expert_id)
        if expert is None:
            raise NotFound(_("No such expert."))
        _check(expert, "expert", typed, [role.skill for role in expert.roles])
        names = label("expert", expert.code)
        awards, files = mentions.clear(session, expert.championship_id, [expert.names()], names,
                                       skill_ids=[role.skill_id for role in expert.roles])
        expert.set_names(names)
        expert.erased_at = utcnow()
        condition = Document.expert_id == expert.id
        if awards:  # awards given to the person by name (mentions.py)
            condition = sa.or_(condition, Document.award_id.in_(awards))
        closed = _finish(session, "expert", expert.id, names, f"{expert.code} {names['en']}",
                         _withdraw(session, condition, names),
                         User.expert_id == expert.id, expert.championship_id)
    _end_sessions(closed)
    mentions.delete_files(files)
    return expert


def _finish(session, kind: str, person_id: int, names: dict, summary: str, withdrawn: int,
            accounts, championship_id: int) -> list[int]:
    """What both erasures end with: the person's accounts closed, the audit entries about them
    scrubbed, and the erasure audited. The ids of the accounts closed."""
    users = session.execute(sa.select(User).where(accounts)).scalars().all()
    closed = _close_accounts(session, users)
    _scrub_audit(session, kind, [person_id], summary)
    _scrub_audit(session, "user", closed, f"account of {names['en']}")
    audit.record("erase", kind, person_id, summary=summary,
                 changes={"erased": [None, "personal data"],
                          "certificates_withdrawn": [None, withdrawn],
                          "accounts_disabled": [None, len(closed)]},
                 championship_id=championship_id)
    return closed


def _end_sessions(closed: list[int]) -> None:
    """After the commit: the closed accounts' open connections end."""
    for user_id in closed:
        sockets.end(sockets.user_room(user_id))


def erase(kind: str, person_id: int, typed: str):
    return (erase_competitor if kind == "competitor" else erase_expert)(person_id, typed)
