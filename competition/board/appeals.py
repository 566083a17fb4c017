"""A competitor's appeals on their own page (/me/<code>, docs/appeals.md): what the page shows
of them, and whether it offers the form (the route is results.py's `participant_appeal`). The
rules are judging/appeals.py's."""

from __future__ import annotations

from flask_login import current_user

from ..judging import appeals
from ..models import Competitor
from ..vocabulary import AppealState


def appeal_context(competitor: Competitor, error: str | None = None, text: str = "",
                   aspects: str = "") -> dict:
    """The competitor's appeals with their outcome, and whether the form is shown: their own
    account, within the window, none of theirs open. `error`, `text` and `aspects`: a refused
    form shown again."""
    found = appeals.of_competitor(competitor.id)
    window = appeals.window(competitor.skill)
    own = appeals.may_lodge_own(current_user, competitor)
    return {"appeals": found, "appeal_states": AppealState.labels(), "appeal_window": window,
            "may_appeal": own and window.open and not any(a.state == "open" for a in found),
            "appeal_error": error, "appeal_text": text, "appeal_aspects": aspects}
