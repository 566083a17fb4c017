"""Reading skill files, and every invalid input of docs/rules.md through the command:
exit status 2, nothing on stdout, one line on stderr naming the file and the entry."""

from __future__ import annotations

import copy
import json

import pytest
from rules_support import (
    column,
    competitor,
    criterion,
    j_aspect,
    judged,
    m_aspect,
    mark,
    results,
    run_cli,
    skill,
    totals_skill,
)


def base() -> dict:
    """A valid skill: A1.1 (M, 0/0.75/1.50), A1.2 (J, max 2.00); competitors 101 and 102."""
    return skill(
        criteria=[criterion("A", m_aspect("A1.1", "1.50", ["0", "0.75", "1.50"]),
                            j_aspect("A1.2", "2.00"))],
        competitors=[competitor("101"), competitor("102")],
        marks=[mark("A1.1", "101", "1.50"), *judged("A1.2", "101", 2, 2, 1),
               mark("A1.1", "102", "0.75"), *judged("A1.2", "102", 3, 3, 3)],
    )


def refused(tmp_path, doc, *fragments: str, name: str = "skill.json") -> str:
    result = run_cli(tmp_path, doc, names=[name])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = result.stderr
    assert line.endswith("\n") and line.count("\n") == 1, line
    assert line.startswith(f"error: {tmp_path / name}: "), line
    assert "Traceback" not in line
    for fragment in fragments:
        assert fragment in line, line
    return line


def test_the_base_skill_is_valid(tmp_path):
    result = run_cli(tmp_path, base())
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["format"] == "competition.results/1"


# --- the invalid inputs listed in docs/rules.md, "The exported file" ------------------


def test_unknown_aspect_in_a_mark(tmp_path):
    doc = base()
    doc["marks"].append(mark("Z9", "101", "1"))
    refused(tmp_path, doc, 'marks[8]: unknown aspect "Z9"')


def test_unknown_competitor_in_a_mark(tmp_path):
    doc = base()
    doc["marks"].insert(2, mark("A1.2", "999", 1, "E1"))
    refused(tmp_path, doc, 'marks[2]: aspect "A1.2" (judgement): unknown competitor "999"')


def test_duplicate_aspect_codes(tmp_path):
    doc = base()
    doc["criteria"].append(criterion("B", m_aspect("B1", "1"), m_aspect("A1.1", "1")))
    refused(tmp_path, doc, 'criteria[1].aspects[1]: duplicate aspect code "A1.1"')


def test_duplicate_competitor_codes(tmp_path):
    doc = base()
    doc["competitors"].append(competitor("101"))
    refused(tmp_path, doc, 'competitors[2]: duplicate competitor code "101"')


def test_judgement_mark_without_a_judge(tmp_path):
    doc = base()
    doc["marks"][2] = mark("A1.2", "101", 2)
    refused(tmp_path, doc, 'marks[2]: aspect "A1.2" (judgement), competitor "101": needs a "judge"')


@pytest.mark.parametrize(("value", "shown"), [
    (4, "4"), (-1, "-1"), ("2.5", "2.5"), (1.5, "1.5"), ("0.999", "0.999"),
])
def test_judgement_value_not_0_to_3(tmp_path, value, shown):
    doc = base()
    doc["marks"][3]["value"] = value
    refused(tmp_path, doc,
            f'marks[3]: aspect "A1.2" (judgement), competitor "101", judge "E3": value {shown} '
            "is not 0, 1, 2 or 3")


@pytest.mark.parametrize("value", ["1.00", "0.7", 2, "-0.75"])
def test_measurement_value_not_allowed(tmp_path, value):
    doc = base()
    doc["marks"][4]["value"] = value
    refused(tmp_path, doc, 'marks[4]: aspect "A1.1" (measurement), competitor "102": value',
            "is not an allowed mark (0, 0.75, 1.50)")


def test_measurement_without_values_allows_0_and_max(tmp_path):
    doc = base()
    doc["criteria"][0]["aspects"].append(m_aspect("A1.3", "2"))
    doc["marks"] += [mark("A1.3", "101", "2.00"), mark("A1.3", "102", "1")]
    refused(tmp_path, doc, 'marks[9]: aspect "A1.3" (measurement), competitor "102": value 1 '
            "is not an allowed mark (0, 2)")


def test_two_marks_for_one_measurement(tmp_path):
    doc = base()
    doc["marks"].append(mark("A1.1", "102", "0"))
    refused(tmp_path, doc, 'marks[8]: aspect "A1.1" (measurement), competitor "102": '
            "a second mark (the first is marks[4])")


def test_same_judge_twice(tmp_path):
    doc = base()
    doc["marks"][7]["judge"] = "E1"  # 102's third score, from E1 again
    refused(tmp_path, doc, 'marks[7]: aspect "A1.2" (judgement), competitor "102", judge "E1": '
            "this judge already marked it in marks[5]")


def test_more_judges_than_judges_per_aspect(tmp_path):
    doc = base()
    doc["marks"].append(mark("A1.2", "101", 2, "E4"))
    refused(tmp_path, doc, 'marks[8]: aspect "A1.2" (judgement), competitor "101", judge "E4": '
            "more judges than judges_per_aspect (3)")
    doc = base()
    doc["policy"] = {"judges_per_aspect": 2}
    refused(tmp_path, doc, "marks[3]:", "more judges than judges_per_aspect (2)")


@pytest.mark.parametrize("maximum", ["0", 0, "-1.5", "0.00"])
def test_max_not_above_zero(tmp_path, maximum):
    doc = base()
    doc["criteria"][0]["aspects"][1]["max"] = maximum
    refused(tmp_path, doc, 'criteria[0].aspects[1] "A1.2": max: must be > 0')


def test_unknown_scale(tmp_path):
    doc = base()
    doc["policy"] = {"scale": "ws600"}
    refused(tmp_path, doc, 'policy: scale: unknown scale "ws600"')


def test_missing_format(tmp_path):
    doc = base()
    del doc["format"]
    refused(tmp_path, doc, '"format" is missing')


@pytest.mark.parametrize("fmt", ["competition.skill/2", "competition.results/1", None, 1])
def test_other_format(tmp_path, fmt):
    doc = base()
    doc["format"] = fmt
    refused(tmp_path, doc, "is not \"competition.skill/1\"")


def test_the_first_bad_mark_is_named(tmp_path):
    doc = base()
    doc["marks"][6]["value"] = 7          # later
    doc["marks"].insert(1, mark("A1.1", "101", "0"))  # earlier: a second mark for A1.1/101
    refused(tmp_path, doc, "marks[1]:", "a second mark (the first is marks[0])")


# --- the shape of the file --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fragment"), [
    ("{", "not valid JSON: Expecting property name enclosed in double quotes (line 1"),
    ("", "not valid JSON"),
    ('{"format": "competition.skill/1", "format": "x"}', 'key "format" appears twice'),
    ('{"format": "competition.skill/1", "marks": [NaN]}', "not valid JSON: NaN is not a number"),
    ("[]", "a skill file holds one JSON object"),
])
def test_not_a_skill_file(tmp_path, text, fragment):
    refused(tmp_path, text, fragment)


def test_not_utf8(tmp_path):
    refused(tmp_path, b'{"format": "\xff"}', "not UTF-8 text")


def test_unreadable_file(tmp_path):
    result = run_cli(tmp_path, args=[str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert result.stdout == ""
    missing = tmp_path / "missing.json"
    assert result.stderr == f"error: {missing}: cannot read: No such file or directory\n"
    result = run_cli(tmp_path, args=[str(tmp_path)])  # a directory
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path}: cannot read: ")


@pytest.mark.parametrize(("edit", "fragment"), [
    (lambda d: d.pop("skill"), "skill: is missing"),
    (lambda d: d["skill"].update(code=10), "skill: code must be a non-empty string, not 10"),
    (lambda d: d.pop("marks"), "marks: is missing"),
    (lambda d: d.update(criteria={}), "criteria: must be a list"),
    (lambda d: d["criteria"][0]["aspects"][0].update(type="X"),
     'criteria[0].aspects[0] "A1.1": type: must be "M" or "J", not "X"'),
    (lambda d: d["criteria"][0]["aspects"][0].pop("max"), '"A1.1": "max" is missing'),
    (lambda d: d["criteria"][0]["aspects"][0].update(values=["0", "x"]),
     '"A1.1": values[1]: "x" is not a number'),
    (lambda d: d["criteria"][0]["aspects"][1].update(values=["0", "1"]),
     '"A1.2": values: only a measurement ("M") aspect lists allowed values'),
    (lambda d: d["criteria"].append(criterion("A")), 'criteria[1]: duplicate criterion code "A"'),
    (lambda d: d["competitors"][1].update(status="retired"),
     'competitors[1] "102": status: must be active, guest, withdrawn or disqualified, '
     'not "retired"'),
    (lambda d: d["competitors"][1].update(penalty="-0.5"),
     'competitors[1] "102": penalty: must be ≥ 0, not -0.5'),
    (lambda d: d["competitors"][1].update(penalty="two"),
     'competitors[1] "102": penalty: "two" is not a number'),
    (lambda d: d["competitors"][1].update(penalty=True),
     'competitors[1] "102": penalty: true is not a number'),
    (lambda d: d["competitors"][1].update(code=102), "competitors[1]: code must be"),
    (lambda d: d["marks"][0].pop("value"), 'marks[0]: "value" is missing'),
    (lambda d: d["marks"][0].update(value=None), "marks[0]: aspect \"A1.1\", competitor \"101\": "
     "value: null is not a number"),
    (lambda d: d["marks"][0].update(value=True), "value: true is not a number"),
    (lambda d: d["marks"][0].update(value="1,50"), 'value: "1,50" is not a number'),
    (lambda d: d["marks"][0].update(competitor=101), "marks[0]: competitor: must be a code"),
    (lambda d: d["marks"][2].update(judge=7), "marks[2]: judge: must be an expert's code"),
    (lambda d: d.update(policy={"scale": "raw", "tie_margn": 1}),
     'policy: unknown key "tie_margn"'),
    (lambda d: d.update(policy={"judges_per_aspect": 0}),
     "policy: judges_per_aspect: must be a whole number ≥ 1, not 0"),
    (lambda d: d.update(policy={"judges_per_aspect": "2.5"}),
     'policy: judges_per_aspect: "2.5" is not a whole number'),
    (lambda d: d.update(policy={"tie_margin": "-1"}), "policy: tie_margin: must be ≥ 0"),
    (lambda d: d.update(policy={"medal_min_field": {"platinum": 1}}),
     'policy: medal_min_field: unknown medal "platinum"'),
    (lambda d: d.update(policy={"medal_min_field": {"gold": -1}}),
     "policy: medal_min_field: gold: must be a whole number ≥ 0, not -1"),
    (lambda d: d.update(policy=[]), "policy: must be an object"),
])
def test_malformed_entries(tmp_path, edit, fragment):
    doc = base()
    edit(doc)
    refused(tmp_path, doc, fragment)


def test_nothing_is_printed_when_one_of_several_files_is_invalid(tmp_path):
    bad = base()
    bad["marks"][0]["value"] = "9"
    result = run_cli(tmp_path, base(), bad, base(), names=["a.json", "b.json", "c.json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {tmp_path / 'b.json'}: marks[0]: ")


def test_stdin(tmp_path):
    result = run_cli(tmp_path, args=["-"], stdin=json.dumps(base()))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["skills"][0]["skill"] == "10"
    result = run_cli(tmp_path, args=["-"], stdin="nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: <stdin>: not valid JSON")


def test_no_file_is_a_usage_error(tmp_path):
    result = run_cli(tmp_path, args=[])
    assert result.exit_code == 2
    assert result.stdout == ""


# --- quirks that are valid ---------------------------------------------------------------------


def test_utf8_bom_and_non_ascii_names_are_fine(tmp_path):
    doc = base()
    doc["skill"]["name"] = "Сварочные технологии"
    doc["competitors"][0]["organization"] = "ВКО-ПТК"
    text = "\ufeff" + json.dumps(doc, ensure_ascii=False)
    result = run_cli(tmp_path, text.encode("utf-8"))
    assert result.exit_code == 0, result.stderr
    assert "ВКО-ПТК" in result.stdout  # ensure_ascii=False
    organizations = [row["organization"] for row in json.loads(result.stdout)["medal_table"]]
    assert organizations == ["ORG", "ВКО-ПТК"]  # 102 (gold) is of ORG, 101 (silver) of ВКО-ПТК


def test_policy_omitted_or_empty_means_the_defaults():
    doc = base()
    doc.pop("policy", None)
    expected = results(doc)
    doc["policy"] = {}
    assert results(doc) == expected
    doc["policy"] = {"scale": "raw", "judges_per_aspect": 3, "tie_margin": None,
                     "medallion_threshold": None,
                     "medal_min_field": {"gold": 1, "silver": 1, "bronze": 1}}
    assert results(doc) == expected
    # raw, 3 judges: 101 = 1.50 + 2.00 × 5/9 = 2.61; 102 = 0.75 + 2.00 = 2.75
    assert column(expected, "score") == {"101": "2.61", "102": "2.75"}
    assert column(expected, "medal") == {"101": "silver", "102": "gold"}


def test_numbers_as_strings_or_json_numbers():
    doc = totals_skill({"a": "90", "b": "80"}, policy={
        "judges_per_aspect": "3", "tie_margin": 10.0, "medal_min_field": {"gold": "2"}})
    assert column(results(doc), "rank") == {"a": 1, "b": 1}
    assert column(results(doc), "medal") == {"a": "gold", "b": "gold"}


def test_extra_keys_outside_the_policy_are_ignored():
    doc = base()
    doc["exported_at"] = "2026-03-01T10:00:00Z"
    doc["competitors"][0]["workstation"] = "12"
    doc["marks"][0]["revision"] = 3
    doc["marks"][0]["judge"] = "E5"  # who entered an M mark: not needed, not harmful
    assert results(doc) == results(base())


def test_skill_name_may_be_an_object_of_translations():
    doc = base()
    doc["skill"]["name"] = {"ru": "Сварка", "kk": "Дәнекерлеу", "en": "Welding"}
    assert results(doc) == results(base())


def test_input_is_not_modified_by_evaluation():
    doc = base()
    before = copy.deepcopy(doc)
    results(doc)
    assert doc == before
