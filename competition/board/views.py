from flask import render_template

from . import bp
from .service import championships_overview


@bp.get("/")
def home():
    return render_template("board/home.html", overview=championships_overview())
