"""competition: live scoring for skills championships (WorldSkills and Abilympics style).

Importing the package does no work; `create_app` builds an application.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(config: dict | None = None):
    from .app import build_app

    return build_app(config)
