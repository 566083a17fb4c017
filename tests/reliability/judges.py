"""Judges' tablets that survive a dying server: the driver of the crash test and bench/bench_crash.

Each `Tablet` is one judge's python-socketio client (authenticated with the judge's API token,
`auth: {token}`) with an outbox of `Write`s, each carrying its own idempotency key. It sends
`mark:submit`, waits for acknowledgements with a timeout, and when the connection drops (or an
ack never comes) reconnects with backoff and sends every unacknowledged write again with the
SAME key, as the tablet page does (docs/api.md: "Only `server_error` and a missing
acknowledgement are worth resending").

What a judge may mark comes from the server (GET /api/v1/skills/<ref>) through the plan of
`competition simulate` (competition.simulate.plan_skill: no compatriots, marking teams, J
scores within 1 of each other, `judges_per_aspect` judges a cell). `plan_writes` adds
corrections: the same cell written again with another value (now and then withdrawn), so that
revision histories grow under the kills too. A cell has one writer, and its k-th write is sent
only once the one before it was acknowledged; so its `base` is known in advance (every write
changes the value) and no conflict is expected: a conflict or a refusal is a finding.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

DEVICE = "crash-test tablet"
REASON = "Corrected after a second look (crash test)."
WITHDRAW_SHARE = 0.05  # of the corrections: the mark is withdrawn (value null)


@dataclass
class Write:
    """One `mark:submit` of the plan and what became of it."""

    login: str
    skill: str
    aspect: str
    competitor: str
    judge: str | None  # the expert's code on a J mark
    value: object  # J 0-3, M a decimal text, None withdraws
    base: int  # the cell's revision before this write
    reason: str = ""
    key: str = field(default_factory=lambda: f"crash-{uuid.uuid4()}")
    previous: Write | None = None  # the cell's write before this one (sent first)
    sends: int = 0
    answer: dict | None = None  # the acknowledgement that settled it
    result: str | None = None  # saved, duplicate, unchanged, conflict, refused:<code>
    acked_at: float | None = None  # time.monotonic()

    @property
    def cell(self) -> tuple:
        return (self.skill, self.aspect, self.competitor, self.judge)

    def payload(self) -> dict:
        body = {"id": self.key, "skill": self.skill, "aspect": self.aspect,
                "competitor": self.competitor, "value": self.value, "base": self.base,
                "device": DEVICE}
        if self.reason:
            body["reason"] = self.reason
        return body


# --- the plan -----------------------------------------------------------------------------------

def describe(url: str, ref: str, token: str) -> tuple[dict, list[dict]]:
    """GET /api/v1/skills/<ref> and its marks, as the judge holding `token` sees them."""
    import requests

    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    path = f"{url}/api/v1/skills/{quote(ref, safe='/')}"
    description = requests.get(path, headers=headers, timeout=30)
    marks = requests.get(path + "/marks", headers=headers, timeout=30)
    description.raise_for_status()
    marks.raise_for_status()
    return description.json(), marks.json()["marks"]


def _other_value(aspect: dict, current, rng: random.Random):
    """A value of the aspect other than `current` (None: withdrawn), or None if none is."""
    if current is not None and rng.random() < WITHDRAW_SHARE:
        return None
    if aspect["type"] == "J":
        if current is None:
            return rng.randint(0, 3)
        return current + 1 if current < 3 and (current == 0 or rng.random() < 0.5) \
            else current - 1
    values = [v for v in aspect["values"] if current is None
              or Decimal(str(v)) != Decimal(str(current))]
    return rng.choice(values) if values else current


def plan_writes(descriptions: list[tuple[dict, list[dict]]], judges: dict[str, dict[str, str]],
                total: int, rng: random.Random, corrections: float = 0.2) -> list[Write]:
    """`total` writes over the skills (`descriptions`: describe()'s answers; `judges`: skill ref
    -> expert code -> login of the judges who send): first entries from simulate's plan, and
    corrections of cells already planned, about `corrections` of the total (more when the
    skills have fewer free cells), each after its cell's previous write in the list."""
    from competition.simulate.plan import interleave, plan_skill

    plans = [plan_skill(description, marks, judges[description["ref"]], rng)
             for description, marks in descriptions]
    fresh = interleave(plans)
    aspects = {(d["ref"], a["code"]): a for d, _marks in descriptions
               for criterion in d["criteria"] for sub in criterion["sub_criteria"]
               for a in sub["aspects"]}
    firsts = min(len(fresh), total - int(total * corrections))
    writes = [Write(s.login, s.skill, s.aspect, s.competitor, s.judge, s.value, s.base)
              for s in fresh[:firsts]]
    if not writes:
        raise ValueError("the skills have no cell these judges may mark")
    order = {id(w): float(i) for i, w in enumerate(writes)}
    last: dict[tuple, Write] = {w.cell: w for w in writes}
    cells = list(last)
    span = max(1.0, firsts / 4)
    while len(writes) < total:
        cell = rng.choice(cells)
        before = last[cell]
        value = _other_value(aspects[(cell[0], cell[1])], before.value, rng)
        if value is None and before.value is None or value is not None \
                and before.value is not None and Decimal(str(value)) == Decimal(str(before.value)):
            continue  # an aspect with one allowed value: nothing to correct
        write = Write(before.login, *cell, value, before.base + 1, REASON, previous=before)
        # somewhere after the cell's latest write
        order[id(write)] = order[id(before)] + rng.uniform(0.5, span)
        writes.append(write)
        last[cell] = write
    writes.sort(key=lambda w: order[id(w)])
    return writes


# --- a judge's tablet ---------------------------------------------------------------------------

class Tablet(threading.Thread):
    """One judge's socket and outbox. `run` returns when every write is acknowledged (or
    `stop` is set); `reconnects` counts the connections after the first."""

    def __init__(self, url: str, token: str, writes: list[Write], *, window: int = 4,
                 ack_timeout: float = 10.0, on_ack=None, stop: threading.Event | None = None):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.outbox = writes
        self.window = window
        self.ack_timeout = ack_timeout
        self.on_ack = on_ack or (lambda write: None)
        self.stop = stop or threading.Event()
        self.changed = threading.Condition()
        self.in_flight: dict[str, float] = {}  # key -> when sent, on this connection
        self.client = None
        self.connections = 0
        self.failed_connects = 0
        self.connected_at: list[float] = []
        self.error: BaseException | None = None
        self._first = 0  # outbox[:_first] is acknowledged

    @property
    def reconnects(self) -> int:
        return max(0, self.connections - 1)

    def pending(self) -> int:
        return sum(1 for write in self.outbox if write.result is None)

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 (reported by the driver)
            self.error = error
        finally:
            self._close()

    def _run(self) -> None:
        backoff = 0.05
        while not self.stop.is_set() and self._advance() < len(self.outbox):
            if self.client is None or not self.client.connected:
                if not self._connect():
                    # jitter: twenty tablets must not knock at the same instant
                    time.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311
                    backoff = min(backoff * 2, 1.0)
                    continue
                backoff = 0.05
            for write in self._due():
                if not self._emit(write):
                    break
            with self.changed:
                self.changed.wait(0.05)

    def _advance(self) -> int:
        while self._first < len(self.outbox) and self.outbox[self._first].result is not None:
            self._first += 1
        return self._first

    def _due(self) -> list[Write]:
        """The writes to send now: unacknowledged, not in flight (or their ack overdue), whose
        cell's previous write is acknowledged; in outbox order, up to the window."""
        now = time.monotonic()
        with self.changed:
            for key, sent in list(self.in_flight.items()):
                if now - sent > self.ack_timeout:
                    del self.in_flight[key]  # no ack: sent again with the same key
            room = self.window - len(self.in_flight)
            due = []
            for write in self.outbox[self._first:]:
                if room <= len(due):
                    break
                if write.result is None and write.key not in self.in_flight and (
                        write.previous is None or write.previous.result is not None):
                    due.append(write)
            for write in due:
                self.in_flight[write.key] = now
            return due

    def _emit(self, write: Write) -> bool:
        import socketio

        client = self.client
        write.sends += 1
        try:
            client.emit("mark:submit", write.payload(),
                        callback=lambda answer=None: self._acked(client, write, answer))
        except socketio.exceptions.SocketIOError:
            with self.changed:
                self.in_flight.clear()
            return False
        return True

    def _acked(self, client, write: Write, answer) -> None:  # on the socket's thread
        with self.changed:
            if client is self.client:
                self.in_flight.pop(write.key, None)
            if write.result is not None:
                return  # a late ack of an earlier send: the first settled it
            if not isinstance(answer, dict) or answer.get("error") == "server_error":
                self.changed.notify_all()
                return  # not settled: sent again with the same key
            write.answer = answer
            write.acked_at = time.monotonic()
            if answer.get("ok"):
                mark = answer.get("mark") or {}
                write.result = "duplicate" if answer.get("replay") else (
                    "saved" if mark.get("revision") == write.base + 1 else "unchanged")
            else:
                code = answer.get("error")
                write.result = "conflict" if code == "conflict" else f"refused:{code}"
            self.changed.notify_all()
        self.on_ack(write)

    def _connect(self) -> bool:
        import socketio

        self._close()
        client = socketio.Client(reconnection=False, handle_sigint=False)
        client.on("disconnect", lambda *reason: self._disconnected(client))
        try:
            client.connect(self.url, auth={"token": self.token}, transports=["websocket"],
                           headers={"Accept-Language": "en"}, wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            self.failed_connects += 1
            return False
        with self.changed:
            self.client = client
            self.in_flight.clear()  # the old socket's acks will not come: resend
        self.connections += 1
        self.connected_at.append(time.monotonic())
        return True

    def _disconnected(self, client) -> None:
        with self.changed:
            if client is self.client:
                self.in_flight.clear()
            self.changed.notify_all()

    def _close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001,S110 (the server is gone already)
                pass


def tablets_for(url: str, writes: list[Write], tokens: dict[str, str], **options) -> list[Tablet]:
    """One tablet per judge login of `writes`, each with its writes in plan order."""
    by_login: dict[str, list[Write]] = defaultdict(list)
    for write in writes:
        by_login[write.login].append(write)
    return [Tablet(url, tokens[login], own, **options) for login, own in by_login.items()]
