"""HTML to PDF with WeasyPrint, fetching nothing but the app's own static files.

Templates refer to fonts and images with `url_for('static', filename=…)` (a path, not an
absolute URL). The document's base URL is an internal origin that never resolves
(`.invalid`, RFC 2606); the fetcher answers requests for that origin's static files from the
static folder on disk and refuses everything else: `file:` URLs, other hosts, other paths. A
template (or a name typed by an organizer) cannot make the server read its own files or call
out to the network. `data:` URLs carry no I/O and are allowed.

(Badges, certificates, result sheets and marking forms all render through here.)
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from flask import current_app, has_request_context, request, url_for
from markupsafe import Markup
from werkzeug.security import safe_join

# WeasyPrint (with Pango, fontTools and Pillow: about a second of start-up) is imported by what
# renders, not with the module: every server, worker and command imports this one.

PDF_ORIGIN = "https://competition.invalid"
PDF_BASE_URL = PDF_ORIGIN + "/"


class RefusedURL(ValueError):
    """A document asked for something other than one of the app's static files."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@cache
def fetcher_class() -> type:
    """StaticFilesOnly, a WeasyPrint URL fetcher that serves the static folder and refuses the
    rest (a subclass of WeasyPrint's, made when first asked for)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def __init__(self, static_folder: str | Path, static_path: str,
                     origins: tuple[str, ...] = (PDF_ORIGIN,)):
            super().__init__(allowed_protocols=("http", "https", "data"))
            self.static_folder = str(static_folder)
            self.static_path = "/" + static_path.strip("/") + "/"
            self.origins = frozenset(_origin(o) for o in origins)

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme not in ("http", "https") or _origin(url) not in self.origins:
                raise RefusedURL(
                    f"documents may only use the app's static files, not {url[:200]}")
            path = unquote(parts.path)
            if not path.startswith(self.static_path):
                raise RefusedURL(f"not a static file of the app: {url[:200]}")
            found = safe_join(self.static_folder, path[len(self.static_path):])
            if found is None or not Path(found).is_file():
                raise RefusedURL(f"no such static file: {url[:200]}")
            content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, Path(found).read_bytes(),
                                      {"Content-Type": content_type})

    return StaticFilesOnly


def static_fetcher():
    """The fetcher for the current app; in a request, its own address counts as internal too."""
    origins = [PDF_ORIGIN]
    if has_request_context():
        origins.append(request.host_url)
    return fetcher_class()(current_app.static_folder, url_for("static", filename=""),
                           tuple(origins))


def qr_svg(url: str) -> Markup:
    """A QR code of `url` as inline SVG (badges, certificates)."""
    qr = segno.make(url, error="m", micro=False)
    # segno escapes nothing it does not generate itself: the SVG holds only path data.
    return Markup(qr.svg_inline(border=0, omitsize=True, svgclass="qr", lineclass=None))  # noqa: S704


def qr_image(url: str) -> Markup:
    """A QR code of `url` as an <img> of an inline PNG: WeasyPrint draws it faster than the
    SVG's paths (certificates print by the thousand)."""
    qr = segno.make(url, error="m", micro=False)
    return Markup(f'<img class="qr" src="{qr.png_data_uri(scale=4, border=0)}" alt="">')  # noqa: S704


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def render_pdf(html: str) -> RenderedPdf:
    """Render one HTML document (many pages) to one PDF."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_fetcher()).render()
    return RenderedPdf(document.write_pdf(), len(document.pages))


class RenderFailed(RuntimeError):
    """The render process failed; the message is its last line of error output."""


# The render child loads this file alone: `python -m competition.workers render` would import
# the package's every view first (about 1.5 s of the 2.1 s a one-page render took).
_CHILD = ("import importlib.util, sys; "
          "spec = importlib.util.spec_from_file_location('competition_render', sys.argv[1]); "
          "module = importlib.util.module_from_spec(spec); sys.modules[spec.name] = module; "
          "spec.loader.exec_module(module); sys.exit(module.main(sys.argv[2:]))")


def child_command() -> list[str]:
    """The command of a render child (`main`): HTML on stdin, the page count and PDF on stdout."""
    import sys

    command = [sys.executable, "-c", _CHILD, __file__, current_app.static_folder,
               url_for("static", filename="")]
    if has_request_context():
        command.append(request.host_url)
    return command


def _origins() -> tuple[str, ...]:
    return (request.host_url,) if has_request_context() else ()


def _pool():
    """The process's warm render children (render_pool.py), or None when
    WARM_RENDERERS is 0."""
    import sys

    size = int(current_app.config.get("WARM_RENDERERS", 2) or 0)
    if size <= 0:
        return None
    from .render_pool import pool_for

    command = [sys.executable, "-c", _CHILD, __file__, current_app.static_folder,
               url_for("static", filename=""), "--serve"]
    return pool_for(command, size)


def render_pdf_isolated(html: str, timeout: float = 300) -> RenderedPdf:
    """`render_pdf` in a child process, for pages that print in a request (result sheets,
    marking forms): WeasyPrint holds the CPU for as long as it renders, and in the server's
    process that would stall every socket (under gevent the wait for the child is cooperative).
    A warm child of the pool when there is one; the child fetches the same static files only."""
    import subprocess

    pool = _pool()
    if pool is not None:
        from .render_pool import PoolFailed

        try:
            return RenderedPdf(*pool.render(html, _origins(), timeout))
        except PoolFailed as error:
            raise RenderFailed(str(error)) from error
    done = subprocess.run(child_command(), input=html.encode(), capture_output=True,
                          timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise RenderFailed(lines[-1])
    pages, _newline, data = done.stdout.partition(b"\n")
    return RenderedPdf(data, int(pages))


def render_many_isolated(htmls: list[str], timeout: float = 300) -> list[RenderedPdf]:
    """Several documents at once (the languages of one signed form), each in a child."""
    pool = _pool()
    if pool is not None:
        from .render_pool import PoolFailed

        try:
            return [RenderedPdf(*printed)
                    for printed in pool.render_many(htmls, _origins(), timeout)]
        except PoolFailed as error:
            raise RenderFailed(str(error)) from error
    import subprocess

    command = child_command()
    children = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for _html in htmls]
    results = []
    for child, html in zip(children, htmls, strict=True):
        out, err = child.communicate(html.encode(), timeout=timeout)
        if child.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines() or ["no output"]
            raise RenderFailed(lines[-1])
        pages, _newline, data = out.partition(b"\n")
        results.append(RenderedPdf(data, int(pages)))
    return results


def warm_pool() -> None:
    """Start the warm render children now, and wait until they are ready."""
    from .render_pool import PoolFailed

    pool = _pool()
    if pool is not None:
        try:
            pool.warm()
        except PoolFailed as error:
            raise RenderFailed(str(error)) from error


def warm_in_background(app) -> None:
    """The server, as it starts: warm the render children without waiting for them, so the
    first sheet printed is as fast as the next (unless WARM_AT_START is off: then the first
    document starts them)."""
    import logging

    from ..extensions import socketio

    if not app.config.get("WARM_AT_START", True):
        return

    def warm() -> None:
        with app.test_request_context("/"):
            try:
                warm_pool()
            except (RenderFailed, OSError) as error:
                logging.getLogger(__name__).warning("render children not started: %s", error)

    socketio.start_background_task(warm)


def _render_bytes(html: str, fetcher) -> tuple[bytes, int]:
    from weasyprint import HTML

    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).render()
    return document.write_pdf(), len(document.pages)


def main(argv: list[str]) -> int:
    """`python -m competition.workers render STATIC_FOLDER STATIC_PATH [ORIGIN]`: HTML on
    stdin; the page count, a newline and the PDF on stdout. With `--serve` last, the warm
    child of render_pool.py instead (`serve`)."""
    import sys

    if argv and argv[-1] == "--serve":
        return serve(argv[:-1])
    static_folder, static_path, *origins = argv
    fetcher = fetcher_class()(static_folder, static_path, (PDF_ORIGIN, *origins))
    data, pages = _render_bytes(sys.stdin.buffer.read().decode(), fetcher)
    sys.stdout.buffer.write(f"{pages}\n".encode() + data)
    return 0


WARM_UP = ("<html><head><style>body{font-family:sans-serif}</style></head>"
           "<body><p>Aa Ққ Жж 0123</p></body></html>")


def serve(argv: list[str]) -> int:
    """The warm child's loop (the protocol is in render_pool.py): one document at a time
    until stdin closes. It lays a small page out first, so that fonts are set up before the
    first real document, then says it is ready."""
    import json
    import logging
    import sys

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    static_folder, static_path = argv
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _render_bytes(WARM_UP, fetcher_class()(static_folder, static_path))
    stdout.write(b'{"ready": true}\n')
    stdout.flush()
    while True:
        line = stdin.readline()
        if not line:
            return 0
        request_ = json.loads(line)
        html = stdin.read(request_["size"]).decode()
        try:
            fetcher = fetcher_class()(static_folder, static_path,
                                      (PDF_ORIGIN, *request_.get("origins", ())))
            data, pages = _render_bytes(html, fetcher)
            answer = {"ok": True, "pages": pages, "size": len(data)}
        except Exception as error:  # noqa: BLE001  (answered; the caller raises it)
            data, answer = b"", {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
        stdout.write(json.dumps(answer).encode() + b"\n" + data)
        stdout.flush()
