"""Public side: the championship's home page, and later leaderboards and results."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from . import projector, results, screens, views  # noqa: E402,F401
