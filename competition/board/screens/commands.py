"""The changes organizers make to the hall's screens: add, rename, delete, switch what one
shows, run a ceremony. Each is one write transaction with its audit entry; after the commit the
screen's new state goes to its room (state.push).

A change that cannot be made raises errors.Invalid (what was asked is wrong) or
errors.Conflict (the screen or skill is not in a state that allows it), with the message saying
why (translated) and a stable code; a screen or championship that is gone raises
errors.NotFound; someone who is not an organizer, errors.Forbidden.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ... import audit
from ...auth.access import STAFF, role_of
from ...database import write_transaction
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...extensions import db, socketio
from ...models import Championship, Screen, Skill
from ...models.screens import new_screen_key
from ...registry.people.fields import CONTROL_CHARACTERS, bidi_control_problem, nfc
from .state import ceremony_entries, push, screen_room, skills_of

NAME_MAX = 100
MESSAGE_MAX = 1000
SECONDS = (5, 600)  # a rotation shows each skill this long, at least and at most
SHOWN = ("skill", "rotation", "medals", "message")  # what the "show" forms switch to


def _check(user) -> None:
    if role_of(user) not in STAFF:
        raise Forbidden(_("Only organizers control the hall's screens."))


def _clean_name(name) -> str:
    name = nfc(" ".join(str(name or "").split()))
    if not name:
        raise Invalid(_("Give the screen a name, e.g. “Hall A, left”."), code="name_required",
                      field="name")
    if len(name) > NAME_MAX:
        raise Invalid(_("A screen's name has at most %(n)s characters.", n=NAME_MAX),
                      code="name_too_long", field="name")
    # as in people's names (registry/people/fields.py)
    if CONTROL_CHARACTERS.search(name):
        raise Invalid(_("Remove the invisible control characters from the screen's name."),
                      code="control_characters", field="name")
    if (problem := bidi_control_problem(name)):
        raise Invalid(problem, code="bidi_controls", field="name")
    return name


def _name_is_free(session, championship_id: int, name: str, screen_id: int | None = None):
    query = sa.select(Screen.id).where(Screen.championship_id == championship_id,
                                       Screen.name == name)
    if screen_id is not None:
        query = query.where(Screen.id != screen_id)
    if session.execute(query).first() is not None:
        raise Conflict(_("There is already a screen named %(name)s.", name=name),
                       code="screen_name_taken", field="name")


def _skill_of(session, screen: Screen, skill_id) -> Skill:
    skill = session.get(Skill, skill_id) if isinstance(skill_id, int) else None
    if skill is None or skill.championship_id != screen.championship_id:
        raise Invalid(_("Choose a skill of this championship."), code="unknown_skill",
                      field="skill")
    return skill


def _not_published(skill: Skill) -> Conflict:
    return Conflict(_("The results of skill %(skill)s are not published: publish them before "
                      "its ceremony.", skill=skill.code), code="not_published", field="skill")


def _no_ceremony() -> Conflict:
    return Conflict(_("This screen shows no ceremony: start one first."), code="no_ceremony")


def _record(screen: Screen, action: str, summary: str, changes: dict) -> None:
    screen.version = (screen.version or 0) + 1
    audit.record(action, "screen", screen.id, f"screen {screen.name}: {summary}", changes,
                 screen.championship_id)


def _gone() -> NotFound:
    """The screen was deleted meanwhile (the app's handler answers 404 with why)."""
    return NotFound(_("This screen was deleted."), code="unknown_screen")


def _screen(session, screen_id: int) -> Screen:
    screen = session.get(Screen, screen_id)
    if screen is None:
        raise _gone()
    return screen


def create_screen(user, championship_id: int, name: str) -> Screen:
    _check(user)
    name = _clean_name(name)
    with write_transaction() as session:
        if session.get(Championship, championship_id) is None:
            raise NotFound(code="unknown_championship")
        _name_is_free(session, championship_id, name)
        key = new_screen_key()
        while session.execute(sa.select(Screen.id).where(Screen.key == key)).first():
            key = new_screen_key()
        screen = Screen(championship_id=championship_id, name=name, key=key, mode="message",
                        skills=[])
        session.add(screen)
        session.flush()
        audit.record("create", "screen", screen.id, f"screen {name}", {"name": [None, name]},
                     championship_id)
    return screen


def rename_screen(user, screen_id: int, name: str) -> Screen:
    _check(user)
    name = _clean_name(name)
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        _name_is_free(session, screen.championship_id, name, screen.id)
        before = screen.name
        changes = audit.diff(screen, ["name"], {"name": name})
        _record(screen, "update", f"renamed from {before}", changes)
    push(screen_id)
    return screen


def delete_screen(user, screen_id: int) -> str:
    """Delete a screen; a hall PC still showing it is told so. Returns its name."""
    _check(user)
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        name, key = screen.name, screen.key
        audit.record("delete", "screen", screen.id, f"screen {name}", {"name": [name, None]},
                     screen.championship_id)
        session.delete(screen)
    socketio.emit("screen:show", {"screen": key, "deleted": True}, to=screen_room(screen_id))
    return name


def show(user, screen_id: int, mode: str, *, skill_id: int | None = None,
         skills: list[str] | None = None, seconds: int | None = None,
         message: dict[str, str] | None = None) -> Screen:
    """Switch what the screen shows: a skill, the rotation, the medal table or a message."""
    _check(user)
    if mode not in SHOWN:
        raise Invalid(_("Unknown thing to show: %(mode)s.", mode=mode), code="unknown_mode")
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        values: dict = {"mode": mode}
        if mode == "skill":
            values["skill_id"] = _skill_of(session, screen, skill_id).id
        elif mode == "rotation":
            known = {s.code for s in skills_of(screen.championship_id)}
            codes = [code for code in dict.fromkeys(skills or []) if code in known]
            if not codes:
                raise Invalid(_("Choose at least one skill for the rotation."),
                              code="no_skills", field="skills")
            if seconds is None or not SECONDS[0] <= seconds <= SECONDS[1]:
                raise Invalid(_("Each skill is shown %(low)s to %(high)s seconds.",
                                low=SECONDS[0], high=SECONDS[1]),
                              code="seconds_out_of_range", field="seconds")
            values.update(skills=codes, rotation_seconds=seconds)
        elif mode == "message":
            texts = {locale: (text or "").strip() for locale, text in (message or {}).items()}
            if not any(texts.values()):
                raise Invalid(_("Write the message in at least one language."),
                              code="message_required", field="message")
            if any(len(text) > MESSAGE_MAX for text in texts.values()):
                raise Invalid(_("A message has at most %(n)s characters.", n=MESSAGE_MAX),
                              code="message_too_long", field="message")
            values.update({f"message_{locale}": texts.get(locale, "")
                           for locale in ("ru", "kk", "en")})
        changes = audit.diff(screen, list(values), values)
        _record(screen, "update", f"shows {mode}", changes)
    push(screen_id)
    return screen


def start_ceremony(user, screen_id: int, skill_id: int | None, order: str) -> Screen:
    """The screen shows the skill's ceremony, nothing revealed yet. Only published results."""
    _check(user)
    if order not in ("rank", "medal"):
        raise Invalid(_("Choose the order of the ceremony."), code="unknown_order",
                      field="order")
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        skill = _skill_of(session, screen, skill_id)
        if skill.visibility != "published":
            raise _not_published(skill)
        values = {"mode": "ceremony", "ceremony_skill_id": skill.id, "ceremony_order": order,
                  "ceremony_step": 0}
        changes = audit.diff(screen, list(values), values)
        _record(screen, "ceremony", f"ceremony of skill {skill.code} ({order})", changes)
    push(screen_id)
    return screen


def step_ceremony(user, screen_id: int, delta: int) -> Screen:
    """Reveal the next entry (delta 1) or hide the last one again (delta -1)."""
    _check(user)
    screen = db.session.get(Screen, screen_id)
    if screen is None:
        raise _gone()
    if screen.mode != "ceremony" or screen.ceremony_skill is None:
        raise _no_ceremony()
    entries = ceremony_entries(screen.ceremony_skill, screen.ceremony_order)
    if entries is None:
        raise _not_published(screen.ceremony_skill)
    total = len(entries)
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        if screen.mode != "ceremony":
            raise _no_ceremony()
        step = max(0, min(total, min(screen.ceremony_step, total) + delta))
        if step == screen.ceremony_step:
            return screen
        changes = audit.diff(screen, ["ceremony_step"], {"ceremony_step": step})
        _record(screen, "ceremony", f"ceremony step {step} of {total}", changes)
    push(screen_id)
    return screen
