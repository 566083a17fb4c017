"""Public side: the championship's home page, leaderboards, results, the hall's screens.

Everyone opens its pages but the ones listed in the guard: organizers decide what the public
sees and drive the hall's screens (the services check it again: board/service.py, screens.py).
"""

from flask import Blueprint

from ..auth.access import ROLES, STAFF, guard

bp = Blueprint("board", __name__)
guard(bp, ROLES, endpoints={
    name: STAFF for name in ("skill_visibility", "screens", "screen_new", "screen_rename",
                             "screen_delete", "screen_show", "screen_ceremony", "screen_step")
})

from . import projector, results, screens, views  # noqa: E402,F401
