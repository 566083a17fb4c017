"""The run: marks sent at the rate asked over the judges' sockets, their acknowledgements
handled as they come (resent, corrected, re-marked after a dispute), rounds until done, and
the summary the command prints."""

from __future__ import annotations

import heapq
import itertools
import queue
import random
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from . import SimulationError
from .credentials import chosen_skills, issue_credentials, revoke, show_live
from .plan import REASON, Submission, interleave, plan_skill, settling_remark
from .server import Server

DISPUTE_DELAY = 3.0  # seconds between a dispute and its re-mark
ACK_TIMEOUT = 15.0  # a mark without an acknowledgement by then is sent again (same id)
SILENCE_LIMIT = 60.0  # no acknowledgement at all for this long: the server is gone
MAX_IN_FLIGHT = 64
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
        self.interval = 1.0 / rate
        self.progress = progress
        self.summary = summary
        self.acks: queue.Queue = queue.Queue()
        self.ready: deque[Submission] = deque()
        self.later: list[tuple[float, int, Submission]] = []  # a heap: (due, seq, submission)
        self.sequence = itertools.count()
        self.in_flight: dict[str, tuple[float, Submission]] = {}
        self.last_ack = time.monotonic()

    def on_ack(self, submission: Submission, answer) -> None:  # on a socket's thread
        self.acks.put((submission, answer))

    def add(self, submissions: list[Submission], delay: float | None = None) -> None:
        if delay is None:
            self.ready.extend(submissions)
        else:
            for submission in submissions:
                heapq.heappush(self.later, (time.monotonic() + delay, next(self.sequence),
                                            submission))

    def pending(self) -> bool:
        return bool(self.ready or self.later or self.in_flight)

    def run(self) -> None:
        """Until every queued mark (and every re-mark they lead to) is answered."""
        next_slot = time.monotonic()
        while self.pending():
            now = time.monotonic()
            self._expire(now)
            due = self.later and self.later[0][0] <= now
            if (due or self.ready) and len(self.in_flight) < MAX_IN_FLIGHT and now >= next_slot:
                submission = heapq.heappop(self.later)[2] if due else self.ready.popleft()
                self._send(submission, now)
                next_slot = max(next_slot + self.interval, now - 1.0)  # no burst after a stall
                continue
            if not (due or self.ready):
                next_slot = max(next_slot, now)
            wake = [next_slot] if (due or self.ready) and len(self.in_flight) < MAX_IN_FLIGHT \
                else []
            if self.later:
                wake.append(self.later[0][0])
            timeout = min([*wake, now + 0.5]) - now
            try:
                self._answered(*self.acks.get(timeout=max(0.0, timeout)))
            except queue.Empty:
                pass
            while True:
                try:
                    self._answered(*self.acks.get_nowait())
                except queue.Empty:
                    break

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
            if now - sent > ACK_TIMEOUT:
                del self.in_flight[key]
                self._retry(submission, "no acknowledgement")

    def _retry(self, submission: Submission, why: str) -> None:
        if submission.attempts >= RETRIES:
            self.summary.refuse("server_error", why)
            self.progress(1)
        else:
            self.add([submission], delay=1.0)  # the same id: the server writes it once

    def _answered(self, submission: Submission, answer) -> None:
        if self.in_flight.pop(submission.key, None) is None:
            return  # answered after it was given up and sent again: the resend counts
        self.last_ack = time.monotonic()
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
        server.close()
        revoke(credentials.tokens.values())
        summary.seconds = time.monotonic() - began
    return summary
