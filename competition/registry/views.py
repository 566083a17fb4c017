"""The organizer's dashboard."""

from flask import render_template

from ..board.service import championships_overview
from .blueprint import bp


@bp.get("/")
def dashboard():
    return render_template("registry/dashboard.html", overview=championships_overview())
