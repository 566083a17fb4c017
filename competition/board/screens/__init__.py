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

The package, by responsibility:

  state.py     what a screen shows (`screen_state`, the ceremony's entries) and `push`
  wording.py   what the organizer's page and the hall screen say
  commands.py  the changes organizers make (DomainError when refused)
  forms.py     the organizer's forms, one set per screen
  views.py     the pages: `/board/screens…` and `/screen/<key>`

This module itself only wires the screens to the rest of the app: `subscribe()`.
"""

from __future__ import annotations

from ... import signals
from . import state


def _on_visibility_changed(skill_id: int, **_change) -> None:
    state.skill_visibility_changed(skill_id)


def subscribe() -> None:
    """Listen to the skills' visibility (competition/signals.py): idempotent."""
    signals.visibility_changed.connect(_on_visibility_changed)
