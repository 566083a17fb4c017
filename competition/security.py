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

from flask import Flask, request

# The pages of the board a hall screen (board/screen.html) shows in its frames: only this
# server's own pages may frame them; everything else may not be framed at all.
FRAMED_BY_SCREENS = frozenset({"board.projector", "board.rotation", "board.medals"})

# A Host header that can be put in a header value as it is (name or address, optional port).
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

# Features no page uses; fullscreen is the hall screen's button (static/js/screen.js).
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), bluetooth=(), fullscreen=(self)")


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


def init_app(app: Flask) -> None:
    """Called by create_app after Socket.IO has wrapped the app."""
    app.after_request(secure_headers)
    app.wsgi_app = SocketHeaders(app.wsgi_app)
