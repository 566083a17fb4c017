"""The blueprint of competition/board/ and who may open its pages (the views attach
to it; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

from ..auth.access import ROLES, STAFF, guard

bp = Blueprint("board", __name__)
guard(bp, ROLES, endpoints={
    **{name: STAFF for name in ("skill_visibility", "skills_visibility", "screens",
                                "screen_new", "screen_rename", "screen_delete", "screen_show",
                                "screen_ceremony", "screen_step")},
    # a competitor lodges an appeal from their own page (judging/appeals.py checks "own")
    "participant_appeal": {"competitor"},
})
