"""The simulation's side of the database the command is configured for (the server's): the
skills asked for, an account for each panel expert who has none, one API token per judge
(revoked when the run ends), and the skills shown live."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import SimulationError

TOKEN_LABEL = "competition simulate"  # noqa: S105 (a label, not a secret)


@dataclass
class Credentials:
    refs: list[str]  # the chosen skills' references, in order
    judges: dict[str, dict[str, str]]  # skill ref -> expert code -> the judge's login
    tokens: dict[str, str]  # login -> API token
    created: list[str] = field(default_factory=list)  # accounts made by this run


def chosen_skills(requested: Iterable[str], championship: str | None = None) -> list[int]:
    """The ids of the requested skills (codes, or CHAMPIONSHIP/CODE; every skill when none)."""
    import sqlalchemy as sa
    from flask_babel import force_locale

    from ..errors import DomainError
    from ..extensions import db
    from ..lookup import find_skill
    from ..models import Championship, Skill

    wanted = [ref.strip() for ref in requested if ref.strip()]
    if not wanted:
        query = sa.select(Skill.id).join(Championship).order_by(Championship.code,
                                                                  Skill.position, Skill.code)
        if championship:
            query = query.where(Championship.code == championship)
        found = db.session.execute(query).scalars().all()
        if not found:
            raise SimulationError("the database has no skills; load the demo first "
                                  "(`competition demo`)")
        return list(found)
    ids: list[int] = []
    for ref in wanted:
        try:
            with force_locale("en"):  # the command line's language
                skill = find_skill(ref, championship)
        except DomainError as error:
            raise SimulationError(error.message) from None
        if skill.id not in ids:
            ids.append(skill.id)
    return ids


def issue_credentials(skill_ids: list[int]) -> Credentials:
    """An account for every panel expert of the skills who has none, and a token per judge."""
    import sqlalchemy as sa

    from ..auth.service import AccountError, add_user, create_token
    from ..database import write_transaction
    from ..judging.callers import MARKING_ROLES
    from ..lookup import skill_ref
    from ..models import Expert, ExpertRole, Skill, User

    refs: list[str] = []
    judges: dict[str, dict[str, str]] = {}
    created: list[str] = []
    with write_transaction() as session:
        for skill_id in skill_ids:
            skill = session.get(Skill, skill_id)
            ref = skill_ref(skill)
            refs.append(ref)
            panel = session.execute(
                sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
                .where(ExpertRole.skill_id == skill.id)
                # the chief and deputy first: the first judge reads the marks, and only they
                # see every score of a cell still being judged (blind judgement)
                .order_by(ExpertRole.role.notin_(("chief", "deputy")), Expert.code)
            ).scalars().all()
            judges[ref] = {}
            for expert in panel:
                user = session.execute(
                    sa.select(User).where(User.expert_id == expert.id)).scalar_one_or_none()
                if user is None:
                    login = f"sim-{expert.championship.code}-{expert.code}".lower()
                    try:
                        user = add_user(login, "expert", None, expert=expert)
                    except AccountError as error:
                        raise SimulationError(f"cannot make an account for expert "
                                              f"{expert.code}: {error}") from None
                    session.flush()
                    created.append(login)
                if user.is_active and user.role in MARKING_ROLES:
                    judges[ref][expert.code] = user.login
    tokens = {}
    for login in sorted({login for panel in judges.values() for login in panel.values()}):
        try:
            tokens[login] = create_token(login, TOKEN_LABEL)
        except AccountError as error:
            raise SimulationError(str(error)) from None
    return Credentials(refs, judges, tokens, created)


def revoke(tokens: Iterable[str]) -> None:
    """Revoke the run's tokens (they were shown to nobody)."""
    import sqlalchemy as sa

    from ..database import write_transaction
    from ..models import ApiToken
    from ..models.base import utcnow
    from ..models.people import hash_token

    hashes = [hash_token(token) for token in tokens]
    if not hashes:
        return
    with write_transaction() as session:
        session.execute(sa.update(ApiToken).where(ApiToken.token_hash.in_(hashes),
                                                  ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))


def show_live(skill_ids: list[int]) -> None:
    """Set the skills' visibility to live, audited as board.service.set_visibility does. The
    running server's boards follow with the next mark (its hub reads the visibility then);
    set_visibility itself would tell this process's hub, which no board listens to."""
    from .. import audit
    from ..database import write_transaction
    from ..models import Skill

    with write_transaction() as session:
        for skill_id in skill_ids:
            skill = session.get(Skill, skill_id)
            before = skill.visibility
            if before != "live":
                skill.visibility = "live"
                audit.record("visibility", "skill", skill.id, f"{skill.code}: {before} → live",
                             {"visibility": [before, "live"]}, skill.championship_id)


