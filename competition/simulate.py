"""`competition simulate`: demo judges enter marks into a running server, as tablets do.

So that a newcomer sees boards move: one Socket.IO connection per judge (authenticated by an API
token, `io({auth: {token}})`), `mark:submit` at a given total rate, following the rules the
server enforces (docs/rules.md, docs/api.md "Judging"):

- a measurement (M) aspect gets one mark from its allowed values, entered by a panel expert who
  is not a compatriot of the competitor;
- a judgement (J) aspect gets `judges_per_aspect` scores from the first non-compatriot experts of
  the panel (experts first, then the deputy, the independent expert, the chief expert), within 1
  of each other;
- about one J cell in thirty gets scores 2 apart: a dispute, which the judge with the odd score
  re-marks a few seconds later (a correction: `base` = the mark's revision, with a reason).

Cells already marked are left alone (a second run resumes), and so are signed-off
sub-criteria and withdrawn competitors; a dispute found open is settled. The credentials are
made in the database the command is configured for (the server's): an account for each panel
expert who has none (`sim-CHAMPIONSHIP-CODE`, no password) and one API token per judge, revoked
when the run ends.

The marks are real marks in that database: this is for the demo and for trying the product,
never for a real championship.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote, urlsplit

DEVICE = "competition simulate"
TOKEN_LABEL = "competition simulate"  # noqa: S105 (a label, not a secret)
REASON = "Re-marked after the experts discussed the dispute (simulated)."
DISPUTE_SHARE = 1 / 30  # of the J cells marked afresh
DISPUTE_DELAY = 3.0  # seconds between a dispute and its re-mark
ACK_TIMEOUT = 15.0  # a mark without an acknowledgement by then is sent again (same id)
SILENCE_LIMIT = 60.0  # no acknowledgement at all for this long: the server is gone
MAX_IN_FLIGHT = 64
RETRIES = 5
# The order in which panel experts take the judge slots of a J cell.
ROLE_ORDER = {"expert": 0, "deputy": 1, "independent": 2, "chief": 3}


class SimulationError(Exception):
    """Why the simulation cannot go on; one line for the user."""


# --- credentials (in the database the command is configured for) -------------------------------

@dataclass
class Credentials:
    refs: list[str]  # the chosen skills' references, in order
    judges: dict[str, dict[str, str]]  # skill ref -> expert code -> the judge's login
    tokens: dict[str, str]  # login -> API token
    created: list[str] = field(default_factory=list)  # accounts made by this run


def chosen_skills(requested: Iterable[str], championship: str | None = None) -> list[int]:
    """The ids of the requested skills (codes, or CHAMPIONSHIP/CODE; every skill when none)."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import Championship, Skill
    from .registry.lookup import NotFound, find_skill

    wanted = [ref.strip() for ref in requested if ref.strip()]
    if not wanted:
        query = sa.select(Skill.id).join(Championship).order_by(Championship.code,
                                                                  Skill.position, Skill.code)
        if championship:
            query = query.where(Championship.code == championship)
        found = db.session.execute(query).scalars().all()
        if not found:
            raise SimulationError("the database has no skills; load the demo first "
                                  "(`competition demo`)")
        return list(found)
    ids: list[int] = []
    for ref in wanted:
        prefix, _slash, code = ref.rpartition("/")
        try:
            skill = find_skill(code, prefix or championship)
        except NotFound as error:
            raise SimulationError(str(error)) from None
        if skill.id not in ids:
            ids.append(skill.id)
    return ids


def issue_credentials(skill_ids: list[int]) -> Credentials:
    """An account for every panel expert of the skills who has none, and a token per judge."""
    import sqlalchemy as sa

    from .auth.service import AccountError, add_user, create_token
    from .database import write_transaction
    from .judging.service import MARKING_ROLES
    from .lookup import skill_ref
    from .models import Expert, ExpertRole, Skill, User

    refs: list[str] = []
    judges: dict[str, dict[str, str]] = {}
    created: list[str] = []
    with write_transaction() as session:
        for skill_id in skill_ids:
            skill = session.get(Skill, skill_id)
            ref = skill_ref(skill)
            refs.append(ref)
            panel = session.execute(
                sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
                .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)).scalars().all()
            judges[ref] = {}
            for expert in panel:
                user = session.execute(
                    sa.select(User).where(User.expert_id == expert.id)).scalar_one_or_none()
                if user is None:
                    login = f"sim-{expert.championship.code}-{expert.code}".lower()
                    try:
                        user = add_user(login, "expert", None, expert=expert)
                    except AccountError as error:
                        raise SimulationError(f"cannot make an account for expert "
                                              f"{expert.code}: {error}") from None
                    session.flush()
                    created.append(login)
                if user.is_active and user.role in MARKING_ROLES:
                    judges[ref][expert.code] = user.login
    tokens = {}
    for login in sorted({login for panel in judges.values() for login in panel.values()}):
        try:
            tokens[login] = create_token(login, TOKEN_LABEL)
        except AccountError as error:
            raise SimulationError(str(error)) from None
    return Credentials(refs, judges, tokens, created)


def revoke(tokens: Iterable[str]) -> None:
    """Revoke the run's tokens (they were shown to nobody)."""
    import sqlalchemy as sa

    from .database import write_transaction
    from .models import ApiToken
    from .models.base import utcnow
    from .models.people import hash_token

    hashes = [hash_token(token) for token in tokens]
    if not hashes:
        return
    with write_transaction() as session:
        session.execute(sa.update(ApiToken).where(ApiToken.token_hash.in_(hashes),
                                                  ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))


def show_live(skill_ids: list[int]) -> None:
    """Set the skills' visibility to live, audited as board.service.set_visibility does. The
    running server's boards follow with the next mark (its hub reads the visibility then);
    set_visibility itself would tell this process's hub, which no board listens to."""
    from . import audit
    from .database import write_transaction
    from .models import Skill

    with write_transaction() as session:
        for skill_id in skill_ids:
            skill = session.get(Skill, skill_id)
            before = skill.visibility
            if before != "live":
                skill.visibility = "live"
                audit.record("visibility", "skill", skill.id, f"{skill.code}: {before} → live",
                             {"visibility": [before, "live"]}, skill.championship_id)


# --- the plan: which judge marks what, with which value --------------------------------------

@dataclass
class Submission:
    skill: str
    aspect: str
    competitor: str
    login: str  # the judge's account, whose connection sends it
    judge: str | None  # the expert's code on a J mark
    value: object
    base: int = 0
    reason: str = ""
    key: str = field(default_factory=lambda: f"sim-{uuid.uuid4()}")
    attempts: int = 0

    def payload(self) -> dict:
        body = {"id": self.key, "skill": self.skill, "aspect": self.aspect,
                "competitor": self.competitor, "value": self.value, "base": self.base,
                "device": DEVICE}
        if self.reason:
            body["reason"] = self.reason
        return body


@dataclass
class SkillPlan:
    ref: str
    submissions: list[Submission]
    remarks: list[Submission]  # disputes found open: re-marked at once
    unreachable: int  # marks no judge of ours may enter (signed off, compatriots, teams)


def _spread_ok(values: list[int]) -> bool:
    return not values or max(values) - min(values) <= 1


def plausible_scores(existing: list[int], count: int, rng: random.Random, ability: float,
                     dispute: bool) -> list[int]:
    """`count` more J scores for a cell that has `existing`: within 1 of each other, or 2 apart
    when `dispute` (only for a fresh cell)."""
    if not existing and dispute and count >= 2:
        low = rng.randint(0, 1)
        scores = [low, low + 2] + [low + 1] * (count - 2)
        rng.shuffle(scores)
        return scores
    scores = list(existing)
    if not scores:
        centre = min(2, max(0, round(ability * 3 - rng.random())))
        scores.append(centre + rng.randint(0, 1))
        count -= 1
    for _ in range(count):
        fitting = [v for v in range(4) if _spread_ok([*scores, v])]
        scores.append(rng.choice(fitting) if fitting else sorted(scores)[len(scores) // 2])
    return scores[len(existing):] if existing else scores


def settling_remark(scores: dict[str, int]) -> tuple[str, int] | None:
    """Which judge re-marks a disputed cell, and to what: the one whose score is furthest from
    the others (so that a single correction brings the cell within 1)."""
    for judge, score in sorted(scores.items(), key=lambda item: -abs(
            item[1] * (len(scores) - 1) - (sum(scores.values()) - item[1]))):
        others = [v for code, v in scores.items() if code != judge]
        fitting = [v for v in range(4) if _spread_ok([*others, v])]
        if fitting and _spread_ok(others):
            return judge, min(fitting, key=lambda v: abs(v - score))
    return None


def plan_skill(description: dict, marks: list[dict], judges: dict[str, str],
               rng: random.Random) -> SkillPlan:
    """Every mark still missing in the skill (`description`: GET /api/v1/skills/<ref>; `marks`:
    its marks now), given to the judges who may enter it (`judges`: expert code -> login)."""
    ref = description["ref"]
    per_aspect = int(description["judges_per_aspect"])
    experts = sorted((e for e in description["experts"] if e["code"] in judges),
                     key=lambda e: (ROLE_ORDER.get(e["role"], 9), e["code"]))
    # A withdrawn competitor's cells are not expected (their board does not count them).
    competitors = sorted((c for c in description["competitors"] if c["status"] != "withdrawn"),
                         key=lambda c: c["code"])
    ability = {c["code"]: rng.uniform(0.35, 0.95) for c in competitors}
    m_marks: set[tuple[str, str]] = set()
    j_marks: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}  # judge -> (score, revision)
    # A withdrawn mark is an empty cell whose next entry is a change of that mark.
    withdrawn = {(m["aspect"], m["competitor"], m["judge"]): m["revision"]
                 for m in marks if m["value"] is None}
    for mark in marks:
        if mark["value"] is None:
            continue
        cell = (mark["aspect"], mark["competitor"])
        if mark["judge"] is None:
            m_marks.add(cell)
        else:
            j_marks.setdefault(cell, {})[mark["judge"]] = (int(mark["value"]), mark["revision"])

    def may_mark(expert: dict, competitor: dict, criterion: str) -> bool:
        if expert["organization"] and expert["organization"] == competitor["organization"]:
            return False
        team = {part.strip() for part in (expert.get("marking_team") or "").split(",")}
        return not (team - {""}) or criterion in team

    submissions: list[Submission] = []
    remarks: list[Submission] = []
    unreachable = 0
    turn = itertools.count()
    for criterion in description["criteria"]:
        for sub in criterion["sub_criteria"]:
            for competitor in competitors:
                for aspect in sub["aspects"]:
                    cell = (aspect["code"], competitor["code"])
                    allowed = [e for e in experts if may_mark(e, competitor, criterion["code"])]
                    if aspect["type"] == "M":
                        if cell in m_marks:
                            continue
                        if sub["locked"] or not allowed:
                            unreachable += 1
                            continue
                        expert = allowed[next(turn) % len(allowed)]
                        values = sorted(aspect["values"], key=Decimal)
                        value = values[-1] if rng.random() < ability[competitor["code"]] \
                            else rng.choice(values)
                        submissions.append(Submission(ref, *cell, judges[expert["code"]],
                                                      None, value,
                                                      base=withdrawn.get((*cell, None), 0)))
                        continue
                    done = j_marks.get(cell, {})
                    missing = per_aspect - len(done)
                    if missing <= 0:
                        scores = {judge: score for judge, (score, _r) in done.items()}
                        settle = None if _spread_ok(list(scores.values())) or sub["locked"] \
                            else settling_remark(scores)
                        if settle is not None and settle[0] in judges:
                            judge, value = settle
                            remarks.append(Submission(ref, *cell, judges[judge], judge, value,
                                                      base=done[judge][1], reason=REASON))
                        continue
                    free = [e for e in allowed if e["code"] not in done][:missing]
                    if sub["locked"]:
                        free = []
                    unreachable += missing - len(free)
                    if not free:
                        continue
                    scores = plausible_scores([score for score, _r in done.values()], len(free),
                                              rng, ability[competitor["code"]],
                                              dispute=rng.random() < DISPUTE_SHARE)
                    for expert, score in zip(free, scores, strict=True):
                        submissions.append(Submission(
                            ref, *cell, judges[expert["code"]], expert["code"], score,
                            base=withdrawn.get((*cell, expert["code"]), 0)))
    return SkillPlan(ref, submissions, remarks, unreachable)


def interleave(plans: list[SkillPlan]) -> list[Submission]:
    """The skills' marks taken in turns, so that every board moves at once."""
    lanes = [plan.submissions for plan in plans]
    return [item for group in itertools.zip_longest(*lanes) for item in group
            if item is not None]


# --- talking to the server ------------------------------------------------------------------

class Server:
    """The running server over HTTP (the experts' API) and Socket.IO (one socket per judge)."""

    def __init__(self, url: str):
        import requests

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SimulationError(f"--url must be the server's address, like "
                                  f"http://localhost:5000, not {url!r}")
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"
        self.sockets: dict[str, object] = {}

    def _get(self, path: str, token: str | None = None):
        import requests

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self.http.get(self.url + path, headers=headers, timeout=30)
        except requests.RequestException as error:
            raise SimulationError(
                f"cannot reach the server at {self.url} ({type(error).__name__}); start it "
                "(`make run`) or pass --url") from None

    def check(self) -> None:
        """The address answers like this product (GET /api/v1/skills without a token: 401)."""
        answer = self._get("/api/v1/skills")
        if answer.status_code != 401 or "json" not in answer.headers.get("Content-Type", ""):
            raise SimulationError(f"{self.url} does not answer like a competition server "
                                  f"(GET /api/v1/skills: HTTP {answer.status_code})")

    def get_json(self, path: str, token: str) -> dict:
        answer = self._get(path, token)
        if answer.status_code == 401:
            raise SimulationError(
                f"the server at {self.url} does not know the tokens written to this database: "
                "run `competition simulate` with the server's COMPETITION_INSTANCE and "
                "COMPETITION_DATABASE_URL")
        if answer.status_code != 200:
            try:
                message = answer.json().get("message", "")
            except ValueError:
                message = answer.text[:200]
            raise SimulationError(f"GET {path}: HTTP {answer.status_code} {message}")
        return answer.json()

    def skill(self, ref: str, token: str) -> tuple[dict, list[dict]]:
        path = f"/api/v1/skills/{quote(ref, safe='/')}"
        return self.get_json(path, token), self.get_json(path + "/marks", token)["marks"]

    def connect(self, login: str, token: str) -> None:
        import socketio

        client = socketio.Client(handle_sigint=False, reconnection_delay_max=2)
        try:
            client.connect(self.url, auth={"token": token}, transports=["websocket"],
                           headers={"Accept-Language": "en"}, wait_timeout=10)
        except socketio.exceptions.ConnectionError as error:
            self.close()
            raise SimulationError(f"judge {login} could not connect to {self.url}: "
                                  f"{error}") from None
        self.sockets[login] = client

    def send(self, submission: Submission, on_ack: Callable[[Submission, object], None]) -> bool:
        """Emit the mark; False when the judge's socket is down just now (try again later)."""
        import socketio

        client = self.sockets[submission.login]
        try:
            client.emit("mark:submit", submission.payload(),
                        callback=lambda answer=None: on_ack(submission, answer))
        except socketio.exceptions.SocketIOError:
            return False
        return True

    def close(self) -> None:
        """Disconnect every judge at once: a websocket's close waits up to 3 s for the
        server's answer, which Werkzeug's development server never sends."""

        def disconnect(client) -> None:
            try:
                client.shutdown()  # also ends a reconnection loop in progress
            except Exception:  # noqa: BLE001,S110 (going away anyway)
                pass

        closing = [threading.Thread(target=disconnect, args=(client,), daemon=True)
                   for client in self.sockets.values()]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join(timeout=5)
        self.sockets.clear()
        self.http.close()


# --- the run ----------------------------------------------------------------------------------

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
