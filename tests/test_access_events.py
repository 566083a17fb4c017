"""Socket.IO event × persona: every event the server handles has an access rule here, and a
live server (`competition run`) obeys it for real python-socketio clients.

A new event without a line in EVENTS fails `test_every_event_has_a_rule`. Each persona
(tests/access.py) connects once, with an API token (`auth: {token}`) or as anonymous, and
sends every event; the acknowledgement says whether it was let in.
"""

from __future__ import annotations

import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from .access import PERSONAS, free_m_aspects, make_role_users
from .conftest import ON_POSTGRES, make_app, start_server, stop_server

pytestmark = pytest.mark.timeout(120)

EVERYONE = frozenset(PERSONAS)
STAFF = frozenset({"organizer", "admin"})
SKILL_10 = frozenset({"expert", "compatriot", "chief"})  # the experts of skill 10


@dataclass
class Case:
    """One way of sending an event: its payload for a persona, who is let in, and the error
    code of the refusal for each persona that is not (default `forbidden`)."""

    label: str
    payload: Callable[[World, str], object]
    allowed: frozenset[str]
    refusals: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """What the live server's database holds for the cases: tokens, tasks, cells, a screen."""

    url: str
    tokens: dict[str, str]
    tasks: dict[str, str]  # persona -> a progress task id issued to that persona
    cells: dict[tuple[str, str], tuple[str, str]]  # (case, persona) -> (aspect, mark)
    screen: str


def _mark(competitor: str, label: str):
    def payload(world: World, persona: str) -> dict:
        aspect, value = world.cells[(label, persona)]
        return {"id": f"events-{label}-{persona}".replace(" ", "-"), "skill": "10",
                "competitor": competitor, "aspect": aspect, "value": value}
    return payload


# Who may write a mark of 101 (docs/security.md: not their compatriot expert, not another skill's
# expert, not an account that holds no expert's pen).
MARK_REFUSALS = {"anonymous": "unauthenticated", "other_expert": "not_assigned",
                 "other_chief": "not_assigned", "compatriot": "compatriot"}
EVENTS: dict[str, list[Case]] = {
    "connect": [Case("connect", lambda world, persona: None, EVERYONE)],
    "progress:watch": [
        Case("its own task", lambda world, persona: {"task": world.tasks[persona]}, STAFF),
        # a batch the organizer started: nobody else watches it
        Case("the organizer's task", lambda world, persona: {"task": world.tasks["organizer"]},
             frozenset({"organizer"}),
             {persona: "unknown-task" for persona in STAFF}),
    ],
    "mark:submit": [
        Case("mark of 101", _mark("101", "mark of 101"), frozenset({"expert", "chief"}),
             MARK_REFUSALS),
        # 105 is from neither the compatriot's organization nor the expert's: both mark them
        Case("mark of 105", _mark("105", "mark of 105"), SKILL_10, MARK_REFUSALS),
    ],
    "panel:join": [Case("skill 10", lambda world, persona: {"skill": "10"}, SKILL_10 | STAFF,
                        {"anonymous": "unauthenticated"})],
    # public; what a viewer is sent is checked in test_event_obeys_its_rule
    "board:join": [Case("skill 10", lambda world, persona: {"skill": "10"}, EVERYONE)],
    "screen:join": [Case("a screen", lambda world, persona: {"screen": world.screen}, EVERYONE)],
}
CASES = [(event, case, persona) for event, cases in EVENTS.items() for case in cases
         for persona in PERSONAS]


def _prepare(app) -> World:
    """Accounts, tokens, task ids and a screen; skill 10 hidden from the public, so a board
    shows its standings to its staff only."""
    from competition.auth.service import create_token
    from competition.database import write_transaction
    from competition.models import Skill, User
    from competition.models.screens import Screen, new_screen_key
    from competition.progress import new_task

    ids = make_role_users(app)
    mark_cases = [case.label for case in EVENTS["mark:submit"]]
    writers = [(label, persona) for label in mark_cases for persona in PERSONAS]
    free = free_m_aspects(app, len(writers))
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        tokens = {persona: create_token(session.get(User, user_id).login)
                  for persona, user_id in ids.items()}
        tasks = {persona: new_task(session.get(User, user_id).get_id())
                 for persona, user_id in ids.items()}
        tasks["anonymous"] = new_task("anonymous")
        with write_transaction() as writer:
            writer.execute(sa.update(Skill).where(Skill.code == "10")
                           .values(visibility="hidden"))
            screen = Screen(championship_id=1, name="Access hall", key=new_screen_key(),
                            mode="message", skills=[])
            writer.add(screen)
        key = screen.key
        session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    return World("", tokens, tasks, dict(zip(writers, free, strict=True)), key)


@pytest.fixture(scope="module")
def world(demo_template_db, tmp_path_factory):
    if ON_POSTGRES:
        pytest.skip("runs on SQLite only")  # the route × role matrix does not change with it
    folder = tmp_path_factory.mktemp("access-events")
    shutil.copyfile(demo_template_db, folder / "competition.db")
    url = f"sqlite:///{folder / 'competition.db'}"
    prepared = _prepare(make_app(url, folder))
    server = start_server(folder, url)
    prepared.url = server.url
    yield prepared
    stop_server(server)


@pytest.fixture(scope="module")
def sockets(world):
    """One connected client per persona, and the board snapshots each was sent."""
    import socketio

    clients, snapshots = {}, {}
    for persona in PERSONAS:
        client = socketio.Client(reconnection=False)
        box: queue.Queue = queue.Queue()
        client.on("board:snapshot", box.put)
        auth = None if persona == "anonymous" else {"token": world.tokens[persona]}
        client.connect(world.url, transports=["websocket"], wait_timeout=10, auth=auth)
        clients[persona], snapshots[persona] = client, box
    yield clients, snapshots
    # Side by side: each waits up to 3 s for the server's answer to its close frame.
    closing = [threading.Thread(target=client.disconnect) for client in clients.values()]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join()


def test_every_event_has_a_rule(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    handled = set(app.extensions["socketio"].server.handlers["/"])
    missing = sorted(handled - EVENTS.keys())
    assert not missing, f"Socket.IO events without an access rule here: {missing}"
    assert not EVENTS.keys() - handled, "EVENTS names events the server does not handle"
    print(f"\nevent matrix: {len(EVENTS)} events, {len(CASES) // len(PERSONAS)} cases × "
          f"{len(PERSONAS)} personas = {len(CASES)}")


@pytest.mark.parametrize(("event", "case", "persona"), CASES,
                         ids=[f"{e}-{c.label}-{p}".replace(" ", "_") for e, c, p in CASES])
def test_event_obeys_its_rule(world, sockets, event, case, persona):
    clients, snapshots = sockets
    client = clients[persona]
    if event == "connect":
        assert client.connected  # with its token, or as anonymous
        return
    answer = client.call(event, case.payload(world, persona), timeout=10)
    if persona not in case.allowed:
        expected = case.refusals.get(persona, "forbidden")
        assert answer["ok"] is False and answer["error"] == expected, (persona, answer)
        return
    assert answer["ok"] is True, (persona, answer)
    if event == "board:join":
        # Skill 10 is hidden: its staff see the standings, everyone else only its name.
        snapshot = snapshots[persona].get(timeout=10)
        assert snapshot["skill"] == "10"
        assert ("results" in snapshot) == (persona in SKILL_10 | STAFF), persona
    if event == "mark:submit":
        assert answer["mark"]["competitor"] == case.payload(world, persona)["competitor"]
        assert answer["replay"] is False


def test_a_bad_token_is_refused(world):
    import socketio

    client = socketio.Client(reconnection=False)
    refusals: queue.Queue = queue.Queue()
    client.on("connect_error", refusals.put)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(world.url, transports=["websocket"], wait_timeout=10,
                       auth={"token": "not-a-token"})
    assert refusals.get(timeout=10) == {"message": "unauthenticated"}
