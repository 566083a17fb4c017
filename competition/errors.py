"""One error hierarchy for the whole product: what the domain refuses, and why.

A service raises a `DomainError` with a stable `code`, a message for people (already
translated) and, where a form is concerned, the `field` it is about. The codes clients act on
are listed in docs/api.md; the others name the refusal for views, tests and logs. One app-level
handler (competition/app.py) turns an error nobody caught into the error page with its message,
or a JSON error under /api/; a view that shows a refusal beside its form catches it (and puts
`message` on `field`); a Socket.IO handler answers with `error.answer()`. The four kinds carry
their HTTP status:

  NotFound (404)   Forbidden (403)   Invalid (422)   Conflict (409)

A module keeps a subclass of one of them only when it carries more than a message (the rows of
a refused file, the report of a failed import) or when its callers must tell it apart (the
command line's backup, simulation and demo failures; a login refused by its limits, 429).

`Refused` is the judging API's refusal: its status follows its code (STATUS below), because the
live contract names the codes (`not_assigned`, `compatriot`, `locked`, …) and clients act on them.
"""

from __future__ import annotations

# error code → HTTP status of the judging API (docs/api.md)
STATUS = {
    "invalid_value": 422,
    "unknown_skill": 422,
    "unknown_aspect": 422,
    "unknown_competitor": 422,
    "reason_required": 422,
    "forbidden": 403,
    "not_assigned": 403,
    "compatriot": 403,
    "not_on_panel": 403,
    "locked": 403,
    "conflict": 409,
    "unauthenticated": 401,
}


class DomainError(Exception):
    """Something the product refuses to do; `message` is for the person who asked."""

    status = 400
    default_code = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def answer(self) -> dict:
        """The error as a JSON body or a Socket.IO acknowledgement."""
        return {"ok": False, "error": self.code, "message": self.message}


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class Invalid(DomainError):
    status = 422
    default_code = "invalid"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Refused(DomainError):
    """A submission or request of the judging API turned down; `code` is stable (STATUS), the
    message says why, and a conflict may carry the mark that stands."""

    def __init__(self, code: str, message: str, mark: dict | None = None):
        super().__init__(message, code=code)
        self.mark = mark

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def answer(self) -> dict:
        body = super().answer()
        if self.mark is not None:
            body["mark"] = self.mark
        return body
