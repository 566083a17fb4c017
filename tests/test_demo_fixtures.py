"""The demo championship files (fixtures/demo) are complete and consistent.

Pure: reads the JSON files with the standard library and never imports the application, so
a broken fixture is reported here, by file and entry, before `competition demo` meets it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
CHAMPIONSHIPS = {"worldskills.json": "worldskills", "abilympics.json": "abilympics"}
ABILYMPICS_CATEGORIES = ["schoolchildren", "students", "specialists"]
ORG_KINDS = {"college", "enterprise", "school", "university", "other"}
ROLES = {"chief", "deputy", "expert", "independent"}
STATUSES = {"active", "guest", "withdrawn"}
DECIMAL = re.compile(r"^\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
J_SCORES = 4  # descriptors for the scores 0, 1, 2, 3


def load(name: str):
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def championship_skills() -> list[tuple[str, str]]:
    """(championship file, skill path) for every skill the championships name."""
    return [(c, path) for c in CHAMPIONSHIPS for path in load(c)["skills"]]


def organizations() -> dict[str, dict]:
    return {o["code"]: o for o in load("organizations.json")}


def assert_text(value, where: str) -> None:
    """A text shown to people: ru, kk and en, none empty."""
    assert isinstance(value, dict), f"{where}: expected {{ru, kk, en}}, got {value!r}"
    assert set(value) == {"ru", "kk", "en"}, f"{where}: keys {sorted(value)}"
    for lang, text in value.items():
        assert isinstance(text, str) and text.strip(), f"{where}: empty {lang}"
        assert text == text.strip(), f"{where}: stray spaces in {lang}"


def assert_translated(value, where: str) -> None:
    """Descriptions are really translated, not copied from Russian into Kazakh."""
    assert value["kk"] != value["ru"], f"{where}: kk is a copy of ru"


def as_decimal(text, where: str) -> Decimal:
    assert isinstance(text, str) and DECIMAL.match(text), (
        f"{where}: {text!r} is not a decimal string with 2 decimals"
    )
    return Decimal(text)


def aspects(skill: dict):
    for criterion in skill["criteria"]:
        for sub in criterion["sub_criteria"]:
            yield from sub["aspects"]


# -- files and formatting -------------------------------------------------------------------


def test_every_skill_file_belongs_to_exactly_one_championship():
    named = Counter(path for _, path in championship_skills())
    on_disk = {f"skills/{p.name}" for p in (DEMO / "skills").glob("*.json")}
    assert set(named) == on_disk
    assert all(n == 1 for n in named.values()), named


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*.json"))
)
def test_files_are_utf8_json_indented_by_two(path):
    raw = (DEMO / path).read_text(encoding="utf-8")
    data = json.loads(raw)
    assert raw == json.dumps(data, ensure_ascii=False, indent=2) + "\n", (
        f"{path}: not formatted as json.dumps(indent=2, ensure_ascii=False)"
    )


# -- organizations --------------------------------------------------------------------------


def test_organizations():
    orgs = load("organizations.json")
    codes = [o["code"] for o in orgs]
    assert len(codes) == len(set(codes)), "duplicate organization codes"
    assert len(orgs) == 12
    for o in orgs:
        where = f"organizations.json {o.get('code')}"
        assert set(o) == {"code", "kind", "region", "name"}, where
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", o["code"]), where
        assert o["kind"] in ORG_KINDS, where
        assert isinstance(o["region"], str) and o["region"].isupper(), where
        assert_text(o["name"], where)
    regions = Counter(o["region"] for o in orgs)
    assert regions.most_common(1)[0][0] == "VKO"
    assert len(regions) >= 2, "a guest region makes Best of Region worth showing"


# -- awards ---------------------------------------------------------------------------------


def test_awards():
    """Nominations as in the issue: a patron of the year and a college (one recipient each),
    a social partner given to several enterprises, one to a person; every code is known."""
    awards = load("awards.json")
    orgs = organizations()
    championships = {load(name)["code"] for name in CHAMPIONSHIPS}
    titles = Counter()
    for index, nomination in enumerate(awards):
        where = f"awards.json[{index}]"
        assert set(nomination) == {"championship", "name", "recipients"}, where
        assert nomination["championship"] in championships, where
        assert_text(nomination["name"], where)
        assert_translated(nomination["name"], where)
        titles[(nomination["championship"], nomination["name"]["ru"])] += 1
        assert nomination["recipients"], f"{where}: no recipient"
        seen = []
        for recipient in nomination["recipients"]:
            assert set(recipient) in ({"organization"}, {"person", "organization"}), where
            assert recipient["organization"] is None or recipient["organization"] in orgs, where
            if "person" in recipient:
                assert_text(recipient["person"], f"{where} person")
            else:
                assert recipient["organization"] is not None, where
            assert recipient not in seen, f"{where}: a recipient twice"
            seen.append(recipient)
    assert all(n == 1 for n in titles.values()), f"a nomination listed twice: {titles}"

    def given(title_ru):
        return [r for n in awards if n["name"]["ru"] == title_ru for r in n["recipients"]]

    assert [orgs[r["organization"]]["kind"] for r in given("Лучший меценат года")] == [
        "enterprise"]
    partners = given("Лучший социальный партнёр")
    assert len(partners) >= 2
    assert {orgs[r["organization"]]["kind"] for r in partners} == {"enterprise"}
    assert [orgs[r["organization"]]["kind"] for r in given("Лучший колледж")] == ["college"]
    assert any("person" in r for n in awards for r in n["recipients"])


# -- championships --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHAMPIONSHIPS))
def test_championship(name):
    ch = load(name)
    kind = CHAMPIONSHIPS[name]
    assert set(ch) == {
        "code",
        "kind",
        "name",
        "starts_on",
        "ends_on",
        "venue",
        "policy",
        "categories",
        "skills",
        "experts",
    }
    assert ch["kind"] == kind
    assert re.fullmatch(r"[a-z0-9-]+", ch["code"])
    assert_text(ch["name"], f"{name} name")
    assert_text(ch["venue"], f"{name} venue")
    assert DATE.match(ch["starts_on"]) and DATE.match(ch["ends_on"])
    assert ch["starts_on"] <= ch["ends_on"]

    policy = ch["policy"]
    assert set(policy) == {
        "scale",
        "judges_per_aspect",
        "tie_margin",
        "medallion_threshold",
        "medal_min_field",
    }
    assert policy["scale"] == ("ws700" if kind == "worldskills" else "raw")
    assert policy["judges_per_aspect"] == 3
    assert policy["medal_min_field"] == {"gold": 1, "silver": 1, "bronze": 1}

    if kind == "abilympics":
        assert ch["categories"] == ABILYMPICS_CATEGORIES
    else:
        assert ch["categories"] == []

    skill_codes = [load(path)["code"] for path in ch["skills"]]
    assert len(skill_codes) == len(set(skill_codes)), f"{name}: duplicate skill codes"
    assert len(skill_codes) == (5 if kind == "worldskills" else 2)


@pytest.mark.parametrize("name", sorted(CHAMPIONSHIPS))
def test_experts(name):
    ch = load(name)
    orgs = organizations()
    skill_codes = {load(path)["code"] for path in ch["skills"]}
    codes = [e["code"] for e in ch["experts"]]
    assert len(codes) == len(set(codes)), f"{name}: duplicate expert codes"
    for e in ch["experts"]:
        where = f"{name} expert {e['code']}"
        assert set(e) == {"code", "name", "organization", "roles"}, where
        assert re.fullmatch(r"E\d{2}", e["code"]), where
        assert_text(e["name"], where)
        assert e["organization"] is None or e["organization"] in orgs, where
        assert e["roles"], f"{where}: serves in no skill"
        for skill, role in e["roles"].items():
            assert skill in skill_codes, f"{where}: unknown skill {skill}"
            assert role in ROLES, f"{where}: role {role}"
    assert any(len(e["roles"]) > 1 for e in ch["experts"]), "someone serves in two skills"


def test_worldskills_has_a_guest_and_a_withdrawn_competitor():
    skills = [load(path) for path in load("worldskills.json")["skills"]]
    statuses = Counter(c["status"] for skill in skills for c in skill["competitors"])
    assert statuses["guest"] >= 1 and statuses["withdrawn"] >= 1, statuses


# -- skills ---------------------------------------------------------------------------------

SKILLS = championship_skills()
IDS = [path.removeprefix("skills/").removesuffix(".json") for _, path in SKILLS]


@pytest.mark.parametrize(("championship", "path"), SKILLS, ids=IDS)
def test_marking_scheme(championship, path):
    skill = load(path)
    if "cis_scheme" in skill:  # a CIS workbook (tests/registry/test_cis_import.py reads it)
        assert set(skill) == {"code", "name", "team_size", "cis_scheme", "competitors"}, path
        workbook = (DEMO / "skills" / skill["cis_scheme"]).resolve()
        assert workbook.suffix == ".xlsx" and workbook.read_bytes().startswith(b"PK"), path
        assert workbook.is_relative_to(DEMO.parent), f"{path}: outside fixtures/"
        return
    assert set(skill) == {"code", "name", "team_size", "criteria", "competitors"}, path
    assert_text(skill["name"], f"{path} name")

    criteria = skill["criteria"]
    assert 5 <= len(criteria) <= 7, f"{path}: {len(criteria)} criteria"
    assert [c["code"] for c in criteria] == list("ABCDEFG"[: len(criteria)]), path

    total = Decimal(0)
    seen: set[str] = set()
    kinds = Counter()
    for criterion in criteria:
        assert_text(criterion["name"], f"{path} criterion {criterion['code']}")
        assert criterion["sub_criteria"], f"{path} criterion {criterion['code']} is empty"
        for sub in criterion["sub_criteria"]:
            where = f"{path} sub-criterion {sub['code']}"
            assert re.fullmatch(rf"{criterion['code']}\d+", sub["code"]), where
            assert_text(sub["name"], where)
            assert sub["day"] in {"C1", "C2", "C3"}, where
            assert sub["aspects"], f"{where} is empty"
            for aspect in sub["aspects"]:
                code = aspect["code"]
                where = f"{path} aspect {code}"
                assert re.fullmatch(rf"{sub['code']}\.\d+", code), where
                assert code not in seen, f"{where}: duplicate code"
                seen.add(code)
                assert_text(aspect["description"], where)
                assert_translated(aspect["description"], where)
                assert isinstance(aspect["standards_section"], str), where
                assert aspect["standards_section"].strip(), where
                top = as_decimal(aspect["max"], where)
                assert top > 0, where
                total += top
                kinds[aspect["type"]] += 1
                if aspect["type"] == "M":
                    check_measurement(aspect, top, where)
                elif aspect["type"] == "J":
                    check_judgement(aspect, top, where)
                else:
                    pytest.fail(f"{where}: type {aspect['type']!r}")

    assert total == Decimal("100.00"), f"{path}: the scheme adds up to {total}"
    assert len(seen) >= 40, f"{path}: only {len(seen)} aspects"
    share_j = kinds["J"] / len(seen)
    assert 0.2 <= share_j <= 0.4, f"{path}: {share_j:.0%} judgement aspects"
    assert any("values" in a for a in aspects(skill)), f"{path}: no part marks anywhere"
    assert any(a["type"] == "M" and "values" not in a for a in aspects(skill)), path


def check_measurement(aspect: dict, top: Decimal, where: str) -> None:
    assert set(aspect) <= {"code", "type", "description", "max", "values", "standards_section"}, (
        where
    )
    if "values" not in aspect:
        return  # allowed marks: 0 and max
    values = aspect["values"]
    assert values[0] == "0", f"{where}: values must start with '0'"
    numbers = [Decimal(0)] + [as_decimal(v, where) for v in values[1:]]
    assert numbers == sorted(set(numbers)), f"{where}: values not increasing"
    assert numbers[-1] == top, f"{where}: values must end with max {top}"
    assert all(0 <= n <= top for n in numbers), where
    assert len(numbers) >= 3, f"{where}: 'values' that are only 0 and max say nothing"


def check_judgement(aspect: dict, top: Decimal, where: str) -> None:
    assert set(aspect) == {
        "code",
        "type",
        "description",
        "max",
        "standards_section",
        "descriptors",
    }, where
    assert Decimal("1.00") <= top <= Decimal("3.00"), f"{where}: J max {top}"
    descriptors = aspect["descriptors"]
    assert len(descriptors) == J_SCORES, f"{where}: {len(descriptors)} descriptors"
    for score, text in enumerate(descriptors):
        assert_text(text, f"{where} descriptor {score}")
        assert_translated(text, f"{where} descriptor {score}")
    assert len({d["ru"] for d in descriptors}) == J_SCORES, f"{where}: repeated descriptor"


@pytest.mark.parametrize(("championship", "path"), SKILLS, ids=IDS)
def test_competitors(championship, path):
    skill = load(path)
    ch = load(championship)
    orgs = organizations()
    team_size = skill["team_size"]
    assert isinstance(team_size, int) and team_size >= 1, path
    competitors = skill["competitors"]
    if team_size == 1:
        assert 8 <= len(competitors) <= 12, f"{path}: {len(competitors)} competitors"
    else:
        assert 6 <= len(competitors) <= 12, f"{path}: {len(competitors)} teams"

    codes = [c["code"] for c in competitors]
    assert len(codes) == len(set(codes)), f"{path}: duplicate competitor codes"
    stations = [c["workstation"] for c in competitors]
    assert len(stations) == len(set(stations)), f"{path}: shared workstation"
    for c in competitors:
        where = f"{path} competitor {c['code']}"
        keys = {"code", "name", "organization", "category", "status", "workstation"}
        assert set(c) - {"birth_date"} == (keys | {"members"} if team_size > 1 else keys), where
        if "birth_date" in c:  # optional, YYYY-MM-DD (docs/people.md, "Eligibility")
            assert date(1900, 1, 1) <= date.fromisoformat(c["birth_date"]) < date(2020, 1, 1), where
        assert re.fullmatch(r"\d{3}", c["code"]), where
        assert c["workstation"] in {str(n) for n in range(1, 13)}, where
        assert_text(c["name"], where)
        assert c["organization"] in orgs, f"{where}: unknown organization {c['organization']}"
        assert c["status"] in STATUSES, where
        if ch["categories"]:
            assert c["category"] in ch["categories"], f"{where}: category {c['category']}"
        else:
            assert c["category"] is None, where
        if team_size > 1:
            assert len(c["members"]) == team_size, f"{where}: {len(c['members'])} members"
            for m in c["members"]:
                assert set(m) - {"birth_date", "name_consent"} == {"name"}, where
                if "birth_date" in m:
                    assert date(1900, 1, 1) <= date.fromisoformat(m["birth_date"]) \
                        < date(2020, 1, 1), where
                assert isinstance(m.get("name_consent", False), bool), where
                assert_text(m["name"], f"{where} member")

    if ch["categories"]:
        per_category = Counter(c["category"] for c in competitors)
        for category in ch["categories"]:
            assert 3 <= per_category[category] <= 5, f"{path}: {per_category}"


@pytest.mark.parametrize(("championship", "path"), SKILLS, ids=IDS)
def test_experts_of_skill(championship, path):
    skill = load(path)
    panel = [
        (e, e["roles"][skill["code"]])
        for e in load(championship)["experts"]
        if skill["code"] in e["roles"]
    ]
    assert len(panel) >= 5, f"{path}: {len(panel)} experts"
    roles = Counter(role for _, role in panel)
    assert roles["chief"] == 1, f"{path}: {roles['chief']} chief experts"
    assert roles["deputy"] <= 1, path
    assert roles["independent"] >= 1, f"{path}: no independent expert"

    competitor_orgs = {c["organization"] for c in skill["competitors"]}
    compatriots = [e["code"] for e, _ in panel if e["organization"] in competitor_orgs]
    assert compatriots, f"{path}: no expert shares an organization with a competitor"
    for e, role in panel:
        if role in {"chief", "independent"}:
            assert e["organization"] not in competitor_orgs, (
                f"{path}: the {role} expert {e['code']} is a compatriot"
            )
