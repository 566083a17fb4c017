"""Talking to the running server: HTTP for the experts' API (what to mark), and one
Socket.IO client per judge (`mark:submit`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from . import SimulationError
from .plan import Submission

# Seconds a judge's closing websocket waits for the server's close frame. websocket-client waits
# up to 3 s, and a judge's socket (authenticated by its token) waited all of them, on
# `competition serve` as on Werkzeug's development server: every run ended 3 s late.
CLOSE_WAIT = 0.2


def _websocket_class():
    """websocket-client's WebSocket, but closing after CLOSE_WAIT (imported when connecting,
    as socketio is: the command line starts without them)."""
    import websocket

    class QuickClose(websocket.WebSocket):
        def close(self, status: int = websocket.STATUS_NORMAL, reason: bytes = b"",
                  timeout: float | None = CLOSE_WAIT) -> None:
            super().close(status, reason, min(timeout or CLOSE_WAIT, CLOSE_WAIT))

    return QuickClose


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
        self.websocket_class = None

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

        self.websocket_class = self.websocket_class or _websocket_class()
        client = socketio.Client(handle_sigint=False, reconnection_delay_max=2,
                                 websocket_extra_options={"class_": self.websocket_class})
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
        """Disconnect every judge at once (each close waits up to CLOSE_WAIT)."""

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


