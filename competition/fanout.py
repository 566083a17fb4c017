"""Broadcasts that let the rest of the server breathe.

python-socketio sends a room's event by walking the room's members in one go. Under gevent the
walk queues a frame for each member and wakes that member's writer, without yielding, and the
writers then run one after the other: with 1,000 viewers of a board, a judge's mark that
arrives meanwhile waits for the whole fan-out (about 25 ms) before it is read and
acknowledged. Here the walk yields to the event loop every CHUNK members, so the loop polls
the sockets between chunks and a judge's submission is served within a chunk or two.

Only the order of work changes: each member still gets the one encoded packet.
"""

from __future__ import annotations

import socketio

CHUNK = 4  # members sent to between two yields (measured: docs/deployment.md)
CHANNEL = "flask-socketio"  # Flask-SocketIO's default channel (COMPETITION_MESSAGE_QUEUE_CHANNEL)


class _Yielding:
    def get_participants(self, namespace, room):
        for count, participant in enumerate(super().get_participants(namespace, room), 1):
            yield participant
            if count % CHUNK == 0:
                self.server.sleep(0)


ENDS = "ends:"  # the rooms of competition/auth/sockets.py


class _Ending:
    """Closing an "ends:" room disconnects its members: a logout, a disabled account, a new
    password or a revoked token ends the connections they let in. Both a local close and one
    that came through the message queue from another process end up here."""

    def basic_close_room(self, room, namespace):
        if isinstance(room, str) and room.startswith(ENDS):
            for sid, _eio_sid in list(super().get_participants(namespace, room)):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        return super().basic_close_room(room, namespace)


class YieldingManager(_Ending, _Yielding, socketio.Manager):
    """The in-process manager (one server process)."""


class YieldingRedisManager(_Ending, _Yielding, socketio.RedisManager):
    """The Redis message queue manager (several server processes)."""


def client_manager(message_queue: str | None, channel: str = CHANNEL):
    """The client manager for Flask-SocketIO's init_app, or None to let it choose (queues
    other than Redis: their connections are not cut when an "ends:" room closes, and only
    the per-event check of competition/auth/sockets.py stops them)."""
    if not message_queue:
        return YieldingManager()
    if message_queue.startswith(("redis://", "rediss://")):
        return YieldingRedisManager(message_queue, channel=channel)
    return None
