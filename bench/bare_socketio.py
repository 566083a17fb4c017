"""The python-socketio baseline of bench/bench_live.py: acknowledge a mark, broadcast 2 KB.

    .venv/bin/python bench/bare_socketio.py --port 5101 [--async-mode gevent|threading]
                                            [--deflate]

No Flask, no database, no authentication, no coalescing: `mark:submit` bumps a version,
acknowledges it with {ok: true, mark: {version}}, and a background task yields once (so that
the ack is written before the fan-out starts) and then sends `board:snapshot {skill, version,
...2 KB}` to the board room. `board:join {skill}` joins that room. The server stack is the one
`competition serve` runs on (python-socketio on gevent's WSGI server, websockets by
simple-websocket); `--deflate` lets websockets negotiate per-message compression, which
browsers offer and `competition serve` declines; `--async-mode threading` runs it on Werkzeug's
threaded server instead, as `competition run` does.
"""

from __future__ import annotations

import sys

if not any(arg.endswith("threading") for arg in sys.argv):  # gevent patches the stdlib first
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import socketio  # noqa: E402

PAYLOAD = json.loads((Path(__file__).resolve().parent / "live" / "payload.json").read_text())


class WithoutWebsocketCompression:
    """Hide the client's permessage-deflate offer (what competition.serve does)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)


def build(async_mode: str) -> tuple[socketio.Server, socketio.WSGIApp]:
    sio = socketio.Server(async_mode=async_mode, transports=["websocket"])
    state = {"version": 0}

    def fan_out(skill: str, snapshot: dict) -> None:
        sio.sleep(0)  # let the judge's ack go out before the 1,000 viewers' frames
        sio.emit("board:snapshot", snapshot, to=f"board:{skill}")

    @sio.on("board:join")
    def board_join(sid, data):
        skill = str((data or {}).get("skill", ""))
        sio.enter_room(sid, f"board:{skill}")
        sio.start_background_task(
            sio.emit, "board:snapshot", {"skill": skill, "version": state["version"], **PAYLOAD},
            to=sid)
        return {"ok": True}

    @sio.on("mark:submit")
    def mark_submit(sid, data):
        data = data or {}
        state["version"] += 1
        version = state["version"]
        skill = str(data.get("skill", ""))
        sio.start_background_task(fan_out, skill, {"skill": skill, "version": version, **PAYLOAD})
        mark = {"skill": skill, "aspect": data.get("aspect"), "competitor": data.get("competitor"),
                "value": data.get("value"), "revision": 1, "version": version}
        return {"ok": True, "mark": mark, "replay": False, "dispute": None}

    return sio, socketio.WSGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5101)
    parser.add_argument("--async-mode", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--deflate", action="store_true",
                        help="accept per-message deflate when the client offers it")
    args = parser.parse_args()
    _, app = build(args.async_mode)
    if not args.deflate:
        app = WithoutWebsocketCompression(app)
    print(f"listening on 127.0.0.1:{args.port} ({args.async_mode}, "
          f"deflate {'on' if args.deflate else 'off'})", flush=True)
    if args.async_mode == "gevent":
        from gevent.pywsgi import WSGIServer

        try:  # python-engineio prefers gevent-websocket when it is installed (it is not)
            from geventwebsocket.handler import WebSocketHandler
            extra = {"handler_class": WebSocketHandler}
        except ImportError:
            extra = {}
        WSGIServer(("127.0.0.1", args.port), app, log=None, **extra).serve_forever()
    else:
        import logging

        from werkzeug.serving import run_simple

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
