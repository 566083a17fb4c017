"""What a hall screen shows: its state (the payload of `screen:show` and of `screen:join`'s
answer), the ceremony's entries, and `push`, which sends the state to the screen's room."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import has_request_context, request, url_for
from werkzeug.routing import BuildError

from ... import standings
from ...extensions import db, socketio
from ...lookup import skill_ref
from ...models import Championship, Screen, Skill

MEDAL_ORDER = ("bronze", "silver", "gold")  # a ceremony "by medal" (medallions: by rank)


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
