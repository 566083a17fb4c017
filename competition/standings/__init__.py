"""The read side: what the standings are, and who may see what of them.

- document.py  a skill's scheme, competitors and marks as the `competition.skill/1` document,
               evaluated by the rules engine exactly as `competition evaluate` does;
- live.py      the live standings of every skill, kept in memory, moved mark by mark after each
               commit and broadcast to the boards (coalesced), filtered by visibility and role;
- tables.py    rows and groups built from the snapshot a viewer may see (pages, sheets, screens);
- medals.py    the medal table and Best of Region of published skills.

It listens to the write side's signals (competition/signals.py: `subscribe`, called by the app
factory) and never calls judging; boards and documents are views over it.
"""

from .document import (
    competitor_sanctions,
    penalties,
    sanctions_in_force,
    skill_document,
    skill_standings,
)
from .live import Hub, hub, is_staff, subscribe
from .medals import BestLine, ChampionshipMedals, MedalLine, championship_medals
from .tables import (
    CriterionHead,
    Group,
    Row,
    Standings,
    build_standings,
    category_label,
    public_state,
    staff_standings,
    standings_of,
    tr,
)

__all__ = [
    "BestLine",
    "ChampionshipMedals", "CriterionHead", "Group", "Hub", "MedalLine", "Row", "Standings",
    "build_standings", "category_label", "championship_medals", "competitor_sanctions", "hub",
    "is_staff", "penalties", "public_state", "sanctions_in_force",
    "skill_document", "skill_standings", "staff_standings", "standings_of", "subscribe", "tr",
]
