"""The blueprints of competition/documents/ and who may open their pages (the views attach
to them; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
sheets_bp = Blueprint("sheets", __name__)
awards_bp = Blueprint("awards", __name__)
