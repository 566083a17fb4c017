"""The hall's screens: organizers name them and switch what each shows; the screens follow live.

A hall PC opens `/screen/<key>` full-screen once. It joins the screen's room over Socket.IO
(`screen:join`, board/screen_events.py) and shows the state it is told: a skill's projector
view, a rotation of skills, the medal table, a message in ru/kk/en, or a ceremony — a published
skill's results revealed one entry per click, from the last place up or by medal.

Organizers drive the screens from `/board/screens` (the guard in board/__init__.py lets only
them in). Every change is one write transaction with its audit entry; after the commit the
screen's new state goes to its room (`screen:show`).

A ceremony never sends a screen more than it has revealed: the state holds the revealed rows
only, built on the server from the skill's public snapshot (the one filter of what the public
may see), and only while the skill is published.
"""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from .. import audit, signals, standings
from ..auth.access import STAFF, Forbidden, role_of
from ..database import write_transaction
from ..extensions import db, socketio
from ..lookup import skill_ref
from ..models import Championship, Screen, Skill
from ..models.screens import new_screen_key
from ..registry.people.forms import CONTROL_CHARACTERS, bidi_control_problem, nfc
from . import bp

NAME_MAX = 100
MESSAGE_MAX = 1000
SECONDS = (5, 600)  # a rotation shows each skill this long, at least and at most
MEDAL_ORDER = ("bronze", "silver", "gold")  # a ceremony "by medal" (medallions: by rank)
SHOWN = ("skill", "rotation", "medals", "message")  # what the "show" forms switch to


class ScreenError(ValueError):
    """A change of a screen that cannot be made; the message says why (translated)."""


class NotFound(LookupError):
    pass


def screen_room(screen_id: int) -> str:
    return f"screen:{screen_id}"


# --- reading ------------------------------------------------------------------------------------

def championships() -> list[Championship]:
    return list(db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars())


def screens_of(championship_id: int) -> list[Screen]:
    return list(db.session.execute(
        sa.select(Screen).where(Screen.championship_id == championship_id).order_by(Screen.id)
    ).scalars())


def find_screen(key) -> Screen | None:
    if not isinstance(key, str) or not key.strip():
        return None
    return db.session.execute(
        sa.select(Screen).where(Screen.key == key.strip())).scalar_one_or_none()


def skills_of(championship_id: int) -> list[Skill]:
    return list(db.session.execute(
        sa.select(Skill).where(Skill.championship_id == championship_id)
        .order_by(Skill.position, Skill.code)
    ).scalars())


# --- what a screen is sent ----------------------------------------------------------------------

def _page_url(endpoint: str, fallback: str, **values) -> str:
    """The page of another part of the board (its route may be renamed; the path stays)."""
    try:
        return url_for(endpoint, **values)
    except (BuildError, RuntimeError):
        root = request.script_root if has_request_context() else ""
        return root + fallback


def _skill_item(skill: Skill) -> dict:
    ref = skill_ref(skill)
    return {"ref": ref, "code": skill.code, "name": skill.names(),
            "url": _page_url("board.projector", f"/board/{quote(ref, safe='/')}/projector",
                             ref=ref)}


def _rotation_skills(screen: Screen) -> list[Skill]:
    codes = [code for code in (screen.skills or []) if isinstance(code, str)]
    if not codes:
        return []
    found = {skill.code: skill for skill in db.session.execute(
        sa.select(Skill).where(Skill.championship_id == screen.championship_id,
                               Skill.code.in_(codes))).scalars()}
    return [found[code] for code in codes if code in found]


def ceremony_entries(skill: Skill, order: str) -> list[dict] | None:
    """Every entry of the skill's ceremony in the order they are revealed, or None while its
    results are not published. For the server only: screens get the revealed ones."""
    # The public's view (user None): the same filter as every board's.
    snapshot = standings.hub().snapshot_for(skill.id, None)
    if (not snapshot or snapshot.get("visibility") != "published"
            or not snapshot.get("results")):
        return None
    competitors = snapshot.get("competitors") or {}
    entries = []
    for group in snapshot["results"]["groups"]:
        ranked = [row for row in group["results"] if row.get("rank") is not None]
        if order == "medal":
            chosen = [row for medal in MEDAL_ORDER for row in ranked if row.get("medal") == medal]
        else:
            chosen = list(reversed(ranked))
        for row in chosen:
            who = competitors.get(row["competitor"], {})
            entries.append({
                "competitor": row["competitor"], "rank": row["rank"], "score": row["score"],
                "medal": row.get("medal"), "category": group.get("category"),
                "name": who.get("name") or {}, "organization": who.get("organization"),
                "organization_name": who.get("organization_name") or {},
                "region": who.get("region") or "",
            })
    return entries


def _ceremony(screen: Screen) -> tuple[dict, list[dict]]:
    """(the ceremony part of the screen's state, every entry of the ceremony)."""
    skill = screen.ceremony_skill
    if skill is None:
        return {"skill": None, "name": {}, "order": screen.ceremony_order, "published": False,
                "step": 0, "total": 0, "entries": []}, []
    entries = ceremony_entries(skill, screen.ceremony_order)
    published = entries is not None
    entries = entries or []
    step = min(screen.ceremony_step, len(entries))
    return {"skill": skill_ref(skill), "name": skill.names(), "order": screen.ceremony_order,
            "published": published, "step": step, "total": len(entries),
            "entries": entries[:step]}, entries


def screen_state(screen: Screen) -> dict:
    """What the screen shows now: the payload of `screen:show` and of `screen:join`'s answer."""
    championship = screen.championship
    state = {"screen": screen.key, "name": screen.name, "version": screen.version,
             "mode": screen.mode,
             "championship": {"code": championship.code, "name": championship.names()}}
    if screen.mode == "skill":
        state["skill"] = _skill_item(screen.skill) if screen.skill is not None else None
    elif screen.mode == "rotation":
        items = [_skill_item(s) for s in _rotation_skills(screen)]
        refs = ",".join(item["ref"] for item in items)
        state["rotation"] = {
            "seconds": screen.rotation_seconds, "skills": items,
            "url": _page_url("board.rotation",
                             f"/board/rotation?skills={quote(refs, safe='/,')}"
                             f"&every={screen.rotation_seconds}",
                             skills=refs, every=screen.rotation_seconds)}
    elif screen.mode == "medals":
        state["medals"] = {"url": _page_url("board.medals", "/medals?championship="
                                            + quote(championship.code),
                                            championship=championship.code)}
    elif screen.mode == "message":
        state["message"] = screen.messages()
    elif screen.mode == "ceremony":
        state["ceremony"] = _ceremony(screen)[0]
    return state


def ceremony_control(screen: Screen) -> dict:
    """For the organizer's page: where the ceremony stands, the last entry revealed and the
    next one (never sent to a screen)."""
    part, entries = _ceremony(screen)
    step = part["step"]
    return {"published": part["published"], "step": step, "total": part["total"],
            "last": entries[step - 1] if step > 0 else None,
            "next": entries[step] if step < len(entries) else None}


def push(screen_id: int) -> None:
    """Send the screen's state to its room (after the commit: never inside a transaction)."""
    screen = db.session.get(Screen, screen_id)
    if screen is not None:
        socketio.emit("screen:show", screen_state(screen), to=screen_room(screen_id))


def skill_visibility_changed(skill_id: int) -> None:
    """A skill's visibility changed: screens in its ceremony show what they may now (none of
    its results once it is no longer published). Called after the commit."""
    ids = db.session.execute(
        sa.select(Screen.id).where(Screen.mode == "ceremony",
                                   Screen.ceremony_skill_id == skill_id)).scalars().all()
    for screen_id in ids:
        push(screen_id)


def _on_visibility_changed(skill_id: int, **_change) -> None:
    skill_visibility_changed(skill_id)


def subscribe() -> None:
    """Listen to the skills' visibility (competition/signals.py): idempotent."""
    signals.visibility_changed.connect(_on_visibility_changed)


# --- words --------------------------------------------------------------------------------------

def _fill(template: str, **values) -> str:
    """The translated template's {name} placeholders filled (the JS fills the same ones)."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def medal_labels() -> dict[str, str]:
    return {"gold": _("Gold"), "silver": _("Silver"), "bronze": _("Bronze"),
            "medallion": _("Medallion for Excellence")}


def category_labels() -> dict[str, str]:
    from ..registry.people.forms import CATEGORY_LABELS

    return {key: str(label) for key, label in CATEGORY_LABELS.items()}


def control_strings() -> dict[str, str]:
    """What the organizer's page says about a screen (screens-control.js says the same)."""
    return {
        "now_skill": _("Skill {name}"),
        "now_rotation": _("Skills in turn, {seconds} s each: {names}"),
        "now_medals": _("The medal table"),
        "now_message": _("Message: {text}"),
        "now_ceremony": _("Ceremony of {name}: {step} of {total} revealed"),
        "now_nothing": _("Nothing chosen yet: the screen shows its name"),
        "now_deleted": _("This screen was deleted."),
        "revealed": _("{step} of {total} revealed"),
        "entry": _("{place} — {name}, {organization}: {score}"),
        "entry_medal": _("{place} — {medal} — {name}, {organization}: {score}"),
        "place": _("Place {rank}"),
        "none": "—",
        "everything_revealed": _("Everything is revealed."),
        "not_published": _("The results of this skill are not published: the ceremony shows "
                           "nothing."),
        "live": _("Live: the screens follow your changes at once."),
        "offline": _("Offline: reconnecting… Changes still reach the screens."),
        "failed": _("The change did not go through: reload the page and try again."),
        **{f"medal_{key}": label for key, label in medal_labels().items()},
    }


def _pick(names: dict | None) -> str:
    from ..models.base import pick_translation

    return pick_translation(names or {})


def entry_text(entry: dict | None, strings: dict[str, str] | None = None) -> str:
    """One ceremony entry in words, for the organizer's page."""
    if entry is None:
        return ""
    strings = strings or control_strings()
    values = {"place": _fill(strings["place"], rank=entry["rank"]),
              "name": _pick(entry["name"]) or entry["competitor"],
              "organization": _pick(entry["organization_name"]) or entry["organization"] or "",
              "score": entry["score"]}
    if entry.get("medal"):
        return _fill(strings["entry_medal"], medal=strings[f"medal_{entry['medal']}"], **values)
    return _fill(strings["entry"], **values)


def describe(state: dict, strings: dict[str, str] | None = None) -> str:
    """What the screen shows now, in a line of words."""
    strings = strings or control_strings()
    mode = state.get("mode")
    if state.get("deleted"):
        return strings["now_deleted"]
    if mode == "skill" and state.get("skill"):
        skill = state["skill"]
        return _fill(strings["now_skill"], name=f"{skill['code']} {_pick(skill['name'])}")
    if mode == "rotation" and state["rotation"]["skills"]:
        return _fill(strings["now_rotation"], seconds=state["rotation"]["seconds"],
                     names=", ".join(item["code"] for item in state["rotation"]["skills"]))
    if mode == "medals":
        return strings["now_medals"]
    if mode == "message" and any((state.get("message") or {}).values()):
        return _fill(strings["now_message"], text=_pick(state["message"]))
    if mode == "ceremony" and state["ceremony"]["skill"]:
        ceremony = state["ceremony"]
        return _fill(strings["now_ceremony"], name=_pick(ceremony["name"]),
                     step=ceremony["step"], total=ceremony["total"])
    return strings["now_nothing"]


def screen_strings() -> dict:
    """What the hall screen says (screen.js), in the page's language."""
    return {
        "ceremony": _("Award ceremony"),
        "order_rank": _("From the last place up"),
        "order_medal": _("By medal: bronze, silver, gold"),
        "place": _("Place {rank}"),
        "score": _("Score"),
        "not_published": _("The results of this skill are not published yet."),
        "nothing_to_reveal": _("These results have no entries to reveal."),
        "soon": _("The ceremony begins"),
        "this_screen": _("Screen: {name}"),
        "deleted": _("This screen was deleted. Ask the organizers for the address of another "
                     "one."),
        "unknown": _("There is no such screen: ask the organizers for its address."),
        "reconnecting": _("Reconnecting…"),
        "frame_skill": _("Standings: {name}"),
        "frame_rotation": _("Standings of several skills in turn"),
        "frame_medals": _("Medal table"),
        "medals": medal_labels(),
        "categories": category_labels(),
    }


# --- changing screens ---------------------------------------------------------------------------

def _check(user) -> None:
    if role_of(user) not in STAFF:
        raise Forbidden(_("Only organizers control the hall's screens."))


def _clean_name(name) -> str:
    name = nfc(" ".join(str(name or "").split()))
    if not name:
        raise ScreenError(_("Give the screen a name, e.g. “Hall A, left”."))
    if len(name) > NAME_MAX:
        raise ScreenError(_("A screen's name has at most %(n)s characters.", n=NAME_MAX))
    # as in people's names (registry/people/forms.py)
    if CONTROL_CHARACTERS.search(name):
        raise ScreenError(_("Remove the invisible control characters from the screen's name."))
    if (problem := bidi_control_problem(name)):
        raise ScreenError(problem)
    return name


def _name_is_free(session, championship_id: int, name: str, screen_id: int | None = None):
    query = sa.select(Screen.id).where(Screen.championship_id == championship_id,
                                       Screen.name == name)
    if screen_id is not None:
        query = query.where(Screen.id != screen_id)
    if session.execute(query).first() is not None:
        raise ScreenError(_("There is already a screen named %(name)s.", name=name))


def _skill_of(session, screen: Screen, skill_id) -> Skill:
    skill = session.get(Skill, skill_id) if isinstance(skill_id, int) else None
    if skill is None or skill.championship_id != screen.championship_id:
        raise ScreenError(_("Choose a skill of this championship."))
    return skill


def _record(screen: Screen, action: str, summary: str, changes: dict) -> None:
    screen.version = (screen.version or 0) + 1
    audit.record(action, "screen", screen.id, f"screen {screen.name}: {summary}", changes,
                 screen.championship_id)


def _screen(session, screen_id: int) -> Screen:
    screen = session.get(Screen, screen_id)
    if screen is None:
        raise NotFound(screen_id)
    return screen


def create_screen(user, championship_id: int, name: str) -> Screen:
    _check(user)
    name = _clean_name(name)
    with write_transaction() as session:
        if session.get(Championship, championship_id) is None:
            raise NotFound(championship_id)
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
        raise ScreenError(_("Unknown thing to show: %(mode)s.", mode=mode))
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        values: dict = {"mode": mode}
        if mode == "skill":
            values["skill_id"] = _skill_of(session, screen, skill_id).id
        elif mode == "rotation":
            known = {s.code for s in skills_of(screen.championship_id)}
            codes = [code for code in dict.fromkeys(skills or []) if code in known]
            if not codes:
                raise ScreenError(_("Choose at least one skill for the rotation."))
            if seconds is None or not SECONDS[0] <= seconds <= SECONDS[1]:
                raise ScreenError(_("Each skill is shown %(low)s to %(high)s seconds.",
                                    low=SECONDS[0], high=SECONDS[1]))
            values.update(skills=codes, rotation_seconds=seconds)
        elif mode == "message":
            texts = {locale: (text or "").strip() for locale, text in (message or {}).items()}
            if not any(texts.values()):
                raise ScreenError(_("Write the message in at least one language."))
            if any(len(text) > MESSAGE_MAX for text in texts.values()):
                raise ScreenError(_("A message has at most %(n)s characters.", n=MESSAGE_MAX))
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
        raise ScreenError(_("Choose the order of the ceremony."))
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        skill = _skill_of(session, screen, skill_id)
        if skill.visibility != "published":
            raise ScreenError(_("The results of skill %(skill)s are not published: publish "
                                "them before its ceremony.", skill=skill.code))
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
        raise NotFound(screen_id)
    if screen.mode != "ceremony" or screen.ceremony_skill is None:
        raise ScreenError(_("This screen shows no ceremony: start one first."))
    entries = ceremony_entries(screen.ceremony_skill, screen.ceremony_order)
    if entries is None:
        raise ScreenError(_("The results of skill %(skill)s are not published: publish them "
                            "before its ceremony.", skill=screen.ceremony_skill.code))
    total = len(entries)
    with write_transaction() as session:
        screen = _screen(session, screen_id)
        if screen.mode != "ceremony":
            raise ScreenError(_("This screen shows no ceremony: start one first."))
        step = max(0, min(total, min(screen.ceremony_step, total) + delta))
        if step == screen.ceremony_step:
            return screen
        changes = audit.diff(screen, ["ceremony_step"], {"ceremony_step": step})
        _record(screen, "ceremony", f"ceremony step {step} of {total}", changes)
    push(screen_id)
    return screen


# --- forms --------------------------------------------------------------------------------------

class NewScreenForm(FlaskForm):
    championship = HiddenField()
    name = StringField(_l("Screen name"), validators=[DataRequired(), Length(max=NAME_MAX)])


class NameForm(FlaskForm):
    name = StringField(_l("Screen name"), validators=[DataRequired(), Length(max=NAME_MAX)])


class SkillForm(FlaskForm):
    # The service checks the skill (and says why it refuses one), not the list of choices.
    skill = SelectField(_l("Skill"), coerce=int, validators=[InputRequired()],
                        validate_choice=False)


class RotationForm(FlaskForm):
    skills = SelectMultipleField(_l("Skills in the rotation"), widget=ListWidget(),
                                 option_widget=CheckboxInput())
    seconds = IntegerField(_l("Seconds per skill"), default=20,
                           validators=[InputRequired(), NumberRange(*SECONDS)])


class MessageForm(FlaskForm):
    message_ru = TextAreaField(_l("Message in Russian"), validators=[Length(max=MESSAGE_MAX)])
    message_kk = TextAreaField(_l("Message in Kazakh"), validators=[Length(max=MESSAGE_MAX)])
    message_en = TextAreaField(_l("Message in English"), validators=[Length(max=MESSAGE_MAX)])


class CeremonyForm(FlaskForm):
    skill = SelectField(_l("Published skill"), coerce=int, validators=[InputRequired()],
                        validate_choice=False)
    order = RadioField(_l("Order of the ceremony"), default="rank", choices=[
        SelectChoice("rank", _l("From the last place up")),
        SelectChoice("medal", _l("By medal: bronze, silver, gold")),
    ])


class ActionForm(FlaskForm):
    """Only the CSRF token: one button (medal table, delete, next, back)."""


FORMS = {"name": NameForm, "skill": SkillForm, "rotation": RotationForm, "medals": ActionForm,
         "message": MessageForm, "ceremony": CeremonyForm, "delete": ActionForm,
         "next": ActionForm, "back": ActionForm}


def _form(kind: str, screen: Screen, skills: list[Skill], published: list[Skill],
          formdata=None):
    """The form `kind` of a screen; its field names carry the screen's id (many on a page)."""
    options = {} if formdata is not None else {"formdata": None}
    form = FORMS[kind](prefix=f"s{screen.id}-{kind}", **options)
    if kind == "skill":
        form.skill.choices = [SelectChoice(s.id, f"{s.code} {s.name()}") for s in skills]
        if formdata is None and screen.skill_id:
            form.skill.data = screen.skill_id
    elif kind == "rotation":
        form.skills.choices = [SelectChoice(s.code, f"{s.code} {s.name()}") for s in skills]
        if formdata is None:
            form.skills.data = list(screen.skills or [])
            form.seconds.data = screen.rotation_seconds
    elif kind == "message":
        if formdata is None:
            for locale, text in screen.messages().items():
                getattr(form, f"message_{locale}").data = text
    elif kind == "ceremony":
        form.skill.choices = [SelectChoice(s.id, f"{s.code} {s.name()}") for s in published]
        if formdata is None:
            form.order.data = screen.ceremony_order
            if screen.ceremony_skill_id:
                form.skill.data = screen.ceremony_skill_id
    elif kind == "name" and formdata is None:
        form.name.data = screen.name
    return form


# --- views --------------------------------------------------------------------------------------

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
                 or _form(kind, screen, skills, published) for kind in FORMS}
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
        except ScreenError as error:
            form.name.errors.append(str(error))
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
    return _form(kind, screen, skills, published, formdata=request.form)


@bp.post("/board/screens/<int:screen_id>/rename")
def screen_rename(screen_id: int):
    screen = _screen_or_404(screen_id)
    form = _bound(screen, "name")
    if not form.validate_on_submit():
        return _refused(screen, "name", form)
    try:
        rename_screen(current_user, screen.id, form.name.data)
    except ScreenError as error:
        return _refused(screen, "name", form, str(error))
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
    except ScreenError as error:
        return _refused(screen, mode, form, str(error))
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
    except ScreenError as error:
        return _refused(screen, "ceremony", form, str(error))
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
    except ScreenError as error:
        return _refused(screen, direction, form, str(error))
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
