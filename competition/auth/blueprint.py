"""The blueprint of competition/auth/ and who may open its pages (the views attach
to it; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
