"""What the people pages share: a row or 404, the page number, a service's refusal shown beside
its field, and the delete confirmation page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ...errors import Conflict, Invalid
from ...extensions import db


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def plain_decimal(value):
    """2.5000 → 2.5 and 500.0000 → 500 (stored with four places, typed with fewer)."""
    if value is None:
        return None
    return value.quantize(1) if value == value.to_integral_value() else value.normalize()


def page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


def attach_error(form, error: Invalid) -> None:
    """Show a service rule's message next to its field (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def delete_page(question: str, title: str, refusal: str | None, back: str, action):
    """GET: confirm (or say why not); POST: delete. Without JavaScript, one extra page."""
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            action()
        except Conflict as refused:
            refusal = str(refused)
        else:
            flash(_("Deleted: %(what)s.", what=title))
            return redirect(back)
    status = 409 if refusal and request.method == "POST" else 200
    return render_template("registry/people/delete.html", form=form, question=question,
                           title=title, refusal=refusal, back=back), status
