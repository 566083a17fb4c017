"""Broadcasts yield to the event loop between chunks of a room (competition/fanout.py), and
the server still delivers through Redis when several processes share a message queue."""

from __future__ import annotations

import shutil
import time
import uuid

from competition.fanout import CHUNK, YieldingManager, client_manager


def test_the_walk_through_a_room_yields_every_chunk(monkeypatch):
    import socketio

    manager = YieldingManager()
    server = socketio.Server(client_manager=manager, async_mode="threading")
    sleeps = []
    monkeypatch.setattr(server, "sleep", sleeps.append)
    members = CHUNK * 2 + 7
    for n in range(members):
        sid = manager.connect(f"eio-{n}", "/")
        manager.enter_room(sid, "/", "board:1:public", eio_sid=f"eio-{n}")
    walked = list(manager.get_participants("/", "board:1:public"))
    assert len(walked) == members
    assert len({sid for sid, _eio in walked}) == members
    assert sleeps == [0] * (members // CHUNK)


def test_a_redis_queue_gets_the_yielding_redis_manager(redis_url):
    manager = client_manager(redis_url)
    assert type(manager).__name__ == "YieldingRedisManager"
    assert client_manager(None).__class__ is YieldingManager


def test_marks_reach_the_panel_through_redis(demo_template_db, tmp_path, redis_url):
    import socketio

    from .fixtures.databases import make_app
    from .fixtures.servers import start_server, stop_server
    from .judging.panel import make_panel

    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    panel = make_panel(app, "10")
    with app.app_context():
        from competition.auth.service import create_token
        from competition.extensions import db

        tokens = [create_token(f"judge-{code.lower()}") for code in panel.codes[:2]]
        db.session.remove()
        db.engine.dispose()
    channel_env = {"COMPETITION_MESSAGE_QUEUE": redis_url,
                   "COMPETITION_MESSAGE_QUEUE_CHANNEL": f"fanout-{tmp_path.name}"}
    server = start_server(tmp_path, f"sqlite:///{database}", env=channel_env)
    clients = []
    try:
        for token in tokens:
            client = socketio.Client(reconnection=False)
            client.connect(server.url, transports=["websocket"], auth={"token": token},
                           wait_timeout=10)
            clients.append(client)
        tablet, chief = clients
        import queue

        events: queue.Queue = queue.Queue()
        chief.on("marks", events.put)
        assert chief.call("panel:join", {"skill": "10"}, timeout=10)["ok"]
        answer = tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                             "aspect": panel.j_aspect,
                                             "competitor": panel.competitor, "value": 2},
                             timeout=10)
        assert answer["ok"]
        event = events.get(timeout=10)
        assert event["marks"][0]["version"] == answer["mark"]["version"]
    finally:
        for client in clients:
            client.disconnect()
        stop_server(server)


def test_a_round_of_emits_reaches_the_other_processes_as_one_queue_message(redis_url):
    """Inside `gathered`, the emits leave for the other processes as one Redis message that
    their listener opens into the emits, in order; an emit outside it is published at once."""
    import json

    import redis
    import socketio

    from competition.fanout import BATCH, gathered

    channel = f"gathered-{uuid.uuid4().hex}"
    sender = client_manager(redis_url, channel)
    server = socketio.Server(client_manager=sender, async_mode="threading")
    receiver = client_manager(redis_url, channel)
    watcher = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    watcher.subscribe(channel)
    try:
        with gathered(server):
            server.emit("marks", {"marks": [{"version": 7}]}, to="panel:1")
            server.emit("board:snapshot", {"version": 7, "audience": "staff"}, to="board:1:staff")
            server.emit("board:snapshot", {"version": 7, "audience": "public"}, to="board:1:public")
        server.emit("lock", {"locked": True}, to="panel:1")
        published = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # (None for the subscription's own message too)
            message = watcher.get_message(timeout=0.2)
            if message is not None:
                published.append(message)
            elif len(published) >= 2:
                break
        assert len(published) == 2, f"{len(published)} queue messages, not 2"
    finally:
        watcher.close()

    # The receiving process's listener reads what Redis delivered.
    assert json.loads(published[0]["data"])["method"] == BATCH
    receiver._redis_connect()
    receiver._redis_listen_with_retries = lambda: iter(published)
    opened = [json.loads(m) if isinstance(m, bytes) else m for m in receiver._listen()]
    assert [(m["method"], m["event"], m["room"]) for m in opened] == [
        ("emit", "marks", "panel:1"), ("emit", "board:snapshot", "board:1:staff"),
        ("emit", "board:snapshot", "board:1:public"), ("emit", "lock", "panel:1")]
    assert opened[2]["data"] == [{"version": 7, "audience": "public"}]
    # and the process that sent them drops them, its round and its single emit, undecoded
    sender._redis_listen_with_retries = lambda: iter(published)
    own = sender._own()
    sender._own = lambda: own
    sender.json = None  # (any decoding would fail)
    assert list(sender._listen()) == []


def test_gathered_leaves_a_server_without_a_queue_as_it_is():
    import socketio

    from competition.fanout import gathered

    manager = YieldingManager()
    server = socketio.Server(client_manager=manager, async_mode="threading")
    sent = []
    manager.emit = lambda *args, **kwargs: sent.append(args[0])
    with gathered(server):
        server.emit("marks", {}, to="panel:1")
    assert sent == ["marks"]
