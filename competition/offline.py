"""The service worker of the offline pages (static/js/sw.js; docs/design.md, "Offline pages").

A service worker's reach is the path it is served from: /static/js/sw.js could only take pages
under /static/js/. Served as /sw.js it may take /judging/… (the tablet) and /screen/… (the hall
screen), which is all static/js/offline.js registers it for. Public, like /static/: it holds no
data, and it is never kept by the HTTP cache, so a new version reaches every tablet on its next
visit.
"""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("offline", __name__)


@bp.get("/sw.js")
def worker():
    response = current_app.send_static_file("js/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response
