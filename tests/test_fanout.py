"""Broadcasts yield to the event loop between chunks of a room (competition/fanout.py), and
the server still delivers through Redis when several processes share a message queue."""

from __future__ import annotations

import shutil
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
