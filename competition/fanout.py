"""Broadcasts that let the rest of the server breathe.

python-socketio sends a room's event by walking the room's members in one go. Under gevent the
walk queues a frame for each member and wakes that member's writer, without yielding, and the
writers then run one after the other: with 1,000 viewers of a board, a judge's mark that
arrives meanwhile waits for the whole fan-out (about 25 ms) before it is read and
acknowledged. Here the walk yields to the event loop every CHUNK members, so the loop polls
the sockets between chunks and a judge's submission is served within a chunk or two.

Only the order of work changes: each member still gets the one encoded packet.

Under `competition serve` the packet is also framed once for the whole room: each member whose
websocket is idle gets those bytes written straight to its connection (competition/frames.py),
the others through their queue as before.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

import socketio
from engineio import packet as eio_packet
from socketio import packet

CHUNK = 4  # members sent to between two yields (measured: docs/deployment.md)
CHANNEL = "flask-socketio"  # Flask-SocketIO's default channel (COMPETITION_MESSAGE_QUEUE_CHANNEL)


class _Yielding:
    def get_participants(self, namespace, room):
        for count, participant in enumerate(super().get_participants(namespace, room), 1):
            yield participant
            if count % CHUNK == 0:
                self.server.sleep(0)


class _Framed(socketio.Manager):
    """A broadcast encoded and framed once, written straight to every idle websocket
    (competition/frames.py) when the server's websockets take frames; every other member, and
    every emit with a callback or binary data, goes the library's way."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):
        eio = self.server.eio
        if callback is None and getattr(eio, "frames_broadcasts", False) \
                and namespace in self.rooms:
            args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
            # Encoded as text without first walking the whole snapshot for bytes (a few per
            # cent of the server's time): bytes cannot be written as JSON, and data that holds
            # some goes the library's way, as binary
            try:
                encoded = self.server.packet_class(packet.EVENT, namespace=namespace,
                                                   data=[event, *args], binary=False).encode()
            except TypeError:
                encoded = None
            if encoded is not None:
                if _GATHERED.get() is not None:  # for the round's queue message
                    _ENCODED.set(encoded)
                self.emit_encoded(encoded, namespace, to or room, skip_sid)
                return
        super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback,
                     to=to, **kwargs)

    def emit_encoded(self, encoded: str, namespace, room, skip_sid) -> None:
        """Send a Socket.IO packet already encoded as text to the members of `room`."""
        if namespace not in self.rooms:
            return  # nobody of this namespace here
        self._framed(self.server.eio, eio_packet.Packet(eio_packet.MESSAGE, encoded), namespace,
                     room, skip_sid if isinstance(skip_sid, list) else [skip_sid])

    def _framed(self, eio, eio_pkt, namespace, room, skip) -> None:
        frame = None
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            socket = eio.sockets.get(eio_sid)
            framed = getattr(socket, "framed", None)
            if framed is not None:
                if frame is None:
                    frame = framed.frame(eio_pkt.encode())
                if framed.write(socket, frame):
                    continue
            self.server._send_eio_packet(eio_sid, eio_pkt)


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


_GATHERED: contextvars.ContextVar[list | None] = contextvars.ContextVar("gathered", default=None)
# the text the emit under way was encoded to here (_Framed.emit), for its queue message
_ENCODED: contextvars.ContextVar[str | None] = contextvars.ContextVar("encoded", default=None)
BATCH = "competition:batch"  # the method of a queue message that carries several
PACKET = "competition:packet"  # an emit's Socket.IO packet, encoded, in place of its data


class _Gathering:
    """The emits of a broadcast round go to the other processes as one queue message, and a
    process's listener drops what it published itself without decoding it.

    Each emit through the queue is a publish to Redis, and a message every process's listener
    reads and decodes, its own included (python-socketio decodes it, then skips it by its
    host_id): a round of the live standings emits three or more (the panel's marks, the staff's
    and the public's snapshots). Inside `gathered()` each emit is still sent at once to this
    process's members; what the other processes are sent waits for the end of the block and
    leaves in one message, in the order emitted."""

    @contextmanager
    def gathered(self):
        token = _GATHERED.set([])
        try:
            yield
        finally:
            messages = _GATHERED.get()
            _GATHERED.reset(token)
            if len(messages) == 1:
                super()._publish(messages[0])
            elif messages:  # host_id before the messages: the sender knows its own by the start
                super()._publish({"method": BATCH, "host_id": self.host_id,
                                  "messages": messages})

    def emit(self, *args, **kwargs):
        token = _ENCODED.set(None)
        try:
            return super().emit(*args, **kwargs)
        finally:
            _ENCODED.reset(token)

    def _publish(self, data):
        messages = _GATHERED.get()
        if messages is not None and data.get("method") == "emit" and data.get("callback") is None:
            encoded = _ENCODED.get()
            if encoded is not None and not data.get("binary"):
                # the packet as this process encoded it for its own members: the others send
                # it as it is, without decoding the data and encoding it again (host_id last,
                # as _listen reads it)
                data = {**{key: value for key, value in data.items()
                           if key not in ("data", "host_id")},
                        PACKET: encoded, "host_id": data["host_id"]}
            messages.append(data)
            return None
        return super()._publish(data)

    def _handle_emit(self, message):
        encoded = message.get(PACKET)
        if encoded is None:
            return super()._handle_emit(message)
        return self.emit_encoded(encoded, message.get("namespace") or "/", message.get("room"),
                                 message.get("skip_sid"))

    def _own(self) -> tuple[bytes, bytes, bytes]:
        """How this process's own batches begin, and its own emits begin and end, as its json
        module writes them (python-socketio's emit message ends with its host_id)."""
        dumps = self.json.dumps
        return (dumps({"method": BATCH, "host_id": self.host_id})[:-1].encode(),
                dumps({"method": "emit"})[:-1].encode(),
                dumps({"host_id": self.host_id})[1:].encode())

    def _listen(self):
        marker = BATCH.encode()
        own_batch, emit_start, own_end = self._own()
        for message in super()._listen():
            if not isinstance(message, bytes):
                yield message
            elif message.startswith(own_batch) or (message.startswith(emit_start)
                                                    and message.endswith(own_end)):
                continue  # sent by this process, which handled it when it sent it
            elif marker not in message:
                yield message  # decoded by the library, as before
            else:
                try:
                    data = self.json.loads(message)
                except ValueError:
                    yield message
                    continue
                if data.get("method") != BATCH:
                    yield data
                elif data.get("host_id") != self.host_id:
                    yield from data.get("messages", ())


@contextmanager
def gathered(server):
    """One queue message for the emits of the block, where the server's manager gathers them
    (a Redis queue); elsewhere the block as it is."""
    gather = getattr(getattr(server, "manager", None), "gathered", None)
    if gather is None:
        yield
        return
    with gather():
        yield


class YieldingManager(_Ending, _Yielding, _Framed):
    """The in-process manager (one server process)."""


class YieldingRedisManager(_Ending, _Yielding, _Gathering, socketio.RedisManager, _Framed):
    """The Redis message queue manager (several server processes). _Framed comes after it:
    the queue's listener sends a message from another process with the emit of the class
    that follows PubSubManager."""


def client_manager(message_queue: str | None, channel: str = CHANNEL):
    """The client manager for Flask-SocketIO's init_app, or None to let it choose (queues
    other than Redis: their connections are not cut when an "ends:" room closes, and only
    the per-event check of competition/auth/sockets.py stops them)."""
    if not message_queue:
        return YieldingManager()
    if message_queue.startswith(("redis://", "rediss://")):
        return YieldingRedisManager(message_queue, channel=channel)
    return None
