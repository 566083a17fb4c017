"""Judging: mark entry on tablets, sign-off and locks, the history of marks.

Two blueprints: `judging` (the experts' pages) and `api` (the HTTP JSON API under /api/v1/,
docs/api.md). Socket.IO handlers are in events.py; recording a mark in service.py, what a tablet
reads in queries.py, sign-off and history in signoff.py, penalties and disqualifications in
sanctions.py (their page in sanction_views.py), fixed judgement panels in panels.py (their
page in panel_views.py), and the skills' versions (a flush hook) in
versions.py.
"""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import api_views, appeal_api, chief, panel_views, sanction_views, versions, views  # noqa: F401
from .blueprint import api, bp  # noqa: F401
