"""The Socket.IO rooms of a skill (its database id), named in one place.

  panel:<id>         the skill's experts, organizers, admins: marks, disputes, locks
  board:<id>:staff   who may always see the standings: organizers, admins, the skill's experts
  board:<id>:public  everyone else; what it is sent follows the skill's visibility

Judging joins experts to the panel room, the boards join viewers to a board room, and the
read side (competition/standings) sends to both.
"""

from __future__ import annotations


def panel_room(skill_id: int) -> str:
    return f"panel:{skill_id}"


def board_room(skill_id: int, staff: bool) -> str:
    return f"board:{skill_id}:{'staff' if staff else 'public'}"
