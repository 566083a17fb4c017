"""`competition serve`: the production server (gevent, one process, websockets).

Why gevent and no per-message compression: docs/deployment.md has the measured figures
(bench/bench_live.py). In short, one gevent process fans a 2 KB standings snapshot out to 1,000
viewers for a fraction of the CPU the threading server spends, and compressing every frame for
every viewer more than doubles that CPU.

gevent only works when the standard library is patched before anything imports socket, ssl or
threading, so `patch_before_imports` runs first thing in competition/cli/__init__.py, before
the package imports anything else, when the command is `serve`. Everything else here runs after
the patching.
"""

from __future__ import annotations

import sys

COMMAND = "serve"


def patch_before_imports(argv: list[str]) -> bool:
    """Monkey-patch the standard library for gevent when `argv` runs `competition serve`."""
    if len(argv) < 2 or argv[1] != COMMAND:
        return False
    from gevent import monkey

    monkey.patch_all()
    return True


def gevent_is_patched() -> bool:
    if "gevent.monkey" not in sys.modules:
        return False
    from gevent import monkey

    return all(monkey.is_module_patched(name) for name in ("socket", "threading", "select"))


class WithoutWebsocketCompression:
    """WSGI middleware that declines per-message deflate on websockets.

    Browsers (and Node's socket.io client) offer `permessage-deflate`, and simple-websocket,
    which serves websockets under gevent, accepts every offer; python-engineio has no setting
    for it. Hiding the offer from the handshake makes the connection uncompressed: each
    broadcast is then encoded once and written as is to every viewer, instead of being
    compressed again for each of them.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)


def raise_open_files_limit() -> int:
    """Raise the soft limit of open files to the hard one; return the limit now in force.

    Every websocket holds two descriptors under gevent + simple-websocket (the connection and
    its duplicate), so the common soft limit of 1,024 caps a server near 500 viewers.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def check_database_driver(engine) -> None:
    """Refuse a PostgreSQL driver that would block every greenlet while it waits.

    psycopg 3 (from 3.1.14) waits cooperatively when it is imported after gevent patched the
    `select` module; imported before, it keeps its C wait, which stalls the whole process for
    the length of every query.
    """
    if engine.dialect.name != "postgresql":
        return
    if engine.dialect.driver != "psycopg":
        raise RuntimeError(
            f"the PostgreSQL driver {engine.dialect.driver!r} does not cooperate with gevent; "
            "use postgresql+psycopg://… (psycopg 3) in COMPETITION_DATABASE_URL"
        )
    from psycopg import waiting

    if waiting.wait is getattr(waiting, "wait_c", None):
        raise RuntimeError(
            "psycopg was imported before gevent patched the standard library, so its waits "
            "would block the server; start the server as `competition serve`"
        )



def tune_garbage_collector() -> None:
    """Make the garbage collector's full collections rare and short.

    A full collection walks every tracked object and stops the whole process meanwhile: with
    the application loaded and 1,000 viewers connected each took 115–180 ms, about every 7 s,
    and those pauses were the judges' p99 ack time (bench/bench_live.py). So: what start-up
    loaded (modules, the app, SQLAlchemy's metadata, the catalogs…) is frozen out of
    collections, since it stays alive anyway, and a full collection runs after 100 collections
    of the middle generation instead of 10. Young objects are still collected as often, and
    full collections still run, so cyclic garbage is still freed.
    """
    import gc

    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def handler_class():
    """gevent's WSGI handler with Nagle's algorithm off on each connection.

    gevent's server writes a response's headers and its body separately; with Nagle on, the
    second write of every response after a connection's first waits for the client's delayed
    acknowledgement (about 40 ms on Linux: bench/bench_board_http.py measured every endpoint
    capped near 1,100 requests/s by it, at 44 ms p50)."""
    import socket

    import gevent
    from gevent.pywsgi import WSGIHandler

    class NoDelayHandler(WSGIHandler):
        def handle(self):
            try:
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):  # not TCP (a Unix socket): nothing to do
                pass
            return super().handle()

        def handle_one_request(self):
            result = super().handle_one_request()
            # Let the other connections in before this one's next request: a client that
            # sends its next request as soon as the answer arrives (a hall of phones polling
            # a snapshot kept as bytes) found it already read, and held the loop for seconds.
            gevent.sleep(0)
            return result

    return NoDelayHandler



# --- several worker processes (`competition serve --workers N`) -------------------------------

WORKER_OPTION = "--worker"  # hidden: how the supervisor starts each worker
BACKLOG = 1024  # connections a worker's socket queues: a hall reconnecting at once
STOP_GRACE = 10  # seconds the supervisor gives its workers to stop before it kills them
QUICK_EXIT = 10  # a worker that exits sooner than this after its start did not start
QUICK_EXITS_ALLOWED = 5  # quick exits in a row before the supervisor gives up


def parse_bind(bind: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets: [::1]:5000) → (host, port); ValueError if not."""
    host, sep, port = bind.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--bind {bind!r}: expected HOST:PORT, for example 127.0.0.1:5000, "
                         "0.0.0.0:5000 or [::1]:5000")
    return host, int(port)


def bind_text(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def scale_out_problem(workers: int, environ, database_url: str) -> str | None:
    """Why `workers` processes cannot serve one championship with these settings, or None.

    Each worker is a separate process with its own Socket.IO server: a mark recorded by one
    reaches the boards connected to another only through the message queue, and a session
    signed by one is only valid in another with the same secret key. SQLite is refused: the
    workers would take turns on SQLite's one write lock for every mark (docs/deployment.md)."""
    if workers == 1:
        return None
    import socket

    if not hasattr(socket, "SO_REUSEPORT"):
        return "--workers needs SO_REUSEPORT (Linux); run one `competition serve` per port"
    if not environ.get("COMPETITION_MESSAGE_QUEUE"):
        return (f"--workers {workers} needs a message queue: set COMPETITION_MESSAGE_QUEUE="
                "redis://HOST:6379/0, or a mark recorded by one worker never reaches the "
                "boards connected to another")
    if not environ.get("COMPETITION_SECRET_KEY"):
        return (f"--workers {workers} needs COMPETITION_SECRET_KEY, the same in every "
                "process: the key generated into the instance folder belongs to one machine, "
                "and a login signed by one server is refused by a server with another key")
    if database_url.startswith("sqlite"):
        return (f"--workers {workers} needs PostgreSQL (COMPETITION_DATABASE_URL="
                "postgresql+psycopg://…): worker processes writing one SQLite file stall each "
                "other's connections; one worker on SQLite holds a hall")
    return None


def message_queue_problem(url: str) -> str | None:
    """Why the Redis message queue at `url` cannot be used now, or None (other queues: None)."""
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        import redis
    except ImportError:
        return "COMPETITION_MESSAGE_QUEUE is Redis but the redis package is missing: " \
               "pip install 'competition[redis]'"
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"the message queue (COMPETITION_MESSAGE_QUEUE) does not answer: {error}"
    finally:
        client.close()
    return None


def shared_listener(host: str, port: int):
    """A listening socket with SO_REUSEPORT: every worker binds its own on the same address,
    and Linux spreads the incoming connections between them."""
    import socket

    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(address)
    listener.listen(BACKLOG)
    listener.setblocking(False)
    return listener


def serve_app(app, listener, *, worker: bool = False) -> None:
    """Serve `app` on gevent's WSGI server until stopped; `listener` is an address (host,
    port) or a listening socket. What `socketio.run` does under gevent, given a socket.

    A worker stops on SIGTERM (its connections are closed: clients reconnect to the other
    workers), ignores Ctrl+C (the supervisor gets it too, and stops every worker), and stops
    when its supervisor is gone."""
    from gevent import pywsgi

    from . import tasks
    from .documents.render import warm_in_background
    from .extensions import socketio

    warm_in_background(app)
    tasks.warm_in_background(app)  # the workers' fork server
    server = pywsgi.WSGIServer(listener, app, log=None, handler_class=handler_class())
    socketio.wsgi_server = server  # as socketio.run leaves it
    if worker:
        import os
        import signal

        import gevent

        parent = os.getppid()

        def orphaned() -> None:
            while os.getppid() == parent:
                gevent.sleep(1)
            server.stop(timeout=1)

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gevent.signal_handler(signal.SIGTERM, lambda: server.stop(timeout=1))
        gevent.spawn(orphaned)
    server.serve_forever()


def describe_exit(status: int) -> str:
    import signal

    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


class Supervisor:
    """Starts `workers` copies of `command`, starts another when one exits, and stops them all
    on SIGTERM or SIGINT. Runs under gevent (the `serve` command is patched)."""

    def __init__(self, command: list[str], workers: int, say):
        self.command = command
        self.workers = workers
        self.say = say  # one line to the log (standard error)

    def _start(self):
        import subprocess
        import time

        process = subprocess.Popen(self.command)
        process.started = time.monotonic()
        self.say(f"worker {process.pid} started")
        return process

    def run(self) -> str | None:
        """Supervise until stopped; None when stopped by a signal, else why it gave up."""
        import signal
        import time

        import gevent
        from gevent.event import Event

        stop = Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(number, stop.set)
        processes = [self._start() for _ in range(self.workers)]
        quick = 0
        failure = None
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                status = process.poll()
                if status is None or stop.is_set():
                    continue
                lived = time.monotonic() - process.started
                quick = quick + 1 if lived < QUICK_EXIT else 0
                if quick >= QUICK_EXITS_ALLOWED:
                    failure = (f"the workers exit as soon as they start ({quick} in a row, "
                               f"last: {describe_exit(status)}); see their messages above")
                    stop.set()
                    break
                self.say(f"worker {process.pid} stopped ({describe_exit(status)}); "
                         "starting another")
                if lived < QUICK_EXIT:
                    gevent.sleep(1)  # not a tight loop of failing starts
                processes[index] = self._start()
        self._stop_all(processes)
        return failure

    def _stop_all(self, processes) -> None:
        import subprocess
        import time

        running = [p for p in processes if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"worker {process.pid} did not stop in {STOP_GRACE} s; killing it")
                process.kill()
                process.wait()
        self.say(f"stopped {len(processes)} workers")
