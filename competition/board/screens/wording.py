"""What the hall's screens say: the organizer's page (screens-control.js says the same) and the
hall screen (screen.js), in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _

from ...models.base import pick_translation
from ...vocabulary import AbilympicsCategory, Medal


def _fill(template: str, **values) -> str:
    """The translated template's {name} placeholders filled (the JS fills the same ones)."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def medal_labels() -> dict[str, str]:
    return {key: str(label) for key, label in Medal.labels().items()}


def category_labels() -> dict[str, str]:
    return {key: str(label) for key, label in AbilympicsCategory.labels().items()}


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
