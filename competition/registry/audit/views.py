"""The audit log page: newest first, filtered by user, entity, action, championship, dates."""

from __future__ import annotations

from flask import render_template, request

from .blueprint import bp
from .forms import AuditFilterForm
from .service import AuditFilter, audit_page, filter_choices


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    choices = filter_choices()
    form.user.choices = choices["users"]
    form.entity.choices = choices["entities"]
    form.action.choices = choices["actions"]
    form.championship.choices = choices["championships"]
    form.validate()
    flt = AuditFilter(
        user_id=form.user.data or 0, entity=form.entity.data or "",
        action=form.action.data or "", championship_id=form.championship.data or 0,
        since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None)
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = audit_page(flt, page)
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("registry/audit/log.html", form=form, pagination=pagination,
                           filters=filters)
