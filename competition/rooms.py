"""The Socket.IO rooms of a skill (its database id), named in one place.

  panel:<id>         the skill's experts, organizers, admins: marks, disputes, locks
  panel:<id>:full, panel:<id>:blind, panel:<id>:judge:<code>   the same people, split by
                     what of a judgement cell they may see (blind judgement): `marks` with J
                     scores go there instead of panel:<id>
  board:<id>:staff   who may always see the standings: organizers, admins, the skill's experts
  board:<id>:public  everyone else; what it is sent follows the skill's visibility

Judging joins experts to the panel room, the boards join viewers to a board room, and the
read side (competition/standings) sends to both.
"""

from __future__ import annotations


def panel_room(skill_id: int) -> str:
    return f"panel:{skill_id}"


def board_room(skill_id: int, staff: bool, changes: bool = False) -> str:
    """A skill's boards of one audience; `changes`: those that take `results_changes`."""
    return f"board:{skill_id}:{'staff' if staff else 'public'}{':changes' if changes else ''}"


# Blind judgement (docs/api.md): a panel member is also in exactly one of these, so a J score
# is sent in full only to those who may see it; a judge's own scores go to their own room.
def panel_full_room(skill_id: int) -> str:
    """The skill's chief and deputy, organizers, admins: every score as entered."""
    return f"panel:{skill_id}:full"


def panel_blind_room(skill_id: int) -> str:
    """Everyone else of the panel: a J cell's scores once all its judges have scored."""
    return f"panel:{skill_id}:blind"


def panel_judge_room(skill_id: int, expert: str) -> str:
    """One expert's own sockets (every tablet of theirs): their own scores."""
    return f"panel:{skill_id}:judge:{expert}"
