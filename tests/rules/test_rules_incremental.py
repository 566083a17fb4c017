"""SkillStandings, the incremental path: after every mark set, corrected or withdrawn, its
result equals evaluate_skill on the same marks; a refused mark changes nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competition.rules import (
    Aspect,
    Competitor,
    Criterion,
    Dispute,
    Mark,
    MedalMinField,
    Policy,
    RulesInputError,
    SkillInput,
    SkillStandings,
    evaluate_skill,
)

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
JUDGES = ("E1", "E2", "E3", "E4")
MAXIMA = ("0.25", "1", "1.50", "2.00", "3")


# --- generated skills and operations ---------------------------------------------------------


@st.composite
def schemes(draw) -> SkillInput:
    """A skill with no marks: any policy, 1–3 criteria of 1–3 aspects, 1–6 competitors."""
    jpa = draw(st.integers(1, 3))
    policy = Policy(
        scale=draw(st.sampled_from(["raw", "ws500", "ws700"])),
        judges_per_aspect=jpa,
        tie_margin=draw(st.sampled_from([None, Decimal(0), Decimal("0.5"), Decimal(2)])),
        medallion_threshold=draw(st.sampled_from([None, Decimal(1), Decimal(500)])),
        medal_min_field=draw(st.sampled_from([MedalMinField(), MedalMinField(1, 1, 3)])),
    )
    criteria = []
    for c in range(draw(st.integers(1, 3))):
        aspects = []
        for a in range(draw(st.integers(1, 3))):
            maximum = Decimal(draw(st.sampled_from(MAXIMA)))
            kind = draw(st.sampled_from("MJ"))
            values = None
            if kind == "M" and draw(st.booleans()):
                values = (Decimal(0), maximum / 2, maximum)
            aspects.append(Aspect(f"{'ABC'[c]}{a}", kind, maximum, values))
        criteria.append(Criterion("ABC"[c], None, tuple(aspects)))
    competitors = tuple(
        Competitor(str(100 + i), None, draw(st.sampled_from(["X", "Y", None])),
                   draw(st.sampled_from([None, None, "s", "t"])),
                   draw(st.sampled_from(["active"] * 4 + ["guest", "withdrawn"])))
        for i in range(draw(st.integers(1, 6)))
    )
    return SkillInput("S", None, policy, tuple(criteria), competitors, ())


def aspects_of(skill: SkillInput) -> dict[str, Aspect]:
    return {a.code: a for c in skill.criteria for a in c.aspects}


@st.composite
def operations(draw, skill: SkillInput, n: int) -> list[tuple]:
    """("apply", Mark) and ("remove", aspect, competitor, judge), mostly valid; now and then
    an unknown code, a value not allowed, a missing judge or one judge too many."""
    aspects = aspects_of(skill)
    codes = sorted(aspects)
    who = [c.code for c in skill.competitors]
    ops = []
    for _ in range(n):
        aspect = draw(st.sampled_from(codes + ["ZZ"] if draw(st.integers(0, 15)) == 0
                                      else codes))
        competitor = draw(st.sampled_from(who + ["999"] if draw(st.integers(0, 15)) == 0
                                          else who))
        judge = draw(st.sampled_from(JUDGES + (None,) if draw(st.integers(0, 15)) == 0
                                     else JUDGES[:skill.policy.judges_per_aspect + 1]))
        if draw(st.integers(0, 4)) == 0:
            ops.append(("remove", aspect, competitor, judge))
            continue
        kind = aspects[aspect].kind if aspect in aspects else "M"
        if kind == "M":
            allowed = list(aspects[aspect].allowed_values) if aspect in aspects else [Decimal(0)]
            value = draw(st.sampled_from(allowed))
            value = draw(st.sampled_from([value, value.quantize(Decimal("0.001")),
                                          value + Decimal("0.1") if draw(st.integers(0, 9)) == 0
                                          else value]))
            judge = None if draw(st.integers(0, 5)) else judge  # a judge on M is not read
        else:
            value = draw(st.sampled_from([0, 1, 2, 3, 1, 2, Decimal("2.0"), Decimal(3)]
                                         + ([4, -1, Decimal("1.5"), None]
                                            if draw(st.integers(0, 9)) == 0 else [])))
        ops.append(("apply", Mark(aspect, competitor, judge, value)))
    return ops


def key(skill: SkillInput, aspect: object, competitor: object, judge: object) -> tuple:
    """The cell a mark sets: (aspect, competitor) for M, (aspect, competitor, judge) for J."""
    known = aspects_of(skill).get(aspect) if isinstance(aspect, str) else None
    return (aspect, competitor, judge if known is None or known.kind == "J" else None)


def with_marks(skill: SkillInput, marks: dict[tuple, Mark]) -> SkillInput:
    return replace(skill, marks=tuple(marks.values()))


def batch_error(skill: SkillInput) -> str | None:
    try:
        evaluate_skill(skill)
    except RulesInputError as error:
        return error.message
    return None


# --- properties --------------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_every_step_equals_evaluate_skill_on_the_current_marks(data):
    scheme = data.draw(schemes())
    # a valid start: the valid ones of some operations, as one skill's marks
    marks: dict[tuple, Mark] = {}
    for op in data.draw(operations(scheme, data.draw(st.integers(0, 25)))):
        if op[0] == "apply":
            candidate = {**marks, key(scheme, *op[1][:3]): op[1]}
            if batch_error(with_marks(scheme, candidate)) is None:
                marks = candidate
    standings = SkillStandings(with_marks(scheme, marks))
    assert standings.result() == evaluate_skill(with_marks(scheme, marks))

    for op in data.draw(operations(scheme, data.draw(st.integers(1, 30)))):
        before = standings.result()
        refused = None
        if op[0] == "apply":
            mark = op[1]
            candidate = {**marks, key(scheme, *mark[:3]): mark}
            refused = batch_error(with_marks(scheme, candidate))
            if refused is None:
                standings.apply(mark)
                marks = candidate
            else:
                # the batch rules refuse the skill holding this mark: apply refuses the mark
                with pytest.raises(RulesInputError):
                    standings.apply(mark)
        else:
            _, aspect, competitor, judge = op
            aspect_ = aspects_of(scheme).get(aspect)
            valid = (aspect_ is not None and competitor in {c.code for c in scheme.competitors}
                     and (aspect_.kind == "M" or judge is not None))
            if valid:
                standings.remove(aspect, competitor, judge)
                marks.pop(key(scheme, aspect, competitor, judge), None)
            else:
                refused = "remove"
                with pytest.raises(RulesInputError):
                    standings.remove(aspect, competitor, judge)
        assert standings.result() == evaluate_skill(with_marks(scheme, marks))
        if refused is not None:
            assert standings.result() is before  # unchanged, not even recomputed


@SETTINGS
@given(st.data())
def test_built_from_any_marks_it_refuses_what_evaluate_skill_refuses(data):
    scheme = data.draw(schemes())
    ops = data.draw(operations(scheme, data.draw(st.integers(0, 20))))
    skill = replace(scheme, marks=tuple(op[1] for op in ops if op[0] == "apply"))
    expected = batch_error(skill)
    if expected is None:
        assert SkillStandings(skill).result() == evaluate_skill(skill)
    else:
        with pytest.raises(RulesInputError) as refused:
            SkillStandings(skill)
        assert refused.value.message == expected  # the same error, word for word


# --- worked examples ---------------------------------------------------------------------------


def build(*marks: Mark, policy: Policy | None = None) -> SkillStandings:
    scheme = (
        Criterion("A", None, (
            Aspect("A1", "M", Decimal("1.50"), (Decimal(0), Decimal("0.75"), Decimal("1.50"))),
            Aspect("A2", "J", Decimal("3.00")),
        )),
        Criterion("B", None, (Aspect("B1", "M", Decimal(2)),)),
    )
    competitors = (Competitor("101", "Aigerim", "VKO", "students"),
                   Competitor("102", "Dana", "PTK", "students"),
                   Competitor("103", "Guest", "KZ", "students", "guest"))
    return SkillStandings(SkillInput("10", "Welding", policy or Policy(), scheme, competitors,
                                     marks))


def full(who: str, a1: str, scores: tuple[int, ...], b1: int) -> list[Mark]:
    return [Mark("A1", who, None, Decimal(a1)), Mark("B1", who, None, Decimal(b1)),
            *(Mark("A2", who, f"E{i + 1}", s) for i, s in enumerate(scores))]


def row(standings: SkillStandings, who: str):
    return next(r for g in standings.result().groups for r in g.results if r.competitor == who)


def test_a_dispute_appears_and_is_resolved():
    standings = build(*full("101", "1.50", (), 2))
    standings.apply(Mark("A2", "101", "E1", 1))
    standings.apply(Mark("A2", "101", "E2", 1))
    assert (row(standings, "101").pending, row(standings, "101").disputed) == (1, 0)
    standings.apply(Mark("A2", "101", "E3", 3))  # 1, 1, 3: spread 2
    assert standings.result().disputes == (Dispute("A2", "101", (("E1", 1), ("E2", 1),
                                                                 ("E3", 3))),)
    r = row(standings, "101")
    assert (r.pending, r.disputed, r.complete) == (0, 1, False)
    assert (r.total, r.max_marked) == (Fraction(7, 2), Fraction(7, 2))  # A2 is not counted
    standings.apply(Mark("A2", "101", "E3", 2))  # the experts re-mark: 1, 1, 2
    assert standings.result().disputes == ()
    r = row(standings, "101")
    assert (r.pending, r.disputed, r.complete) == (0, 0, True)
    assert r.total == Fraction(7, 2) + Fraction(3) * 4 / 9
    assert r.criteria == {"A": Fraction(3, 2) + Fraction(4, 3), "B": Fraction(2)}


def test_a_group_becomes_final_with_its_last_mark():
    standings = build(*full("101", "1.50", (2, 2, 3), 2), *full("102", "0.75", (1, 2), 2),
                      *full("103", "1.50", (3, 3, 3), 2))
    group = standings.result().groups[0]
    assert group.final is False
    assert [(r.competitor, r.rank, r.medal) for r in group.results] == [
        ("101", 1, None), ("102", 2, None), ("103", None, None)]
    standings.apply(Mark("A2", "102", "E3", 1))  # the last mark of the last active competitor
    group = standings.result().groups[0]
    assert group.final is True
    assert [(r.competitor, r.rank, r.medal) for r in group.results] == [
        ("101", 1, "gold"), ("102", 2, "silver"), ("103", None, None)]
    standings.remove("B1", "101")  # a mark withdrawn: not final any more
    assert standings.result().groups[0].final is False
    assert row(standings, "101").pending == 1


def test_a_corrected_mark_lowers_the_total_and_the_rank():
    standings = build(*full("101", "1.50", (2, 2, 2), 2), *full("102", "1.50", (2, 2, 1), 2))
    assert (row(standings, "101").rank, row(standings, "102").rank) == (1, 2)
    standings.apply(Mark("A1", "101", None, Decimal("0.75")))  # corrected: 1.50 → 0.75
    r = row(standings, "101")
    assert r.total == Fraction(3, 4) + 2 + 2
    assert r.criteria["A"] == Fraction(3, 4) + 2
    assert r.max_marked == Fraction(13, 2)  # still counted: the max does not move
    assert (r.rank, row(standings, "102").rank) == (2, 1)
    assert row(standings, "102").total == Fraction(3, 2) + Fraction(5, 3) + 2  # untouched


def test_a_refused_mark_changes_nothing_and_says_why():
    standings = build(*full("101", "1.50", (2, 2, 2), 2))
    before = standings.result()
    cases = [
        (Mark("A9", "101", None, 0), r'^unknown aspect "A9"$'),
        (Mark("A1", "999", None, 0), r'^aspect "A1" \(measurement\): unknown competitor "999"$'),
        (Mark("A1", "101", None, Decimal("1")),
         r'^aspect "A1" \(measurement\), competitor "101": value 1 is not an allowed mark '
         r'\(0, 0\.75, 1\.50\)$'),
        (Mark("A2", "101", None, 2), r'needs a "judge"'),
        (Mark("A2", "101", "E1", 4), r'judge "E1": value 4 is not 0, 1, 2 or 3$'),
        (Mark("A2", "101", "E4", 2),
         r'judge "E4": more judges than judges_per_aspect \(3\); the others: '
         r'judge "E1", judge "E2", judge "E3"$'),
    ]
    for mark, message in cases:
        with pytest.raises(RulesInputError, match=message):
            standings.apply(mark)
        assert standings.result() is before  # not even recomputed
    with pytest.raises(RulesInputError, match=r'^aspect "A2" \(judgement\), competitor "101": '
                                              r'needs a "judge"'):
        standings.remove("A2", "101")
    with pytest.raises(RulesInputError, match=r'^unknown aspect "A9"$'):
        standings.remove("A9", "101", "E1")
    assert standings.result() is before


def test_replacing_and_withdrawing():
    standings = build()
    standings.apply(Mark("A2", "101", "E1", 3))
    standings.apply(Mark("A2", "101", "E1", Decimal("1.0")))  # the same judge again: replaced
    standings.apply(Mark("A1", "101", "E7", Decimal("1.5")))  # a judge on an M mark: not read
    standings.remove("B1", "101")  # never marked: nothing to withdraw
    standings.remove("A2", "101", "E2")
    marks = (Mark("A2", "101", "E1", 1), Mark("A1", "101", None, Decimal("1.50")))
    expected = build(*marks).result()
    assert standings.result() == expected
    assert row(standings, "101").pending == 2  # A2 has one score of three, B1 none
