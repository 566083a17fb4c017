"""A hall of phones polling `GET /board/<ref>/snapshot.json`, answered before Flask.

The snapshot's bytes are kept per skill state and audience (competition/standings/served.py),
but a request through Flask still costs a request context, a session, the login and locale
hooks, a database session and the security headers: three quarters of its CPU. This WSGI
middleware keeps the whole answer (status, headers, body) that the app gave a viewer who is
nobody in particular, with the skill's stamp it was made for, and gives it again to the next
such viewer of the same address as long as the skill's stamp (one query, on a connection of
its own: several server processes share the database) has not moved, nor the hub forgotten
the skill's snapshots (its scheme changed).

Only what cannot show more to somebody goes this way: a GET with no query or `?view=public`,
no `Authorization` header and, without `?view=public`, neither the session nor the remember
cookie (a logged-in organizer or expert sees the staff snapshot). Everything else, and
whatever the app did not answer with a plain 200 without cookies, goes to the app as before.
"""

from __future__ import annotations

import threading

from werkzeug.http import parse_cookie

from ..standings import hub
from ..standings.served import stamp_of_ref

PREFIX, SUFFIX = "/board/", "/snapshot.json"
QUERIES = ("", "view=public")
# The request headers an answer's own headers may depend on (the policy names the host;
# ProxyFix reads the forwarded ones when the app is behind a proxy).
KEYED = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme", "SCRIPT_NAME",
         "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT",
         "HTTP_X_FORWARDED_PREFIX")
MOST_KEPT = 512  # answers kept at most: a stranger cannot grow them with made-up Host headers


class PolledSnapshots:
    """WSGI middleware in front of the app (competition/app.py)."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine = None
        self._lock = threading.Lock()
        self._kept: dict[tuple, tuple[tuple, str, list, bytes]] = {}
        self.answered = 0  # answers given from what was kept (for tests and benchmarks)

    def __call__(self, environ, start_response):
        ref = self._ref(environ)
        found = self._stamp(ref) if ref is not None else None
        if found is None:
            return self.wsgi_app(environ, start_response)
        key = (environ.get("PATH_INFO"), environ.get("QUERY_STRING", ""),
               *(environ.get(name) for name in KEYED))
        # the stamp, and how many times the hub forgot the skill (its scheme changed)
        state = (found, hub(self.app).served.generation(found[0]))
        kept = self._kept.get(key)
        if kept is not None and kept[0] == state:
            _state, status, headers, body = kept
            start_response(status, list(headers))
            self.answered += 1
            return [body]
        return self._answer_and_keep(environ, start_response, key, state)

    def _ref(self, environ) -> str | None:
        """The skill's ref of a request that may go this way; None for any other."""
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PREFIX)
                or not path.endswith(SUFFIX) or "HTTP_AUTHORIZATION" in environ):
            return None
        query = environ.get("QUERY_STRING", "")
        if query not in QUERIES:
            return None
        if query != "view=public" and self._logged_in(environ.get("HTTP_COOKIE")):
            return None
        try:  # WSGI gives the path's UTF-8 bytes as Latin-1 text
            ref = path[len(PREFIX):-len(SUFFIX)].encode("latin-1").decode()
        except UnicodeError:
            return None
        return ref if ref.strip() and "\x00" not in ref else None

    def _logged_in(self, cookie: str | None) -> bool:
        """Whether the request carries a session or a remember cookie (it may be somebody's)."""
        if not cookie:
            return False
        names = parse_cookie(cookie)
        config = self.app.config
        return (config.get("SESSION_COOKIE_NAME", "session") in names
                or config.get("REMEMBER_COOKIE_NAME", "remember_token") in names)

    def _stamp(self, ref: str) -> tuple[int, tuple] | None:
        """(skill id, stamp) of the skill `ref` names, read now; None when the app should answer
        (no such single skill, or the database could not say: the app's own error then)."""
        try:
            with self._connect() as connection:
                return stamp_of_ref(ref, connection)
        except Exception:  # noqa: BLE001  (the app answers, and reports what is wrong)
            return None

    def _connect(self):
        if self._engine is None:
            from ..extensions import db

            with self.app.app_context():
                self._engine = db.engine
        connection = self._engine.connect()
        if self._engine.dialect.name == "postgresql":  # one statement: no BEGIN, no ROLLBACK
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def _answer_and_keep(self, environ, start_response, key: tuple, state: tuple):
        """The app's answer, kept for the next viewer when it is a plain 200 without cookies.
        The stamp (in `state`) was read before the app made it, so the answer is at least that
        new; a mark that came between moves the stamp, and the next request asks the app
        again."""
        said = {}

        def start(status, headers, exc_info=None):
            said["status"], said["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, start)
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = said.get("status", ""), said.get("headers", [])
        if status.startswith("200 ") and not any(
                name.lower() == "set-cookie" for name, _value in headers):
            with self._lock:
                if len(self._kept) >= MOST_KEPT:
                    self._kept.clear()
                self._kept[key] = (state, status, headers, body)
        return [body]
