"""Websocket connections that take a broadcast's frame as bytes (`competition serve` only).

Under gevent, python-engineio gives each websocket a writer greenlet fed by a queue: a
broadcast to 1,000 viewers puts a packet in 1,000 queues, wakes 1,000 greenlets, and each
encodes the same text and frames it again (wsproto) before its `send`. Those writers had
about half of the server's samples in a 1,000-viewer run (bench/bench_live.py --py-spy).

`FramedWebSocket` is the websocket that python-engineio makes under gevent, with a lock around
every write and one more way in: `write(served, frame)` sends a frame that was built once for
the whole room (competition/fanout.py) straight from the broadcasting greenlet, when the
connection is idle — upgraded to websocket, nothing waiting in its queue nor taken out of it
by its writer, no write under way, no extension negotiated (`competition serve` declines
compression). Otherwise it answers False and the packet takes the queue, behind what is
already there, so each viewer still gets every packet in order. A frame that the socket's
buffer cannot take at once is finished by a greenlet that holds the lock meanwhile; the writer
waits for it. A viewer that takes nothing for a ping interval and timeout is cut off.

Its `send` (the queue's writer's) also sends each packet whole, which simple-websocket's does
not under gevent.

`install` also sends every other text packet of the server (an acknowledgement, an emit to one
client) that way when its connection is idle: written from the greenlet that made it, rather
than queued for the connection's writer greenlet, woken, and framed there.
"""

from __future__ import annotations

import socket
import struct

import gevent
import gevent.lock
from engineio.async_drivers import gevent as gevent_driver
from wsproto.events import Message, TextMessage


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked websocket text frame (a server's; RFC 6455, 5.2)."""
    data = text.encode()
    size = len(data)
    if size < 126:
        return bytes((0x81, size)) + data
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + data
    return struct.pack("!BBQ", 0x81, 127, size) + data


class FramedWebSocket(gevent_driver.WebSocketWSGI):
    frame = staticmethod(text_frame)  # for competition/fanout.py, which does not import this

    def __init__(self, handler, server):
        super().__init__(handler, server)
        self.lock = gevent.lock.Semaphore()
        # packets the queue's writer has taken out of the queue and not yet written: one
        # waiting for the lock is in neither the queue nor the lock, yet must go first
        self.taken = 0
        self.framing = False
        self.patience = server.ping_interval + server.ping_timeout
        served = getattr(handler, "__self__", None)  # the engine.io socket it serves
        if served is not None:
            served.framed = self

    def __call__(self, environ, start_response):
        # simple-websocket accepts every extension offered: a frame built once fits only a
        # connection without any
        self.framing = not environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS")
        return super().__call__(environ, start_response)

    def send(self, message):
        """Send one packet whole, under the lock. simple-websocket 1.1 passes the frame to
        `socket.send` once, and under gevent that sends what the buffer takes and drops the
        rest when it is full (a slow viewer then gets a broken stream: simple-websocket
        issue 45); this is its `send` with `sendall`. Until it is written the connection is
        not idle: a lock that was just released is free before this writer, woken, takes it,
        and a frame written meanwhile would overtake this packet."""
        self.taken += 1
        try:
            with self.lock:
                ws = self.ws
                if not ws.connected:
                    raise OSError("the websocket is closed")  # as engine.io's wrapper raises
                event = Message(data=message) if isinstance(message, bytes) \
                    else TextMessage(data=str(message))
                if not self._whole(ws.ws.send(event)):
                    raise OSError("the viewer took nothing for too long")
        finally:
            self.taken -= 1

    def close(self):
        with self.lock:  # its close frame after the frame under way, not inside it
            super().close()

    def takes(self, served) -> bool:
        """Whether a frame would be written now to this connection, whose engine.io socket is
        `served`: idle (see the module's docstring)."""
        ws = getattr(self, "ws", None)
        return not (not self.framing or ws is None or not ws.connected or served.closed
                    or not served.upgraded or served.upgrading or self.lock.locked()
                    or self.taken or served.queue.qsize())

    def write(self, served, frame: bytes) -> bool:
        """Send `frame` (one whole websocket frame) to this connection, whose engine.io
        socket is `served`, now if it is idle; False if the packet must take the queue."""
        if not self.takes(served):
            return False
        ws = self.ws
        if not served.check_ping_timeout():
            return True  # the client is gone and its socket closed: dropped, as engine.io does
        raw = getattr(ws.sock, "_sock", None)  # gevent's socket wraps a non-blocking one
        if raw is None:
            return False
        self.lock.acquire()  # free (checked above, and nothing yielded since)
        try:
            sent = raw.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.lock.release()
            return False  # broken: the queue's writer finds out and closes it
        if sent == len(frame):
            self.lock.release()
        else:
            gevent.spawn(self._finish, memoryview(frame)[sent:])
        return True

    def _finish(self, rest) -> None:
        """Send the rest of a frame, holding the lock meanwhile."""
        try:
            self._whole(rest)
        finally:
            self.lock.release()

    def _whole(self, data) -> bool:
        """Send `data` whole; False, and the connection cut, when it cannot be sent or the
        viewer takes nothing for a ping interval and timeout (its reader then ends, and
        engine.io closes the connection)."""
        try:
            with gevent.Timeout(self.patience):
                self.ws.sock.sendall(data)
            return True
        except (OSError, gevent.Timeout):
            try:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return False


def install(server) -> bool:
    """Make `server`'s (a python-socketio server under gevent) websockets framed ones; False
    when they are not simple-websocket's (gevent-websocket installed)."""
    if server.eio.async_mode != "gevent" or gevent_driver.SimpleWebSocketWSGI is None:
        return False
    eio = server.eio
    eio._async = dict(eio._async, websocket=FramedWebSocket)
    eio.frames_broadcasts = True
    eio.send_packet = _direct(eio)
    return True


def _direct(eio):
    """engine.io's `send_packet(sid, packet)`, but a text packet to an idle framed websocket is
    written at once."""
    queued = eio.send_packet

    def send_packet(sid, pkt):
        served = eio.sockets.get(sid)  # (a disconnection of all replaces the dict)
        framed = getattr(served, "framed", None)
        if framed is not None and not pkt.binary and framed.takes(served) \
                and framed.write(served, text_frame(pkt.encode())):
            return
        queued(sid, pkt)

    return send_packet
