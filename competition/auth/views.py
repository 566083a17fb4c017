"""Logging in and out: password, expert PIN on a tablet, one-time QR login code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..i18n import safe_next
from ..models import Championship
from . import devices, limits, sockets
from .blueprint import bp
from .forms import ConfirmForm, LoginForm, PinLoginForm
from .limits import LoginRefused
from .service import (
    LoginFailed,
    inspect_login_code,
    login_with_code,
    login_with_password,
    login_with_pin,
)

PIN_CHAMPIONSHIP_COOKIE = "competition_pin_championship"
# Kept across the login: the language the person chose on the login page.
SESSION_KEYS_KEPT = ("locale",)


def _start_session(user, remember: bool = False) -> None:
    """A fresh session for the logged-in user: whatever the session held before is dropped
    (no fixation of anything planted before the login)."""
    kept = {key: session[key] for key in SESSION_KEYS_KEPT if key in session}
    session.clear()
    session.update(kept)
    # This login's own id: the sockets it opens join its room, and logging out closes them.
    session[sockets.LOGIN_KEY] = sockets.new_login_id()
    login_user(user, remember=remember)


def _refused_message(error: LoginRefused) -> str:
    """What happened and how long is left, by the limit that was reached (auth/limits.py)."""
    refusal = error.refusal
    values = {"minutes": refusal.minutes, "time": format_time(refusal.until, "short")}
    if refusal.reason == "login":
        return _("Too many failed attempts to log in to this account from browsers where it has "
                 "not been used before: it is locked for them for %(minutes)s min (until "
                 "%(time)s). A browser where you have logged in to it before can still log in. "
                 "If the attempts were not yours, tell the organizer.", **values)
    if refusal.reason == "device":
        return _("Too many failed attempts in this browser. Try again in %(minutes)s min "
                 "(after %(time)s).", **values)
    return _("Too many failed attempts from this network. Try again in %(minutes)s min (after "
             "%(time)s). A browser where you have logged in before can still log in to its "
             "own account.", **values)


def _known_from_now_on(response, user):
    """This browser is known to the account from now on (its device cookie, auth/devices.py)."""
    devices.remember(response, devices.read(request), limits.login_key(user.login),
                     user.session_version)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = login_with_password(form.login.data, form.password.data, request.remote_addr,
                                       devices.read(request))
        except LoginRefused as error:
            form.password.errors.append(_refused_message(error))
            status = 429
        except LoginFailed:
            form.password.errors.append(_("Wrong login or password. Check both and try again."))
        else:
            _start_session(user)
            return _known_from_now_on(redirect(landing(user)), user)
    return render_template("auth/login.html", form=form), status


def landing(user) -> str:
    """Where a login leads: `next` when the login page was given one (a path of this site),
    else the user's own start page: organizers and admins their dashboard, experts their
    marking, a competitor their own results page."""
    if request.args.get("next"):
        return safe_next(request.args.get("next"))
    if user.role in ("admin", "organizer"):
        return url_for("registry.dashboard")
    if user.role in ("chief", "expert"):
        return url_for("judging.index")
    if user.role == "competitor" and user.competitor is not None:
        return url_for("board.participant", code=user.competitor.results_code)
    return url_for("board.home")


def _championship_choices() -> list[SelectChoice]:
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()
    return [SelectChoice(c.id, c.name()) for c in championships]


def _preselected_championship(choices: list[SelectChoice]) -> int | None:
    wanted = request.args.get("championship") or request.cookies.get(PIN_CHAMPIONSHIP_COOKIE)
    if wanted:
        found = db.session.execute(
            sa.select(Championship.id).where(Championship.code == wanted)
        ).scalar_one_or_none()
        if found is not None:
            return found
    return choices[0].value if choices else None


@bp.route("/login/pin", methods=["GET", "POST"])
def login_pin():
    form = PinLoginForm()
    form.championship.choices = _championship_choices()
    if request.method == "GET":
        form.championship.data = _preselected_championship(form.championship.choices)
    status = 200
    if form.validate_on_submit():
        try:
            user = login_with_pin(form.expert.data, form.championship.data, form.pin.data,
                                  request.remote_addr, devices.read(request))
        except LoginRefused as error:
            form.pin.errors.append(_refused_message(error))
            status = 429
        except LoginFailed:
            form.pin.errors.append(
                _("Wrong expert code or PIN. Check both and try again. If you have forgotten "
                  "your PIN, ask the organizer to set a new one."))
        else:
            _start_session(user, remember=True)
            response = _known_from_now_on(redirect(landing(user)), user)
            code = db.session.execute(
                sa.select(Championship.code).where(Championship.id == form.championship.data)
            ).scalar_one_or_none()
            if code:  # the tablet offers the same championship to the next expert
                response.set_cookie(
                    PIN_CHAMPIONSHIP_COOKIE, code, max_age=60 * 60 * 24 * 30, httponly=True,
                    samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
            return response
    if form.pin.errors:
        form.pin.data = ""
    return render_template("auth/login_pin.html", form=form), status


def _code_page(state_or_refusal, code: str):
    form = ConfirmForm()
    if isinstance(state_or_refusal, LoginRefused):
        response = make_response(render_template(
            "auth/login_code.html", status="refused", form=form, code=code,
            message=_refused_message(state_or_refusal)), 429)
    else:
        state = state_or_refusal
        status = {"valid": 200, "unknown": 404}.get(state.status, 410)
        response = make_response(render_template(
            "auth/login_code.html", status=state.status, state=state, form=form, code=code,
            message=None), status)
    # The page holds a secret in its URL: keep it out of caches and other sites' referrers.
    # Not no-referrer: over HTTPS the confirming POST needs its same-origin Referer (CSRF).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.route("/login/code/<code>", methods=["GET", "POST"])
def login_code(code: str):
    """GET shows whose code it is and asks to confirm; POST uses the code up and logs in.
    Link previews and prefetching must not use up a one-time code, and nobody is logged in
    by merely following a link."""
    if request.method == "GET":
        try:
            state = inspect_login_code(code, request.remote_addr)
        except LoginRefused as error:
            return _code_page(error, code)
        return _code_page(state, code)
    if not ConfirmForm().validate_on_submit():
        flash(_("The page had expired. Press the button again."))
        return redirect(url_for("auth.login_code", code=code))
    try:
        state = login_with_code(code, request.remote_addr)
    except LoginRefused as error:
        return _code_page(error, code)
    if state.status != "valid":
        return _code_page(state, code)
    _start_session(state.user, remember=True)
    flash(_("You are logged in as %(login)s.", login=state.user.login))
    return _known_from_now_on(redirect(landing(state.user)), state.user)


@bp.post("/logout")
def logout():
    login_id = session.pop(sockets.LOGIN_KEY, None)
    logout_user()
    if login_id:  # the Socket.IO connections this login opened end too, in every process
        sockets.end(sockets.login_room(login_id))
    flash(_("You have logged out."))
    return redirect(url_for("board.home"))

