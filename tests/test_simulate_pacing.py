"""`competition simulate`'s pace as a schedule: given the time, the pacer releases every mark
whose slot has come (not one per wake-up), holds back while the window in flight is full, and
reports the rate at which the server answered, over the time the run had marks to send. The
clock is the test's: no timing is measured here (the rates a real run reaches are
bench/bench_simulate.py's)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.simulate.pacing import Pacer


def go(pacer: Pacer, now: float, waiting: int) -> int:
    """Release at `now`, the server answering at once."""
    count = pacer.release(now, waiting)
    pacer.answered(count)
    return count


def test_one_mark_per_slot_when_woken_on_time():
    pacer = Pacer(rate=10)
    assert go(pacer, 100.0, waiting=50) == 1  # the first goes at once
    assert pacer.next_slot() == pytest.approx(100.1)
    assert go(pacer, 100.05, waiting=49) == 0  # too early for the second
    assert go(pacer, 100.1, waiting=49) == 1
    assert go(pacer, 100.2, waiting=48) == 1
    assert pacer.achieved(100.2) == pytest.approx(10)


def test_a_late_wake_up_sends_every_mark_that_fell_due_meanwhile():
    pacer = Pacer(rate=10)
    assert go(pacer, 0.0, waiting=50) == 1
    assert go(pacer, 0.55, waiting=49) == 5  # slots 0.1 … 0.5
    assert pacer.next_slot() == pytest.approx(0.6)
    assert go(pacer, 0.6, waiting=44) == 1
    assert pacer.achieved(0.6) == pytest.approx(10)


def test_a_full_window_holds_marks_back_and_they_go_when_there_is_room():
    pacer = Pacer(rate=100)
    assert go(pacer, 0.0, waiting=1) == 1
    assert go(pacer, 0.1, waiting=0) == 0  # due, but no room in flight: not a pause
    assert go(pacer, 0.2, waiting=3) == 3  # room for three of the twenty due
    assert go(pacer, 0.2, waiting=50) == 17  # the rest of those due by now
    assert go(pacer, 0.2, waiting=50) == 0
    assert pacer.achieved(0.2) == pytest.approx(100)


def test_after_a_long_stall_only_a_second_of_slots_is_made_up_and_the_rate_says_so():
    pacer = Pacer(rate=10)
    assert go(pacer, 0.0, waiting=1000) == 1
    assert go(pacer, 5.0, waiting=1000) == 11  # 4.0 … 5.0; the slots before are given up
    assert go(pacer, 5.05, waiting=1000) == 0  # back on the schedule
    assert go(pacer, 5.1, waiting=1000) == 1
    assert pacer.achieved(5.1) == pytest.approx(13 / 5.2)  # 13 marks in 5.2 s: short of 10/s


def test_marks_held_back_by_slow_answers_count_the_time_they_took():
    pacer = Pacer(rate=10)
    for second in range(10):  # a window of one, answered a second later: one mark a second
        assert pacer.release(float(second), waiting=1) == 1
        pacer.answered()
    pacer.pause(10.0)
    assert pacer.achieved(20.0) == pytest.approx(1)


def test_marks_sent_but_not_answered_do_not_count():
    pacer = Pacer(rate=10)
    for k in range(10):
        assert pacer.release(k / 10, waiting=100) == 1
    pacer.answered(5)  # the server is behind: half of them answered by 1.0
    assert pacer.released == 10
    assert pacer.achieved(1.0) == pytest.approx(5)


def test_a_pause_is_not_counted_against_the_rate():
    pacer = Pacer(rate=20)
    for k in range(20):
        assert go(pacer, k / 20, waiting=1) == 1
    pacer.pause(0.96)  # nothing waiting nor in flight: a re-mark is due 3 s later
    assert pacer.next_slot() is None
    assert go(pacer, 4.0, waiting=1) == 1  # a new stretch: at once
    assert go(pacer, 4.01, waiting=1) == 0
    assert go(pacer, 4.05, waiting=1) == 1
    pacer.pause(4.06)
    assert pacer.answers == 22
    assert pacer.achieved(9.0) == pytest.approx(20)


def test_nothing_answered_gives_no_rate():
    pacer = Pacer(rate=5)
    assert pacer.achieved(0.0) == 0
    assert go(pacer, 1.0, waiting=0) == 0
    pacer.pause(2.0)
    assert pacer.achieved(3.0) == 0
    with pytest.raises(ValueError):
        Pacer(rate=0)


@given(st.floats(0.5, 500), st.lists(st.floats(0, 0.9), min_size=1, max_size=200))
def test_woken_at_any_times_it_keeps_the_schedule(rate, gaps):
    """However irregular the wake-ups (each within the catch-up second of the last), the marks
    released by time t are exactly the slots fallen by then: none lost, none early."""
    pacer = Pacer(rate)
    began = 10.0
    for now in itertools.accumulate(gaps, initial=began):
        go(pacer, now, waiting=10**9)
        assert pacer.released == math.floor((now - began) / (1 / rate) + 1e-9) + 1
        assert pacer.next_slot() > now
    assert pacer.achieved(now) == pytest.approx(rate)
