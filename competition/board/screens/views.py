"""The pages of the hall's screens: the organizer's control page (`/board/screens…`, JSON for
screens-control.js) and the hall screen itself (`/screen/<key>`, public).

A refused change (errors.Invalid or errors.Conflict from commands.py) shows the page again with
the form as sent and why (422); a screen deleted meanwhile is the app's 404 (errors.NotFound).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import Conflict, Invalid
from ...extensions import db
from ...models import Championship, Screen
from ..blueprint import bp
from .commands import (
    create_screen,
    delete_screen,
    rename_screen,
    show,
    start_ceremony,
    step_ceremony,
)
from .forms import FORMS, NewScreenForm, form_of
from .state import (
    ceremony_control,
    championships,
    find_screen,
    screen_state,
    screens_of,
    skills_of,
)
from .wording import control_strings, describe, entry_text, screen_strings

REFUSED = (Invalid, Conflict)  # what the page shows with the form again


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _control_in_words(screen: Screen, strings: dict[str, str]) -> dict | None:
    """The ceremony's control (None unless the screen shows one), its entries also in words."""
    if screen.mode != "ceremony":
        return None
    control = ceremony_control(screen)
    return {**control, "last_text": entry_text(control["last"], strings),
            "next_text": entry_text(control["next"], strings)}


def _control_page(championship: Championship | None, bound: dict | None = None,
                  errors: dict | None = None, new_form: NewScreenForm | None = None,
                  status: int = 200):
    bound, errors = bound or {}, errors or {}
    everything = championships()
    screens, skills, published, panels = [], [], [], []
    if championship is not None:
        screens = screens_of(championship.id)
        skills = skills_of(championship.id)
        published = [s for s in skills if s.visibility == "published"]
    strings = control_strings()
    for screen in screens:
        forms = {kind: bound.get((screen.id, kind))
                 or form_of(kind, screen, skills, published) for kind in FORMS}
        state = screen_state(screen)
        control = _control_in_words(screen, strings)
        panels.append({"screen": screen, "forms": forms, "state": state,
                       "now": describe(state, strings), "control": control,
                       "errors": {kind: message for (screen_id, kind), message in errors.items()
                                  if screen_id == screen.id},
                       "url": url_for("board.screen", key=screen.key, _external=True)})
    if new_form is None:
        new_form = NewScreenForm(formdata=None, prefix="new")
        new_form.championship.data = championship.code if championship else ""
    response = render_template("board/screens.html", championship=championship,
                               championships=everything, panels=panels, new_form=new_form,
                               skills=skills, published=published, strings=strings)
    return response, status


def _championship_by_code(code: str | None) -> Championship | None:
    if code:
        found = db.session.execute(
            sa.select(Championship).where(Championship.code == code)).scalar_one_or_none()
        if found is not None:
            return found
    everything = championships()
    return everything[0] if everything else None


def _back_to(screen: Screen | None, championship_code: str | None = None):
    code = championship_code or (screen.championship.code if screen is not None else None)
    target = url_for("board.screens", championship=code) if code else url_for("board.screens")
    return redirect(target + (f"#screen-{screen.id}" if screen is not None else ""), code=303)


def _answer(screen_id: int, message: str):
    """After a change: JSON for screens-control.js, else back to the page with a notice."""
    screen = db.session.get(Screen, screen_id)
    if screen is None:
        abort(404)
    if _wants_json():
        strings = control_strings()
        control = _control_in_words(screen, strings)
        state = screen_state(screen)
        return jsonify(ok=True, message=message, state=state, now=describe(state, strings),
                       control=control)
    flash(message)
    return _back_to(screen)


def _refused(screen: Screen, kind: str, form, error: str | None = None):
    """The change was refused: the page again with the form as sent and why (422)."""
    if _wants_json():
        return jsonify(ok=False, message=error or _form_errors(form)), 422
    return _control_page(screen.championship, bound={(screen.id, kind): form},
                         errors={(screen.id, kind): error} if error else None, status=422)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@bp.get("/board/screens")
def screens():
    return _control_page(_championship_by_code(request.args.get("championship")))


@bp.post("/board/screens/new")
def screen_new():
    form = NewScreenForm(prefix="new")
    championship = _championship_by_code(form.championship.data)
    if championship is None:
        abort(404)
    if form.validate_on_submit():
        try:
            screen = create_screen(current_user, championship.id, form.name.data)
        except REFUSED as error:
            form.name.errors.append(error.message)
        else:
            flash(_("Screen %(name)s is added. Open its address on the hall's computer.",
                    name=screen.name))
            return _back_to(screen)
    return _control_page(championship, new_form=form, status=422)


def _screen_or_404(screen_id: int) -> Screen:
    screen = db.session.get(Screen, screen_id)
    if screen is None:
        abort(404)
    return screen


def _bound(screen: Screen, kind: str):
    championship_id = screen.championship_id
    skills = skills_of(championship_id)
    published = [s for s in skills if s.visibility == "published"]
    return form_of(kind, screen, skills, published, formdata=request.form)


@bp.post("/board/screens/<int:screen_id>/rename")
def screen_rename(screen_id: int):
    screen = _screen_or_404(screen_id)
    form = _bound(screen, "name")
    if not form.validate_on_submit():
        return _refused(screen, "name", form)
    try:
        rename_screen(current_user, screen.id, form.name.data)
    except REFUSED as error:
        return _refused(screen, "name", form, error.message)
    return _answer(screen_id, _("The screen is renamed: %(name)s.", name=form.name.data))


@bp.post("/board/screens/<int:screen_id>/delete")
def screen_delete(screen_id: int):
    screen = _screen_or_404(screen_id)
    code = screen.championship.code
    form = _bound(screen, "delete")
    if not form.validate_on_submit():
        return _refused(screen, "delete", form)
    name = delete_screen(current_user, screen.id)
    if _wants_json():
        return jsonify(ok=True, deleted=True)
    flash(_("Screen %(name)s is deleted.", name=name))
    return _back_to(None, code)


@bp.post("/board/screens/<int:screen_id>/show/<any(skill, rotation, medals, message):mode>")
def screen_show(screen_id: int, mode: str):
    screen = _screen_or_404(screen_id)
    form = _bound(screen, mode)
    if not form.validate_on_submit():
        return _refused(screen, mode, form)
    options: dict = {}
    if mode == "skill":
        options["skill_id"] = form.skill.data
    elif mode == "rotation":
        options.update(skills=form.skills.data, seconds=form.seconds.data)
    elif mode == "message":
        options["message"] = {locale: getattr(form, f"message_{locale}").data
                              for locale in ("ru", "kk", "en")}
    try:
        show(current_user, screen.id, mode, **options)
    except REFUSED as error:
        return _refused(screen, mode, form, error.message)
    messages = {"skill": _("The screen shows the skill."),
                "rotation": _("The screen shows the skills in turn."),
                "medals": _("The screen shows the medal table."),
                "message": _("The screen shows the message.")}
    return _answer(screen_id, messages[mode])


@bp.post("/board/screens/<int:screen_id>/ceremony")
def screen_ceremony(screen_id: int):
    screen = _screen_or_404(screen_id)
    form = _bound(screen, "ceremony")
    if not form.validate_on_submit():
        return _refused(screen, "ceremony", form)
    try:
        start_ceremony(current_user, screen.id, form.skill.data, form.order.data)
    except REFUSED as error:
        return _refused(screen, "ceremony", form, error.message)
    return _answer(screen_id, _("The ceremony is on the screen: press “Next” to reveal the "
                                "first entry."))


@bp.post("/board/screens/<int:screen_id>/ceremony/<any(next, back):direction>")
def screen_step(screen_id: int, direction: str):
    screen = _screen_or_404(screen_id)
    form = _bound(screen, direction)
    if not form.validate_on_submit():
        return _refused(screen, direction, form)
    try:
        screen = step_ceremony(current_user, screen.id, 1 if direction == "next" else -1)
    except REFUSED as error:
        return _refused(screen, direction, form, error.message)
    control = ceremony_control(db.session.get(Screen, screen_id))
    return _answer(screen_id, _("%(step)s of %(total)s revealed.", step=control["step"],
                                total=control["total"]))


@bp.get("/screen/<key>")
def screen(key: str):
    """A hall screen (public): shows what the organizers switch it to, live."""
    found = find_screen(key)
    if found is None:
        abort(404)
    response = render_template("board/screen.html", screen=found, state=screen_state(found),
                               strings=screen_strings())
    return response, 200, {"Cache-Control": "no-store"}
