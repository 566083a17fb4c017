"""Render children kept warm: the sheets and the signed paper print in about the time WeasyPrint
takes to lay the pages out, without paying for a new Python, WeasyPrint's import and its font
set-up on every click (bench/bench_signed_forms.py has the figures).

A pool holds up to WARM_RENDERERS children (`render.serve`), started when first needed (or
by `warm()` when the server starts) and shared by every request and background task of the
process. A child takes one document at a time over its pipes:

    request   one JSON line {"size": N, "origins": [...]}, then N bytes of HTML
    answer    one JSON line {"ok": true, "pages": P, "size": M}, then M bytes of PDF,
              or {"ok": false, "error": "..."}

WeasyPrint holds a CPU for as long as it lays a document out; in a child it never holds the
server's event loop (under gevent, waiting on the pipe is cooperative). A child that dies, or
takes longer than the timeout (it is killed), is replaced on the next use; one that has
printed RECYCLE_AFTER documents is replaced too (WeasyPrint's caches only grow). With
WARM_RENDERERS = 0 every document gets a one-off child as before (`render_pdf_isolated`).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import threading
from typing import NamedTuple


class PoolFailed(RuntimeError):
    """A child could not print the document; render.py raises it as its RenderFailed."""


class Printed(NamedTuple):
    data: bytes
    pages: int


RECYCLE_AFTER = 200
STARTUP_TIMEOUT = 60.0


class _Child:
    def __init__(self, command: list[str]):
        # stderr goes nowhere: a long-lived child must never block on a full pipe; its errors
        # come back in its answers.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.renders = 0
        self.ready = False

    def _watch(self, timeout: float) -> threading.Timer:
        watchdog = threading.Timer(timeout, self.kill)
        watchdog.daemon = True
        watchdog.start()
        return watchdog

    def _wait_ready(self) -> None:
        """Until the child has loaded WeasyPrint and laid its first page out."""
        if self.ready:
            return
        watchdog = self._watch(STARTUP_TIMEOUT)
        try:
            line = self.process.stdout.readline()
        except (OSError, ValueError):
            line = b""
        finally:
            watchdog.cancel()
        if not line:
            raise PoolFailed("the render process did not start")
        self.ready = True

    def render(self, html: str, origins: tuple[str, ...], timeout: float) -> Printed:
        self._wait_ready()
        watchdog = self._watch(timeout)
        try:
            data = html.encode()
            self.process.stdin.write(json.dumps({"size": len(data), "origins": list(origins)})
                                     .encode() + b"\n" + data)
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            if not line:
                raise PoolFailed(f"the render process ended (more than {timeout:.0f} s, or "
                                   "it failed)")
            answer = json.loads(line)
            if not answer.get("ok"):
                raise PoolFailed(answer.get("error") or "the render failed")
            pdf = self.process.stdout.read(answer["size"])
            if len(pdf) != answer["size"]:
                raise PoolFailed("the render process ended in the middle of a document")
        except (OSError, ValueError) as error:
            raise PoolFailed(f"the render process failed: {error}") from error
        finally:
            watchdog.cancel()
        self.renders += 1
        return Printed(pdf, int(answer["pages"]))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class RenderPool:
    """Up to `size` warm children of one command (one static folder)."""

    def __init__(self, command: list[str], size: int):
        self.command = command
        self.size = size
        self._idle: queue.LifoQueue[_Child] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._all: list[_Child] = []

    def _start(self) -> _Child:
        child = _Child(self.command)
        self._all.append(child)
        return child

    def _take(self) -> _Child:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._started < self.size:
                self._started += 1
                try:
                    return self._start()
                except OSError as error:
                    self._started -= 1
                    raise PoolFailed(f"the render process could not start: {error}") from error
        return self._idle.get()

    def _give_back(self, child: _Child, healthy: bool) -> None:
        if healthy and child.alive() and child.renders < RECYCLE_AFTER:
            self._idle.put(child)
            return
        child.kill()
        with self._lock:
            self._all = [c for c in self._all if c is not child]
            try:
                replacement = self._start()
            except OSError:
                self._started -= 1
                return
        self._idle.put(replacement)

    def render(self, html: str, origins: tuple[str, ...] = (), timeout: float = 300
               ) -> Printed:
        child = self._take()
        healthy = False
        try:
            result = child.render(html, origins, timeout)
            healthy = True
            return result
        finally:
            self._give_back(child, healthy)

    def render_many(self, htmls: list[str], origins: tuple[str, ...] = (),
                    timeout: float = 300) -> list[Printed]:
        """Each HTML as a PDF, up to `size` at once (threads, greenlets under gevent), in
        order; the first failure is raised once all are done."""
        results: list[Printed | None] = [None] * len(htmls)
        failures: list[BaseException] = []

        def one(index: int) -> None:
            try:
                results[index] = self.render(htmls[index], origins, timeout)
            except BaseException as error:  # noqa: BLE001  (raised below, in the caller)
                failures.append(error)

        threads = [threading.Thread(target=one, args=(i,), daemon=True)
                   for i in range(len(htmls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        return results  # type: ignore[return-value]

    def warm(self) -> None:
        """Start every child now (and wait until each has WeasyPrint loaded)."""
        taken = []
        try:
            for _child in range(self.size - self._idle.qsize()):
                with self._lock:
                    if self._started >= self.size:
                        break
                    self._started += 1
                    child = self._start()
                taken.append(child)
            for child in taken:
                child._wait_ready()
        finally:
            for child in taken:
                self._give_back(child, True)

    def close(self) -> None:
        for child in list(self._all):
            child.kill()
        self._all.clear()
        self._started = 0
        self._idle = queue.LifoQueue()


_pools: dict[tuple[str, ...], RenderPool] = {}
_pools_lock = threading.Lock()


def pool_for(command: list[str], size: int) -> RenderPool:
    key = tuple(command)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = RenderPool(command, size)
        return pool


def close_all() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _forget_after_fork() -> None:
    """A forked process does not own its parent's children: start its own when needed."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


atexit.register(close_all)
os.register_at_fork(after_in_child=_forget_after_fork)
