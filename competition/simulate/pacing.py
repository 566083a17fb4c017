"""The pace of a run: marks released by a schedule at the rate asked, and the rate achieved.

A stretch of work starts when a mark is first waiting; its slot k falls at start + k / rate.
Whenever the driver looks (`release`), every mark whose slot has come goes at once, not one per
wake-up: a late wake-up (a busy machine, a window of marks in flight that was full while the
server stalled) is made up by sending what fell due meanwhile, up to `CATCH_UP` seconds' worth;
slots older than that are given up rather than sent in one burst. The stretch ends when nothing
is waiting to be sent or answered (`pause`): the wait for a re-mark due later, or for the next
round's plan, is no time the schedule could have used, so it does not count against the rate
achieved. That rate counts the marks the server answered (`answered`), not those sent: when the
server falls behind, marks sent but not yet answered do not make the run look on pace.

The clock is the caller's (`now`, in seconds): the schedule is plain arithmetic, tested as such.
"""

from __future__ import annotations

import math

CATCH_UP = 1.0  # seconds of missed slots made up after a late wake-up; older ones are given up
EPSILON = 1e-9  # a slot that falls exactly now is due, whatever the float division says


class Pacer:
    """`release(now, waiting)` says how many marks go now; `achieved(now)` the rate at which
    they were answered."""

    def __init__(self, rate: float, catch_up: float = CATCH_UP):
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.catch_up = catch_up
        self.released = 0  # marks released in all stretches
        self.answers = 0  # marks the server answered
        self.paced = 0.0  # seconds of the stretches that ended
        self.began: float | None = None  # the running stretch's start (None: paused)
        self.slots = 0  # slots of the running stretch used or given up

    def release(self, now: float, waiting: int) -> int:
        """How many of the `waiting` marks (due, and with room in flight) go at `now`."""
        if waiting <= 0:
            return 0  # marks may be due but held back (the window is full): not a pause
        if self.began is None:
            self.began, self.slots = now, 0
        fallen = math.floor((now - self.began) / self.interval + EPSILON) + 1  # slots due by now
        self.slots = max(self.slots, fallen - math.floor(self.catch_up * self.rate) - 1)
        count = max(0, min(waiting, fallen - self.slots))
        self.slots += count
        self.released += count
        return count

    def answered(self, count: int = 1) -> None:
        """The server answered `count` of the marks released."""
        self.answers += count

    def next_slot(self) -> float | None:
        """When the next mark may go (None while paused: at once, as soon as one waits)."""
        return None if self.began is None else self.began + self.slots * self.interval

    def _stretch(self, now: float) -> float:
        """The running stretch's length: its slots, or up to `now` when that is later (the
        last answers came after the last slot, or the stretch fell behind its schedule)."""
        return 0.0 if self.began is None else max(self.slots * self.interval, now - self.began)

    def pause(self, now: float) -> None:
        """Nothing is waiting to be sent or to be answered: the stretch ends; the next mark
        starts a new one."""
        self.paced += self._stretch(now)
        self.began = None

    def achieved(self, now: float) -> float:
        """Marks answered per second of the stretches so far (0 before the first answer)."""
        seconds = self.paced + self._stretch(now)
        return self.answers / seconds if seconds > 0 else 0.0
