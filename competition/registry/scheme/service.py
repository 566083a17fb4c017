"""Use cases of the marking scheme editor: criteria -> sub-criteria (a day) -> aspects.

Three things live here and nowhere else:

- the rules a scheme's parts obey (codes, names, days, M/J, maxima, allowed values, the four
  judgement descriptors): `*_problems()` return {field: message} and are used by the forms of
  the editor and by the Excel/CSV import alike;
- the protection of entered marks (section "Marks entered"): once marks exist, a change that
  would invalidate them is refused with the reason — deleting a part that has marks, changing
  an aspect's type, a maximum or list of allowed values that leaves an entered measurement mark
  outside the allowed set, moving a marked aspect to another sub-criterion. Descriptions,
  descriptors, the standards section, order and other maxima stay editable;
- the writes: one write transaction per user action, each with its audit entry.

Messages are for the organizer, in their language: what is wrong and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from ... import audit
from ...config import LOCALES
from ...database import write_transaction
from ...extensions import db
from ...models import Aspect, Championship, Criterion, Mark, Skill, SubCriterion
from ...models.scheme import ASPECT_TYPES, DAYS

HUNDRED = Decimal("100.00")
CENT = Decimal("0.01")
MAX_LIMIT = Decimal("1000")
CODE_LENGTH = {"criterion": 16, "sub_criterion": 16, "aspect": 32}
NAME_LENGTH = 500
SECTION_LENGTH = 32
SCORES = (0, 1, 2, 3)
VALUE_SEPARATOR = re.compile(r"[;\n]")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Spreadsheets and people write the day and the type in Cyrillic too ("С1", "М").
_LOOKALIKES = str.maketrans({"С": "C", "с": "C", "М": "M", "м": "M"})
TYPE_WORDS = {
    "M": ("m", "measurement", "измеримая", "измерение", "и", "өлшенетін", "objective", "o"),
    "J": ("j", "judgement", "judgment", "судейская", "с", "төрешілік", "subjective", "s"),
}


def _(text: str, **variables) -> str:
    """gettext that also works outside a request (an import from the command line): there the
    messages come in the locale forced by the caller, else in the default one."""
    try:
        return gettext(text, **variables)
    except RuntimeError:  # no request to choose the language from
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")):
            return gettext(text, **variables)


class NotFound(LookupError):
    """No such skill or part of its scheme (the view answers 404)."""


class SchemeError(ValueError):
    """A change refused; the message says why and what to do. `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class MaximaRefused(ValueError):
    """Some maxima of a bulk edit were refused: aspect id -> message. Nothing was saved."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- values as people type them -------------------------------------------------------------

def parse_decimal(text) -> Decimal:
    """An exact decimal with at most 2 places ("1.50", "1,5", "2"); ValueError says what's wrong.
    """
    raw = str(text if text is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise ValueError(_("Enter a number, for example 1.50."))
    if not NUMBER.match(raw.replace(",", ".")):
        raise ValueError(_("%(value)s is not a number; write it like 1.50.", value=raw))
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number; write it like 1.50.", value=raw)) from None
    if number != number.quantize(CENT):
        raise ValueError(_("%(value)s has more than 2 decimal places; round it to "
                           "hundredths.", value=raw))
    if number.as_tuple().exponent < -2:  # "1.500": keep two places
        number = number.quantize(CENT)
    return abs(number) if number == 0 else number


def parse_values(text) -> list[Decimal] | None:
    """The allowed marks of a measurement aspect, "0; 0.75; 1.50" (None when empty)."""
    parts = [p.strip() for p in VALUE_SEPARATOR.split(str(text or ""))]
    parts = [p for p in parts if p]
    if not parts:
        return None
    values = []
    for part in parts:
        try:
            values.append(parse_decimal(part))
        except ValueError as error:
            raise ValueError(_("In the list of allowed marks: %(problem)s Separate the marks "
                               "with \";\", for example 0; 0.75; 1.50.",
                               problem=str(error))) from None
    return values


def max_text(value: Decimal | None) -> str:
    """A maximum or a sum as shown and exported: 2 decimal places ("1.50", "100.00")."""
    if value is None:
        return ""
    return str(Decimal(value).quantize(CENT))


def values_text(values: Iterable | None) -> str:
    return "; ".join(str(v) for v in values or [])


def normalize_day(text) -> str:
    return str(text or "").strip().translate(_LOOKALIKES).upper().replace(" ", "")


def normalize_type(text) -> str:
    """"M" or "J" for what people write ("М", "measurement", "судейская"…); else as typed."""
    raw = str(text or "").strip()
    upper = raw.translate(_LOOKALIKES).upper()
    if upper in ASPECT_TYPES:
        return upper
    folded = raw.casefold()
    for key, words in TYPE_WORDS.items():
        if folded in words:
            return key
    return raw


def same_number(a, b) -> bool:
    return Decimal(a) == Decimal(b)


# --- the rules a scheme's parts obey ---------------------------------------------------------

@dataclass
class CriterionInput:
    code: str
    names: dict[str, str]


@dataclass
class SubCriterionInput:
    code: str
    names: dict[str, str]
    day: str = "C1"


@dataclass
class AspectInput:
    code: str
    type: str
    max: Decimal | None
    values: list[Decimal] | None = None
    description: dict[str, str] = field(default_factory=dict)
    # J: four {"ru", "kk", "en"} for scores 0..3
    descriptors: list[dict[str, str]] | None = None
    standards_section: str = ""
    sub_criterion_id: int | None = None


def _code_problem(code: str, kind: str) -> str | None:
    if not code:
        return _("Enter a code.")
    if any(ch.isspace() for ch in code):
        return _("A code has no spaces (for example A1.2).")
    if len(code) > CODE_LENGTH[kind]:
        return _("At most %(n)s characters.", n=CODE_LENGTH[kind])
    return None


def _names_problems(names: dict[str, str], prefix: str = "name") -> dict[str, str]:
    problems = {}
    if not any((names.get(locale) or "").strip() for locale in LOCALES):
        problems[f"{prefix}_ru"] = _("Enter the name in at least one language.")
    for locale in LOCALES:
        if len(names.get(locale) or "") > NAME_LENGTH:
            problems[f"{prefix}_{locale}"] = _("At most %(n)s characters.", n=NAME_LENGTH)
    return problems


def criterion_problems(data: CriterionInput) -> dict[str, str]:
    problems = _names_problems(data.names)
    if (problem := _code_problem(data.code, "criterion")):
        problems["code"] = problem
    return problems


def sub_criterion_problems(data: SubCriterionInput) -> dict[str, str]:
    problems = _names_problems(data.names)
    if (problem := _code_problem(data.code, "sub_criterion")):
        problems["code"] = problem
    if data.day not in DAYS:
        problems["day"] = _("One of the competition days: %(days)s.", days=", ".join(DAYS))
    return problems


def aspect_problems(data: AspectInput) -> dict[str, str]:
    """Everything wrong with an aspect on its own (uniqueness and marks are checked on save)."""
    problems: dict[str, str] = {}
    if (problem := _code_problem(data.code, "aspect")):
        problems["code"] = problem
    if data.type not in ASPECT_TYPES:
        problems["type"] = _("M (measurement) or J (judgement).")
    if data.max is None:
        problems.setdefault("max", _("Enter the maximum mark, for example 1.50."))
    elif data.max <= 0:
        problems["max"] = _("The maximum must be above 0.")
    elif data.max > MAX_LIMIT:
        problems["max"] = _("The maximum can be at most %(limit)s.", limit=MAX_LIMIT)
    if not any((data.description.get(locale) or "").strip() for locale in LOCALES):
        problems["description_ru"] = _("Describe the aspect in at least one language.")
    if len(data.standards_section or "") > SECTION_LENGTH:
        problems["standards_section"] = _("At most %(n)s characters.", n=SECTION_LENGTH)
    if data.type == "M" and data.values:
        seen: set[Decimal] = set()
        for value in data.values:
            if value < 0:
                problems["values"] = _("Allowed marks cannot be negative (%(value)s).",
                                       value=value)
                break
            if data.max is not None and data.max > 0 and value > data.max:
                problems["values"] = _(
                    "The allowed mark %(value)s is above the maximum %(max)s: lower the mark "
                    "or raise the maximum.", value=value, max=max_text(data.max))
                break
            if value in seen:
                problems["values"] = _("The allowed mark %(value)s is listed twice.",
                                       value=value)
                break
            seen.add(value)
    if data.type == "J":
        descriptors = data.descriptors or []
        for score in SCORES:
            texts = descriptors[score] if score < len(descriptors) else {}
            if not any((texts.get(locale) or "").strip() for locale in LOCALES):
                problems[f"descriptor_{score}_ru"] = _(
                    "A judgement aspect needs all four descriptors: say what a score of "
                    "%(score)s means, in at least one language.", score=score)
    return problems


def _aspect_values(data: AspectInput) -> list[str] | None:
    return [str(v) for v in data.values] if data.type == "M" and data.values else None


def _aspect_descriptors(data: AspectInput) -> list[dict[str, str]] | None:
    if data.type != "J":
        return None
    return [{locale: (texts.get(locale) or "").strip() for locale in LOCALES}
            for texts in (data.descriptors or [])[:4]]


# --- reading ---------------------------------------------------------------------------------

def get_skill(skill_id: int) -> Skill:
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound(f"skill {skill_id}")
    return skill


def find_skill(championship_code: str, skill_code: str) -> Skill | None:
    """The skill with this code (in this championship, if given); None if none or several."""
    query = sa.select(Skill).join(Championship).where(Skill.code == skill_code)
    if championship_code:
        query = query.where(Championship.code == championship_code)
    skills = db.session.execute(query.limit(2)).scalars().all()
    return skills[0] if len(skills) == 1 else None


def get_part(kind: str, skill_id: int, item_id: int):
    """A criterion, sub-criterion or aspect of the skill (NotFound if it belongs elsewhere)."""
    model = {"criterion": Criterion, "sub_criterion": SubCriterion, "aspect": Aspect}[kind]
    item = db.session.get(model, item_id)
    if item is None or _skill_id_of(item) != skill_id:
        raise NotFound(f"{kind} {item_id} of skill {skill_id}")
    return item


def _skill_id_of(item) -> int:
    if isinstance(item, SubCriterion):
        return item.criterion.skill_id
    return item.skill_id


@dataclass
class SchemeSums:
    criteria: dict[int, Decimal]
    sub_criteria: dict[int, Decimal]
    total: Decimal

    @property
    def is_hundred(self) -> bool:
        return self.total == HUNDRED


def sums(skill: Skill) -> SchemeSums:
    criteria: dict[int, Decimal] = {}
    subs: dict[int, Decimal] = {}
    for criterion in skill.criteria:
        criteria[criterion.id] = Decimal(0)
        for sub in criterion.sub_criteria:
            subs[sub.id] = sum((Decimal(a.max) for a in sub.aspects), Decimal(0))
            criteria[criterion.id] += subs[sub.id]
    return SchemeSums(criteria, subs, sum(criteria.values(), Decimal(0)))


def mark_counts(skill_id: int) -> dict[int, int]:
    """Aspect id -> how many marks have been entered for it."""
    return dict(db.session.execute(
        sa.select(Mark.aspect_id, sa.func.count()).where(Mark.skill_id == skill_id)
        .group_by(Mark.aspect_id)).all())


def marks_exist(skill_id: int) -> bool:
    return db.session.execute(
        sa.select(Mark.id).where(Mark.skill_id == skill_id).limit(1)).first() is not None


def skills_overview() -> list[tuple[Skill, SchemeSums, int]]:
    """Every skill with its sums and aspect count, by championship then position."""
    skills = db.session.execute(
        sa.select(Skill).join(Championship).order_by(Championship.code, Skill.position,
                                                     Skill.code)).scalars().all()
    result = []
    for skill in skills:
        count = sum(len(sub.aspects) for c in skill.criteria for sub in c.sub_criteria)
        result.append((skill, sums(skill), count))
    return result


# --- marks entered: what may no longer change (the one place these checks live) --------------

def _count_marks(aspect_ids: list[int]) -> int:
    if not aspect_ids:
        return 0
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.aspect_id.in_(aspect_ids))
    ).scalar_one()


def _used_values(aspect_id: int) -> list[Decimal]:
    """The distinct measurement marks entered for an aspect (withdrawn marks excluded)."""
    values = db.session.execute(
        sa.select(Mark.value).where(Mark.aspect_id == aspect_id, Mark.value.is_not(None))
        .distinct()).scalars().all()
    return sorted({Decimal(v) for v in values})


def refuse_delete_if_marked(kind: str, code: str, aspect_ids: list[int]) -> None:
    count = _count_marks(aspect_ids)
    if not count:
        return
    what = {"criterion": _("Criterion %(code)s", code=code),
            "sub_criterion": _("Sub-criterion %(code)s", code=code),
            "aspect": _("Aspect %(code)s", code=code)}[kind]
    raise SchemeError(_(
        "%(what)s cannot be deleted: %(count)s marks have been entered for it, and deleting it "
        "would delete them. Marks are never deleted; you can still edit its texts.",
        what=what, count=count))


def check_aspect_change(aspect: Aspect, data: AspectInput) -> None:
    """Refuse an edit of `aspect` that would invalidate its entered marks (SchemeError)."""
    if not _count_marks([aspect.id]):
        return
    if data.type != aspect.type:
        raise SchemeError(_(
            "The type cannot change: marks have been entered for %(code)s as %(type)s. "
            "Keep the type, or add a new aspect of the other type.",
            code=aspect.code, type=aspect.type), field="type")
    if data.sub_criterion_id is not None and data.sub_criterion_id != aspect.sub_criterion_id:
        raise SchemeError(_(
            "%(code)s cannot move to another sub-criterion: its marks were entered (and may be "
            "signed off) under its current sub-criterion.", code=aspect.code),
            field="sub_criterion_id")
    if aspect.type != "M":
        return  # judgement marks are scores 0-3 whatever the maximum
    used = _used_values(aspect.id)
    if not used or data.max is None:
        return
    highest = max(used)
    if data.max < highest:
        raise SchemeError(_(
            "The maximum cannot be below %(mark)s: a mark of %(mark)s has been entered for "
            "%(code)s.", mark=max_text(highest), code=aspect.code), field="max")
    allowed = set(data.values) if data.values else {Decimal(0), data.max}
    outside = [v for v in used if not any(v == a for a in allowed)]
    if outside:
        marks = "; ".join(max_text(v) for v in outside)
        if data.values:
            raise SchemeError(_(
                "The allowed marks must keep %(marks)s: marks of that value have been entered "
                "for %(code)s.", marks=marks, code=aspect.code), field="values")
        raise SchemeError(_(
            "Without a list of allowed marks only 0 and the maximum (%(max)s) are allowed, but "
            "marks of %(marks)s have been entered for %(code)s. List the allowed marks "
            "including %(marks)s.", max=max_text(data.max), marks=marks, code=aspect.code),
            field="values")


def refuse_replace_if_marked(skill: Skill) -> None:
    """A whole scheme is replaced (import) only while no mark has been entered for the skill."""
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if count:
        raise SchemeError(_(
            "The marking scheme of %(skill)s cannot be replaced: %(count)s marks have been "
            "entered for it. Edit the scheme in the editor instead; changes that keep the "
            "entered marks valid are allowed there.", skill=skill.code, count=count))


def aspect_ids_of(kind: str, item) -> list[int]:
    if kind == "criterion":
        return [a.id for sub in item.sub_criteria for a in sub.aspects]
    if kind == "sub_criterion":
        return [a.id for a in item.aspects]
    return [item.id]


def delete_refusal(kind: str, skill_id: int, item_id: int) -> str | None:
    """Why the part cannot be deleted, or None (shown before the organizer confirms)."""
    item = get_part(kind, skill_id, item_id)
    try:
        refuse_delete_if_marked(kind, item.code, aspect_ids_of(kind, item))
    except SchemeError as error:
        return error.message
    return None


# --- uniqueness --------------------------------------------------------------------------------

def _check_criterion_code(skill_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(Criterion.id).where(
        Criterion.skill_id == skill_id, Criterion.code == code, Criterion.id != (own_id or 0))
    ).first()
    if other:
        raise SchemeError(_("This skill already has a criterion %(code)s; choose another code.",
                            code=code), field="code")


def _check_sub_criterion_code(criterion_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(SubCriterion.id).where(
        SubCriterion.criterion_id == criterion_id, SubCriterion.code == code,
        SubCriterion.id != (own_id or 0))).first()
    if other:
        raise SchemeError(_("This criterion already has a sub-criterion %(code)s; choose "
                            "another code.", code=code), field="code")


def _check_aspect_code(skill_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(Aspect.id).where(
        Aspect.skill_id == skill_id, Aspect.code == code, Aspect.id != (own_id or 0))).first()
    if other:
        raise SchemeError(_("This skill already has an aspect %(code)s; aspect codes are "
                            "unique in a skill.", code=code), field="code")


def _raise_problems(problems: dict[str, str]) -> None:
    if problems:
        name, message = next(iter(problems.items()))
        raise SchemeError(message, field=name)


# --- writes: one transaction and one audit entry per action ----------------------------------

def _record(action: str, entity: str, item, skill: Skill, summary: str, changes: dict) -> None:
    audit.record(action, entity, item.id, summary, changes, skill.championship_id)


def _next_position(items) -> int:
    return max((i.position for i in items), default=-1) + 1


def _names_fields(names: dict[str, str]) -> dict[str, str]:
    return {f"name_{locale}": (names.get(locale) or "").strip() for locale in LOCALES}


def _plain(value):
    """A value as JSON for the audit log (decimals as text, lists and dicts kept)."""
    if isinstance(value, Decimal):
        return max_text(value)
    return value


def _snapshot(item, fields: list[str]) -> dict:
    return {name: [_plain(getattr(item, name)), None] for name in fields}


CRITERION_FIELDS = ["code", "name_ru", "name_kk", "name_en"]
SUB_CRITERION_FIELDS = ["code", "name_ru", "name_kk", "name_en", "day"]
ASPECT_FIELDS = ["code", "type", "max", "allowed_values", "descriptors", "description_ru",
                 "description_kk", "description_en", "standards_section", "sub_criterion_id"]


def create_criterion(skill_id: int, data: CriterionInput) -> Criterion:
    _raise_problems(criterion_problems(data))
    with write_transaction() as session:
        skill = get_skill(skill_id)
        _check_criterion_code(skill.id, data.code)
        criterion = Criterion(code=data.code, position=_next_position(skill.criteria))
        criterion.set_names(data.names)
        skill.criteria.append(criterion)
        session.flush()
        _record("create", "criterion", criterion, skill,
                f"{skill.code}: criterion {criterion.code} created",
                {name: [None, getattr(criterion, name)] for name in CRITERION_FIELDS})
    return criterion


def update_criterion(skill_id: int, criterion_id: int, data: CriterionInput) -> Criterion:
    _raise_problems(criterion_problems(data))
    with write_transaction():
        criterion = get_part("criterion", skill_id, criterion_id)
        _check_criterion_code(skill_id, data.code, criterion.id)
        changes = audit.diff(criterion, CRITERION_FIELDS,
                             {"code": data.code, **_names_fields(data.names)})
        if changes:
            _record("update", "criterion", criterion, criterion.skill,
                    f"{criterion.skill.code}: criterion {criterion.code} edited", changes)
    return criterion


def delete_criterion(skill_id: int, criterion_id: int) -> str:
    with write_transaction() as session:
        criterion = get_part("criterion", skill_id, criterion_id)
        aspect_ids = aspect_ids_of("criterion", criterion)
        refuse_delete_if_marked("criterion", criterion.code, aspect_ids)
        skill, code = criterion.skill, criterion.code
        changes = _snapshot(criterion, CRITERION_FIELDS)
        changes["sub_criteria"] = [len(criterion.sub_criteria), 0]
        changes["aspects"] = [len(aspect_ids), 0]
        _record("delete", "criterion", criterion, skill,
                f"{skill.code}: criterion {code} deleted", changes)
        skill.criteria.remove(criterion)
        session.flush()
    return code


def create_sub_criterion(skill_id: int, criterion_id: int,
                         data: SubCriterionInput) -> SubCriterion:
    _raise_problems(sub_criterion_problems(data))
    with write_transaction() as session:
        criterion = get_part("criterion", skill_id, criterion_id)
        _check_sub_criterion_code(criterion.id, data.code)
        sub = SubCriterion(code=data.code, day=data.day,
                           position=_next_position(criterion.sub_criteria))
        sub.set_names(data.names)
        criterion.sub_criteria.append(sub)
        session.flush()
        _record("create", "sub_criterion", sub, criterion.skill,
                f"{criterion.skill.code}: sub-criterion {sub.code} created in {criterion.code}",
                {name: [None, getattr(sub, name)] for name in SUB_CRITERION_FIELDS})
    return sub


def update_sub_criterion(skill_id: int, sub_id: int, data: SubCriterionInput) -> SubCriterion:
    _raise_problems(sub_criterion_problems(data))
    with write_transaction():
        sub = get_part("sub_criterion", skill_id, sub_id)
        _check_sub_criterion_code(sub.criterion_id, data.code, sub.id)
        changes = audit.diff(sub, SUB_CRITERION_FIELDS,
                             {"code": data.code, "day": data.day, **_names_fields(data.names)})
        if changes:
            skill = sub.criterion.skill
            _record("update", "sub_criterion", sub, skill,
                    f"{skill.code}: sub-criterion {sub.code} edited", changes)
    return sub


def delete_sub_criterion(skill_id: int, sub_id: int) -> str:
    with write_transaction() as session:
        sub = get_part("sub_criterion", skill_id, sub_id)
        refuse_delete_if_marked("sub_criterion", sub.code, aspect_ids_of("sub_criterion", sub))
        criterion = sub.criterion
        skill, code = criterion.skill, sub.code
        changes = _snapshot(sub, SUB_CRITERION_FIELDS)
        changes["aspects"] = [len(sub.aspects), 0]
        _record("delete", "sub_criterion", sub, skill,
                f"{skill.code}: sub-criterion {code} deleted from {criterion.code}", changes)
        criterion.sub_criteria.remove(sub)
        session.flush()
    return code


def aspect_fields(data: AspectInput) -> dict:
    return {
        "code": data.code, "type": data.type, "max": data.max,
        "allowed_values": _aspect_values(data), "descriptors": _aspect_descriptors(data),
        "description_ru": (data.description.get("ru") or "").strip(),
        "description_kk": (data.description.get("kk") or "").strip(),
        "description_en": (data.description.get("en") or "").strip(),
        "standards_section": (data.standards_section or "").strip(),
    }


def create_aspect(skill_id: int, sub_id: int, data: AspectInput) -> Aspect:
    _raise_problems(aspect_problems(data))
    with write_transaction() as session:
        sub = get_part("sub_criterion", skill_id, data.sub_criterion_id or sub_id)
        skill = sub.criterion.skill
        _check_aspect_code(skill.id, data.code)
        aspect = Aspect(skill_id=skill.id, position=_next_position(sub.aspects),
                        **aspect_fields(data))
        sub.aspects.append(aspect)
        session.flush()
        changes = {name: [None, _plain(getattr(aspect, name))] for name in ASPECT_FIELDS}
        _record("create", "aspect", aspect, skill,
                f"{skill.code}: aspect {aspect.code} created in {sub.code}", changes)
    return aspect


def update_aspect(skill_id: int, aspect_id: int, data: AspectInput) -> Aspect:
    _raise_problems(aspect_problems(data))
    with write_transaction() as session:
        aspect = get_part("aspect", skill_id, aspect_id)
        _check_aspect_code(skill_id, data.code, aspect.id)
        check_aspect_change(aspect, data)
        new_values = aspect_fields(data)
        if aspect.max is not None and same_number(aspect.max, data.max):
            new_values["max"] = aspect.max  # 1.5 and 1.5000 are one maximum
        old_sub = target_sub = aspect.sub_criterion
        if data.sub_criterion_id and data.sub_criterion_id != aspect.sub_criterion_id:
            target_sub = get_part("sub_criterion", skill_id, data.sub_criterion_id)
        changes = audit.diff(aspect, [f for f in ASPECT_FIELDS if f != "sub_criterion_id"],
                             new_values)
        if target_sub is not old_sub:
            # to the end of the other sub-criterion; the relationship updates both lists
            aspect.position = _next_position(target_sub.aspects)
            aspect.sub_criterion = target_sub
            changes["sub_criterion_id"] = [old_sub.code, target_sub.code]
        if changes:
            session.flush()
            skill = target_sub.criterion.skill
            _record("update", "aspect", aspect, skill,
                    f"{skill.code}: aspect {aspect.code} edited", changes)
    return aspect


def delete_aspect(skill_id: int, aspect_id: int) -> str:
    with write_transaction() as session:
        aspect = get_part("aspect", skill_id, aspect_id)
        refuse_delete_if_marked("aspect", aspect.code, [aspect.id])
        sub = aspect.sub_criterion
        skill, code = aspect.skill, aspect.code
        _record("delete", "aspect", aspect, skill,
                f"{skill.code}: aspect {code} deleted from {sub.code}",
                _snapshot(aspect, ASPECT_FIELDS))
        sub.aspects.remove(aspect)
        session.flush()
    return code


def delete(kind: str, skill_id: int, item_id: int) -> str:
    """Delete a criterion, sub-criterion or aspect (refused if it has marks); returns its code."""
    return {"criterion": delete_criterion, "sub_criterion": delete_sub_criterion,
            "aspect": delete_aspect}[kind](skill_id, item_id)


def move(kind: str, skill_id: int, item_id: int, direction: str) -> tuple[str, bool]:
    """Move a part one place up or down among its siblings; returns (code, moved?)."""
    if direction not in ("up", "down"):
        raise SchemeError(_("Move up or down."))
    with write_transaction():
        item = get_part(kind, skill_id, item_id)
        parent = {"criterion": lambda: item.skill.criteria,
                  "sub_criterion": lambda: item.criterion.sub_criteria,
                  "aspect": lambda: item.sub_criterion.aspects}[kind]()
        siblings = sorted(parent, key=lambda s: (s.position, s.id))
        index = siblings.index(item)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return item.code, False
        old_position = item.position
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            sibling.position = position
        skill = item.skill if kind != "sub_criterion" else item.criterion.skill
        _record("move", kind, item, skill,
                f"{skill.code}: {kind.replace('_', '-')} {item.code} moved {direction}",
                {"position": [old_position, item.position]})
        return item.code, True


def set_maxima(skill_id: int, maxima: dict[int, Decimal]) -> list[str]:
    """Change several maxima at once (the editor's table); all or nothing.

    Returns the codes of the aspects whose maximum changed; MaximaRefused lists every refusal.
    """
    with write_transaction() as session:
        skill = get_skill(skill_id)
        aspects = {a.id: a for c in skill.criteria for sub in c.sub_criteria for a in sub.aspects}
        errors: dict[int, str] = {}
        changed: list[tuple[Aspect, Decimal]] = []
        for aspect_id, new_max in maxima.items():
            aspect = aspects.get(aspect_id)
            if aspect is None:
                raise NotFound(f"aspect {aspect_id} of skill {skill_id}")
            if same_number(aspect.max, new_max):
                continue
            data = aspect_input(aspect)
            data.max = new_max
            problems = aspect_problems(data)
            if problems.get("max") or problems.get("values"):
                errors[aspect_id] = problems.get("max") or problems["values"]
                continue
            try:
                check_aspect_change(aspect, data)
            except SchemeError as error:
                errors[aspect_id] = error.message
                continue
            changed.append((aspect, new_max))
        if errors:
            raise MaximaRefused(errors)
        for aspect, new_max in changed:
            old = aspect.max
            aspect.max = new_max
            session.flush()
            _record("update", "aspect", aspect, skill,
                    f"{skill.code}: maximum of aspect {aspect.code} changed",
                    {"max": [max_text(old), max_text(new_max)]})
        return [aspect.code for aspect, _ in changed]


def aspect_input(aspect: Aspect) -> AspectInput:
    """An aspect as the editor's input (the form's initial values, a base for partial edits)."""
    return AspectInput(
        code=aspect.code, type=aspect.type, max=Decimal(aspect.max).quantize(CENT),
        values=[Decimal(v) for v in aspect.allowed_values] if aspect.allowed_values else None,
        description={"ru": aspect.description_ru, "kk": aspect.description_kk,
                     "en": aspect.description_en},
        descriptors=[dict(d) for d in aspect.descriptors] if aspect.descriptors else None,
        standards_section=aspect.standards_section or "",
        sub_criterion_id=aspect.sub_criterion_id,
    )
