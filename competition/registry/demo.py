"""The demo championship of East Kazakhstan, loaded from fixtures/demo/ (`competition demo`).

The files follow one format (see fixtures/demo/README.md); anything wrong in them is reported
with the file and the entry, and nothing is written.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa

from ..database import write_transaction
from ..errors import Invalid
from ..extensions import db
from ..models import (
    Aspect,
    Award,
    Championship,
    Competitor,
    CompetitorMember,
    Criterion,
    Expert,
    ExpertRole,
    Organization,
    Skill,
    SubCriterion,
    User,
)
from ..paths import resource_dir
from .scheme.cis import build_cis_scheme

DEMO_FILES = ("worldskills.json", "abilympics.json")
AWARDS_FILE = "awards.json"


class DemoError(Invalid):
    """The demo files are wrong; the message names the file and the entry. Its own class, as
    the command line's last line of defence names it: "error: DemoError: <file>: <entry> …"."""

    default_code = "demo_files"


def demo_dir() -> Path:
    return resource_dir("fixtures") / "demo"


def database_is_empty() -> bool:
    tables = (Organization, Championship, User)
    return not any(db.session.execute(sa.select(model.id).limit(1)).first() for model in tables)


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoError(f"{path}: the file is missing") from None
    except json.JSONDecodeError as error:
        raise DemoError(f"{path}: not valid JSON ({error})") from None


def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DemoError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise DemoError(f"{where}: {value!r} is not a number")
    return number


def _names(entry: dict, key: str, where: str) -> dict[str, str]:
    names = entry.get(key)
    if not isinstance(names, dict) or not any(names.get(k) for k in ("ru", "kk", "en")):
        raise DemoError(f"{where}: {key!r} needs a text in ru, kk or en")
    return names


@dataclass
class _Loader:
    organizations: dict[str, Organization]

    def organization(self, code: str | None, where: str) -> Organization | None:
        if code is None:
            return None
        if code not in self.organizations:
            raise DemoError(f"{where}: unknown organization {code!r}")
        return self.organizations[code]


def _load_organizations(path: Path) -> dict[str, Organization]:
    entries = _read(path)
    if not isinstance(entries, list):
        raise DemoError(f"{path}: expected a list of organizations")
    result: dict[str, Organization] = {}
    for index, entry in enumerate(entries):
        where = f"{path.name}[{index}]"
        code = entry.get("code")
        if not code or code in result:
            raise DemoError(f"{where}: missing or repeated code {code!r}")
        organization = Organization(code=code, kind=entry.get("kind", "college"),
                                    region=entry.get("region", ""))
        organization.set_names(_names(entry, "name", where))
        result[code] = organization
    return result


def _load_scheme(skill: Skill, data: dict, file: str) -> int:
    aspects = 0
    codes: set[str] = set()
    for c_index, c_data in enumerate(data.get("criteria") or []):
        where = f"{file}: criteria[{c_index}]"
        criterion = Criterion(code=c_data["code"], position=c_index)
        criterion.set_names(_names(c_data, "name", where))
        skill.criteria.append(criterion)
        for s_index, s_data in enumerate(c_data.get("sub_criteria") or []):
            s_where = f"{where}.sub_criteria[{s_index}]"
            sub = SubCriterion(code=s_data["code"], day=s_data.get("day", "C1"), position=s_index)
            sub.set_names(_names(s_data, "name", s_where))
            criterion.sub_criteria.append(sub)
            for a_index, a_data in enumerate(s_data.get("aspects") or []):
                a_where = f"{s_where}.aspects[{a_index}] ({a_data.get('code')})"
                code = a_data.get("code")
                if not code or code in codes:
                    raise DemoError(f"{a_where}: missing or repeated aspect code")
                codes.add(code)
                kind = a_data.get("type")
                if kind not in ("M", "J"):
                    raise DemoError(f"{a_where}: type must be M or J, not {kind!r}")
                maximum = _decimal(a_data.get("max"), f"{a_where}.max")
                if maximum <= 0:
                    raise DemoError(f"{a_where}: max must be above 0")
                values = None
                if kind == "M" and a_data.get("values"):
                    values = [str(_decimal(v, f"{a_where}.values")) for v in a_data["values"]]
                descriptors = a_data.get("descriptors") if kind == "J" else None
                if kind == "J" and (not isinstance(descriptors, list) or len(descriptors) != 4):
                    raise DemoError(f"{a_where}: a judgement aspect needs 4 descriptors (0-3)")
                description = _names(a_data, "description", a_where)
                aspect = Aspect(
                    code=code, type=kind, max=maximum, allowed_values=values,
                    descriptors=descriptors, position=a_index,
                    standards_section=str(a_data.get("standards_section", "")),
                    description_ru=description.get("ru") or "",
                    description_kk=description.get("kk") or "",
                    description_en=description.get("en") or "",
                )
                aspect.skill = skill
                sub.aspects.append(aspect)
                aspects += 1
    return aspects


def _load_competitors(skill: Skill, data: dict, file: str, loader: _Loader,
                      categories: list[str]) -> None:
    codes: set[str] = set()
    for index, entry in enumerate(data.get("competitors") or []):
        where = f"{file}: competitors[{index}] ({entry.get('code')})"
        code = entry.get("code")
        if not code or code in codes:
            raise DemoError(f"{where}: missing or repeated competitor code")
        codes.add(code)
        category = entry.get("category")
        if category is not None and category not in categories:
            raise DemoError(f"{where}: category {category!r} is not one of {categories}")
        competitor = Competitor(
            code=code, category=category, status=entry.get("status", "active"),
            workstation=entry.get("workstation"),
            organization=loader.organization(entry.get("organization"), where),
            birth_date=date.fromisoformat(entry["birth_date"]) if entry.get("birth_date") else None,
        )
        competitor.set_names(_names(entry, "name", where))
        for m_index, member_data in enumerate(entry.get("members") or []):
            born = member_data.get("birth_date")
            member = CompetitorMember(position=m_index,
                                      birth_date=date.fromisoformat(born) if born else None,
                                      name_consent=bool(member_data.get("name_consent")))
            member.set_names(_names(member_data, "name", f"{where}.members[{m_index}]"))
            competitor.members.append(member)
        if skill.team_size > 1 and len(competitor.members) != skill.team_size:
            raise DemoError(f"{where}: a team of this skill has {skill.team_size} members")
        skill.competitors.append(competitor)


def _load_championship(path: Path, loader: _Loader, progress) -> Championship:
    data = _read(path)
    where = path.name
    policy = data.get("policy") or {}
    medal_min = policy.get("medal_min_field") or {}
    championship = Championship(
        code=data["code"], kind=data.get("kind", "worldskills"),
        starts_on=date.fromisoformat(data["starts_on"]) if data.get("starts_on") else None,
        ends_on=date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
        categories=",".join(data.get("categories") or []),
        scale=policy.get("scale", "raw"),
        judges_per_aspect=int(policy.get("judges_per_aspect", 3)),
        tie_margin=(None if policy.get("tie_margin") is None
                    else _decimal(policy["tie_margin"], f"{where}: tie_margin")),
        medallion_threshold=(
            None if policy.get("medallion_threshold") is None
            else _decimal(policy["medallion_threshold"], f"{where}: medallion_threshold")),
        medal_min_gold=int(medal_min.get("gold", 1)),
        medal_min_silver=int(medal_min.get("silver", 1)),
        medal_min_bronze=int(medal_min.get("bronze", 1)),
    )
    championship.set_names(_names(data, "name", where))
    venue = data.get("venue") or {}
    championship.venue_ru = venue.get("ru", "")
    championship.venue_kk = venue.get("kk", "")
    championship.venue_en = venue.get("en", "")

    skills: dict[str, Skill] = {}
    for position, relative in enumerate(progress(data.get("skills") or [], path.stem)):
        skill_path = path.parent / relative
        skill_data = _read(skill_path)
        skill = Skill(code=skill_data["code"], position=position,
                      team_size=int(skill_data.get("team_size", 1)), visibility="live")
        if skill.code in skills:
            raise DemoError(f"{skill_path.name}: skill code {skill.code!r} is repeated")
        skill.set_names(_names(skill_data, "name", skill_path.name))
        championship.skills.append(skill)
        _load_scheme(skill, skill_data, skill_path.name)
        if skill_data.get("cis_scheme"):  # the scheme as WorldSkills issues it (scheme/cis.py)
            problems = build_cis_scheme(skill, skill_path.parent / skill_data["cis_scheme"])
            if problems:
                raise DemoError(f"{skill_data['cis_scheme']}: " + "; ".join(problems))
        _load_competitors(skill, skill_data, skill_path.name, loader,
                          championship.category_list())
        skills[skill.code] = skill

    expert_codes: set[str] = set()
    for index, entry in enumerate(data.get("experts") or []):
        e_where = f"{where}: experts[{index}] ({entry.get('code')})"
        if not entry.get("code") or entry["code"] in expert_codes:
            raise DemoError(f"{e_where}: missing or repeated expert code")
        expert_codes.add(entry["code"])
        expert = Expert(code=entry["code"], championship=championship,
                        organization=loader.organization(entry.get("organization"), e_where))
        expert.set_names(_names(entry, "name", e_where))
        for skill_code, role in (entry.get("roles") or {}).items():
            if skill_code not in skills:
                raise DemoError(f"{e_where}: unknown skill {skill_code!r} in roles")
            expert.roles.append(ExpertRole(skill=skills[skill_code], role=role))
        db.session.add(expert)
    return championship


def _load_awards(path: Path, loader: _Loader, championships: dict[str, Championship]
                 ) -> list[Award]:
    """The nominations (awards.json): one Award row per recipient, in the file's order.
    The championships must have ids (flushed)."""
    entries = _read(path)
    if not isinstance(entries, list):
        raise DemoError(f"{path.name}: expected a list of nominations")
    awards: list[Award] = []
    positions: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"{path.name}[{index}]"
        code = entry.get("championship")
        if code not in championships:
            raise DemoError(f"{where}: unknown championship {code!r}")
        names = _names(entry, "name", where)
        recipients = entry.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise DemoError(f"{where}: 'recipients' needs at least one organization or person")
        for r_index, recipient in enumerate(recipients):
            r_where = f"{where}.recipients[{r_index}]"
            if not isinstance(recipient, dict):
                raise DemoError(f"{r_where}: expected {{'organization'}} or {{'person', "
                                "'organization'}}")
            organization = loader.organization(recipient.get("organization"), r_where)
            award = Award(championship_id=championships[code].id, organization=organization,
                          position=positions.setdefault(code, 0) + 1)
            positions[code] = award.position
            award.set_names(names)
            if "person" in recipient:
                person = _names(recipient, "person", r_where)
                award.recipient_kind = "person"
                award.recipient_ru = person.get("ru") or ""
                award.recipient_kk = person.get("kk") or ""
                award.recipient_en = person.get("en") or ""
            elif organization is not None:
                award.recipient_kind = "organization"
            else:
                raise DemoError(f"{r_where}: give an 'organization' code or a 'person'")
            awards.append(award)
    return awards


def _no_progress(items: Iterable, _label: str):
    from contextlib import nullcontext

    return nullcontext(items)


def load_demo(replace: bool = False,
              progress: Callable[[Iterable, str], object] = _no_progress) -> str:
    """Load the demo into the database in one transaction; returns a one-line summary."""
    if replace:
        _reset_schema()
    folder = demo_dir()

    def each(items, label):
        # click.progressbar is a context manager; so is the no-op default.
        with progress(list(items), label) as bar:
            yield from bar

    with write_transaction() as session:
        loader = _Loader(_load_organizations(folder / "organizations.json"))
        session.add_all(loader.organizations.values())
        championships = [_load_championship(folder / name, loader, each) for name in DEMO_FILES]
        session.add_all(championships)
        session.flush()  # the awards refer to the championships by id
        awards = _load_awards(folder / AWARDS_FILE, loader,
                              {c.code: c for c in championships})
        session.add_all(awards)
        session.flush()
        skills = sum(len(c.skills) for c in championships)
        competitors = sum(len(s.competitors) for c in championships for s in c.skills)
    return (f"Demo loaded: {len(championships)} championships, {skills} skills, "
            f"{len(loader.organizations)} organizations, {competitors} competitors, "
            f"{len(awards)} awards.")


def _reset_schema() -> None:
    """Drop everything through the migrations and build the schema anew."""
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="base")
    upgrade()


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    role: str
    who: str
    pin: str = ""  # experts: the PIN of /login/pin, with their code and championship


def create_demo_accounts() -> list[DemoAccount]:
    """Accounts to try every side of the product with: random passwords, printed once; the
    expert accounts get a random PIN too, for the tablets' PIN login."""
    from ..auth.service import add_user, set_pin

    accounts: list[DemoAccount] = []

    def add(login: str, role: str, who: str, **links) -> None:
        password = secrets.token_urlsafe(9)
        user = add_user(login, role, password, **links)
        pin = ""
        if links.get("expert") is not None:
            pin = f"{secrets.randbelow(10**6):06d}"
            set_pin(user, pin)
        accounts.append(DemoAccount(login, password, role, who, pin))

    with write_transaction() as session:
        add("admin", "admin", "administrator")
        add("organizer", "organizer", "organizer")
        skills = session.execute(
            sa.select(Skill).join(Championship).order_by(Championship.code, Skill.position)
        ).scalars()
        with_account: set[int] = set()
        for skill in skills:
            roles = session.execute(
                sa.select(ExpertRole).where(ExpertRole.skill_id == skill.id)
                .join(Expert).order_by(Expert.code)
            ).scalars().all()
            for wanted, login in (("chief", "chief"), ("expert", "expert")):
                expert = next((r.expert for r in roles if r.role == wanted
                               and r.expert_id not in with_account), None)
                if expert is not None:
                    with_account.add(expert.id)
                    add(f"{login}-{skill.code.lower()}", wanted,
                        f"{skill.name('en')}: {wanted} {expert.code} "
                        f"({skill.championship.code})", expert=expert)
            if skill.competitors:
                competitor = skill.competitors[0]
                add(f"competitor-{skill.code.lower()}", "competitor",
                    f"{skill.name('en')}: competitor {competitor.code}", competitor=competitor)
    return accounts


def format_accounts(accounts: list[DemoAccount]) -> str:
    """One line per account: login, password, PIN (experts), role, who it is."""
    width = max(len(a.login) for a in accounts)
    header = f"  {'login':<{width}}  {'password':<12}  {'PIN':<6}  {'role':<10}  who"
    lines = [f"  {a.login:<{width}}  {a.password:<12}  {a.pin or '-':<6}  {a.role:<10}  {a.who}"
             for a in accounts]
    return "\n".join([header, *lines]) + "\n"
