"""Security headers on every answer (docs/security.md, "Security headers").

One `after_request` hook gives each response a Content-Security-Policy, nosniff, a referrer
policy, framing rules and a permissions policy. A view that set one of these headers itself
keeps its own (an uploaded SVG is sandboxed more strictly than any page): the hook only adds
what is missing.

Pages run no inline script and no inline style: scripts are modules under static/js, data for
them sits in `<script type="application/json">` blocks (not executed, so not subject to
script-src), and styles are in static/css (a script may still set element.style).
"""

from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext

# The pages of the board a hall screen (board/screen.html) shows in its frames: only this
# server's own pages may frame them; everything else may not be framed at all.
FRAMED_BY_SCREENS = frozenset({"board.projector", "board.rotation", "board.medals"})

# A Host header that can be put in a header value as it is (name or address, optional port).
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

# Features no page uses; fullscreen is the hall screen's button (static/js/screen.js).
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), fullscreen=(self)")


def page_policy(host: str | None, frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy of a page served to `host`."""
    # 'self' covers ws:/wss: of the same host in CSP 3 browsers (Chrome 71+, Safari 16+); the
    # explicit addresses keep older tablets' Socket.IO connections working.
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self'{sockets}",
        "frame-src 'self'",  # a hall screen frames the board's pages
        "worker-src 'self'",  # the offline pages' service worker (competition/offline.py)
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ))


# Chrome shows a PDF in a page of its own making, with an <embed> and inline styles: a page
# policy would blank it. A PDF runs none of our scripts; it only must not be framed.
PDF_POLICY = "frame-ancestors 'none'"


def secure_headers(response):
    headers = response.headers
    framed = request.endpoint in FRAMED_BY_SCREENS
    if response.mimetype == "application/pdf":
        policy = PDF_POLICY
    else:
        policy = page_policy(request.host, "'self'" if framed else "'none'")
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: Flask-WTF refuses a form posted over HTTPS without a
    # same-origin Referer (WTF_CSRF_SSL_STRICT). Other sites get nothing, so the codes in
    # /me/<code>, /verify/<code> and /login/code/<code> never leave this server.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if framed else "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    return response


class SocketHeaders:
    """nosniff and a no-content policy on Socket.IO's long-polling answers, which the
    Engine.IO middleware gives before Flask sees the request."""

    def __init__(self, wsgi_app, path: str = "/socket.io"):
        self.wsgi_app = wsgi_app
        self.path = path.rstrip("/") + "/"

    def __call__(self, environ, start_response):
        if (not environ.get("PATH_INFO", "").startswith(self.path)
                or environ.get("HTTP_UPGRADE")):
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            for name, value in (("X-Content-Type-Options", "nosniff"),
                                ("Content-Security-Policy",
                                 "default-src 'none'; frame-ancestors 'none'")):
                if name.lower() not in names:
                    headers.append((name, value))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def holds_nul(value) -> bool:
    """Whether a NUL character (U+0000) is in `value` (text, or the keys and values of a
    request's lists and dicts): no text here may hold one, and PostgreSQL refuses it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(item) for item in value)
    return False


def nul_message() -> str:
    return gettext("The request holds an invisible NUL character (U+0000), which no text here "
                   "may contain, so nothing was done. Remove it (it often comes from pasting "
                   "from another program) and try again.")


def refuse_nul():
    """Refuse a request with a NUL in its path, query or form, before any view reads them."""
    if not (holds_nul(request.path) or holds_nul(list(request.args.items(multi=True)))
            or holds_nul(list(request.form.items(multi=True)))):
        return None
    if request.path.startswith("/api/"):
        return jsonify(error="invalid_value", message=nul_message()), 400
    return render_template("errors.html", status=400, reason=nul_message()), 400


def init_app(app: Flask) -> None:
    """Called by create_app after Socket.IO has wrapped the app."""
    app.before_request(refuse_nul)
    app.after_request(secure_headers)
    app.wsgi_app = SocketHeaders(app.wsgi_app)
