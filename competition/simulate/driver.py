"""The run: marks sent at the rate asked over the judges' sockets, their acknowledgements
handled as they come (resent, corrected, re-marked after a dispute), rounds until done, and
the summary the command prints."""

from __future__ import annotations

import heapq
import itertools
import math
import queue
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from . import SimulationError
from .credentials import chosen_skills, issue_credentials, revoke, show_live
from .pacing import Pacer
from .plan import REASON, Submission, interleave, plan_skill, settling_remark
from .server import Server

DISPUTE_DELAY = 3.0  # seconds between a dispute and its re-mark
ACK_TIMEOUT = 15.0  # a mark without an acknowledgement by then is sent again (same id)
SILENCE_LIMIT = 60.0  # no acknowledgement at all for this long: the server is gone
MIN_IN_FLIGHT = 64
IN_FLIGHT_SECONDS = 1.0
RETRIES = 5


@dataclass
class Summary:
    marks: int = 0  # marks the server took
    remarks: int = 0  # disputes settled by a re-mark
    disputes: int = 0  # disputes the server reported open
    taken: int = 0  # cells someone else had marked meanwhile
    refused: dict[str, int] = field(default_factory=dict)
    first_refusal: str = ""
    unreachable: int = 0  # marks no judge of ours may enter
    left: int = 0  # marks still missing when the run ended
    seconds: float = 0.0
    interrupted: bool = False
    created: list[str] = field(default_factory=list)
    achieved: float = 0.0  # marks answered per second while the run had marks to send
    window: int = 0  # marks in flight at most
    acks: list[float] = field(default_factory=list)  # seconds from each mark sent to its answer

    def ack_ms(self, share: float) -> float:
        """The acknowledgement time below which `share` (0–1) of the answers came, in ms."""
        ordered = sorted(self.acks)
        return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def refuse(self, code: str, message: str) -> None:
        self.refused[code] = self.refused.get(code, 0) + 1
        self.first_refusal = self.first_refusal or f"{code}: {message}"


class Simulation:
    """Marks sent at `rate` per second in all, acknowledgements handled as they come."""

    def __init__(self, server: Server, rate: float, judges: dict[str, dict[str, str]],
                 progress: Callable[..., None], summary: Summary):
        self.server = server
        self.judges = judges  # skill ref -> expert code -> login
        # (skill, aspect, competitor, judge) -> the J mark's revision, for corrections
        self.revisions: dict[tuple[str, str, str, str], int] = {}
        self.pacer = Pacer(rate)
        # Marks in flight at most: a second's worth, so that the pace holds while the server
        # takes up to a second to acknowledge (and never fewer than MIN_IN_FLIGHT).
        self.window = summary.window = max(MIN_IN_FLIGHT, math.ceil(rate * IN_FLIGHT_SECONDS))
        self.progress = progress
        self.summary = summary
        self.acks: queue.Queue = queue.Queue()
        self.ready: deque[Submission] = deque()  # the plan's marks, in order
        self.due: deque[Submission] = deque()  # delayed ones whose time has come: sent first
        self.later: list[tuple[float, int, Submission]] = []  # a heap: (due, seq, submission)
        self.sequence = itertools.count()
        self.in_flight: dict[str, tuple[float, Submission]] = {}
        self.last_ack = time.monotonic()

    def on_ack(self, submission: Submission, answer) -> None:  # on a socket's thread
        self.acks.put((submission, answer, time.monotonic()))

    def add(self, submissions: list[Submission], delay: float | None = None) -> None:
        if delay is None:
            self.ready.extend(submissions)
        else:
            for submission in submissions:
                heapq.heappush(self.later, (time.monotonic() + delay, next(self.sequence),
                                            submission))

    def pending(self) -> bool:
        return bool(self.ready or self.due or self.later or self.in_flight)

    def run(self) -> None:
        """Until every queued mark (and every re-mark they lead to) is answered."""
        while self.pending():
            now = time.monotonic()
            self._expire(now)
            while self.later and self.later[0][0] <= now:
                self.due.append(heapq.heappop(self.later)[2])  # re-marks, resends: first
            waiting = len(self.due) + len(self.ready)
            if not (waiting or self.in_flight):
                self.pacer.pause(now)
            room = self.window - len(self.in_flight)
            for _ in range(self.pacer.release(now, min(waiting, room))):
                self._send((self.due or self.ready).popleft(), now)
            wake = now + 0.5
            if self.later:
                wake = min(wake, self.later[0][0])
            next_slot = self.pacer.next_slot()
            if (self.due or self.ready) and len(self.in_flight) < self.window \
                    and next_slot is not None:
                wake = min(wake, next_slot)
            self._take_acks(wake - time.monotonic())
        self.pacer.pause(time.monotonic())

    def _take_acks(self, timeout: float) -> None:
        """The acknowledgements that came, waiting up to `timeout` seconds for the first."""
        try:
            self._answered(*self.acks.get(timeout=max(0.0, timeout)))
        except queue.Empty:
            return
        while True:
            try:
                self._answered(*self.acks.get_nowait())
            except queue.Empty:
                return

    def _send(self, submission: Submission, now: float) -> None:
        submission.attempts += 1
        if self.server.send(submission, self.on_ack):
            self.in_flight[submission.key] = (now, submission)
        else:
            self.add([submission], delay=1.0)

    def _expire(self, now: float) -> None:
        if self.in_flight and now - self.last_ack > SILENCE_LIMIT:
            raise SimulationError(f"the server at {self.server.url} stopped answering "
                                  f"({len(self.in_flight)} marks unanswered for "
                                  f"{SILENCE_LIMIT:.0f} s)")
        for key, (sent, submission) in list(self.in_flight.items()):
            if now - sent <= ACK_TIMEOUT:
                break  # in the order they were sent: the rest are younger
            del self.in_flight[key]
            self._retry(submission, "no acknowledgement")

    def _retry(self, submission: Submission, why: str) -> None:
        if submission.attempts >= RETRIES:
            self.summary.refuse("server_error", why)
            self.progress(1)
        else:
            self.add([submission], delay=1.0)  # the same id: the server writes it once

    def _answered(self, submission: Submission, answer, arrived: float) -> None:
        sent = self.in_flight.pop(submission.key, None)
        if sent is None:
            return  # answered after it was given up and sent again: the resend counts
        self.last_ack = arrived
        self.summary.acks.append(arrived - sent[0])
        self.pacer.answered()
        if not isinstance(answer, dict):
            self._retry(submission, f"unexpected answer {answer!r}")
            return
        if answer.get("ok"):
            mark = answer.get("mark") or {}
            if mark.get("judge"):
                self.revisions[(submission.skill, submission.aspect, submission.competitor,
                                mark["judge"])] = mark["revision"]
            self.summary.marks += 1
            if submission.reason:
                self.summary.remarks += 1
            dispute = answer.get("dispute")
            if dispute and dispute.get("open"):
                self.summary.disputes += 1
                self._settle(submission, dispute)
            self.progress(1)
            return
        code, message = answer.get("error", "?"), answer.get("message", "")
        if code == "server_error":
            self._retry(submission, message)
            return
        current = answer.get("mark")
        if code == "conflict" and submission.reason and current and current.get("value") \
                is not None and submission.attempts < RETRIES:
            # Another correction landed first: correct that one, if it still needs it.
            submission.base = current["revision"]
            submission.key = f"sim-{uuid.uuid4()}"
            self.add([submission])
            return
        if code == "conflict":
            self.summary.taken += 1  # marked meanwhile by someone else
        else:
            self.summary.refuse(code, message)
        self.progress(1)

    def _settle(self, submission: Submission, dispute: dict) -> None:
        """A few seconds after a dispute, its odd judge re-marks."""
        scores = {judge: int(score) for judge, score in dispute["scores"].items()}
        settle = settling_remark(scores)
        judges = self.judges.get(submission.skill, {})
        if settle is None or settle[0] not in judges:
            return
        judge, value = settle
        base = self.revisions.get((submission.skill, submission.aspect, submission.competitor,
                                   judge), 1)
        self.add([Submission(submission.skill, submission.aspect, submission.competitor,
                             judges[judge], judge, value, base=base, reason=REASON)],
                 delay=DISPUTE_DELAY)
        self.progress(0, more=1)


def simulate(url: str, rate: float, requested: list[str], championship: str | None,
             until_complete: bool, show: bool, seed: int | None, bar_factory, echo) -> Summary:
    """The whole run; raises SimulationError. Ctrl+C ends it cleanly (summary.interrupted)."""
    server = Server(url)
    server.check()
    skill_ids = chosen_skills(requested, championship)
    credentials = issue_credentials(skill_ids)
    refs = credentials.refs
    summary = Summary(created=credentials.created)
    rng = random.Random(seed)  # noqa: S311 (plausible marks, not secrets)
    began = time.monotonic()
    simulation = None
    try:
        if credentials.created:
            echo(f"Accounts made for experts without one (no password): "
                 f"{', '.join(credentials.created)}")
        reader = {}
        for ref in refs:
            if not credentials.judges[ref]:
                raise SimulationError(f"skill {ref} has no expert who may enter marks")
            reader[ref] = credentials.tokens[next(iter(credentials.judges[ref].values()))]
        if show:
            show_live(skill_ids)
            echo(f"Shown live on the boards: {', '.join(refs)}")
        simulation = Simulation(server, rate, credentials.judges, lambda *_a, **_k: None,
                                summary)

        def plan() -> tuple[list[Submission], list[Submission]]:
            plans = []
            for ref in refs:
                description, marks = server.skill(ref, reader[ref])
                plans.append(plan_skill(description, marks, credentials.judges[ref], rng))
                simulation.revisions.update({
                    (ref, m["aspect"], m["competitor"], m["judge"]): m["revision"]
                    for m in marks if m["judge"] is not None})
            summary.unreachable = sum(p.unreachable for p in plans)
            return interleave(plans), [r for p in plans for r in p.remarks]

        work, remarks = plan()
        if work or remarks:
            for login, token in credentials.tokens.items():
                server.connect(login, token)
            with bar_factory(len(work) + len(remarks), f"Marking {', '.join(refs)}") as bar:
                def progress(done: int, more: int = 0) -> None:
                    bar.length += more
                    bar.update(done)

                simulation.progress = progress
                rounds = marked_before = 0
                while work or remarks:
                    if rounds:
                        if not until_complete or summary.marks == marked_before:
                            break  # one pass; or the server took nothing: no endless rounds
                        bar.length += len(work) + len(remarks)
                    marked_before = summary.marks
                    rounds += 1
                    simulation.add(remarks)
                    simulation.add(work)
                    simulation.run()
                    work, remarks = plan()
        summary.left = len(work) + len(remarks)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        if simulation is not None:  # over the marking only: not the set-up, nor the close
            summary.achieved = simulation.pacer.achieved(time.monotonic())
        server.close()
        revoke(credentials.tokens.values())
        summary.seconds = time.monotonic() - began
    return summary
