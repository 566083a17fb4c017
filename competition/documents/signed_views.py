"""The signed paper on the chief expert's screen (/judging/<ref>/chief): the kept marking forms
and protocols with their download links, and making the final protocol. The routes sit on
judging's blueprint (its guard lets in experts, chiefs, organizers and admins); documents reads
judging, never the reverse, so the chief's page asks for its list through the template global
`signed_forms`.

A kept PDF is for the skill's own experts (any role: the marking team signs the form) and for
organizers and admins; an expert of another skill gets a 403, a form of another skill a 404.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import STAFF, role_of
from ..errors import Conflict, Forbidden
from ..extensions import db
from ..judging.blueprint import bp
from ..judging.signoff import check_may_lead
from ..lookup import expert_role, skill_or_404
from ..models import Skill
from ..models.panels import MarkingForm
from . import protocol, signed
from .signed_pdf import pdf_of, print_later


@bp.app_template_global("signed_forms")
def signed_forms(skill: Skill) -> dict:
    """The kept documents of the skill for the chief's page: the protocols, and the marking
    forms per sub-criterion id, newest version first."""
    forms: dict = {"protocols": [], "by_sub": {},
                   "ready": {form_id for form_id, ready in signed.printed(skill) if ready}}
    for form in signed.forms_of(skill):
        if form.kind == signed.PROTOCOL:
            forms["protocols"].append(form)
        else:
            forms["by_sub"].setdefault(form.sub_criterion_id, []).append(form)
    return forms


def _may_read(skill: Skill) -> bool:
    return role_of(current_user) in STAFF or expert_role(current_user, skill.id) is not None


@bp.get("/<path:ref>/chief/forms.json")
def chief_forms_json(ref: str):
    """Which kept documents of the skill are printed yet, for the chief's page to follow."""
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    printed = signed.printed(skill)
    return jsonify(forms=[{"id": form_id, "ready": ready} for form_id, ready in printed])


@bp.get("/<path:ref>/chief/forms/<int:form_id>.pdf")
def chief_form_pdf(ref: str, form_id: int):
    skill = skill_or_404(ref)
    if not _may_read(skill):
        raise Forbidden(_("Only the experts of skill %(skill)s and the organizers may read its "
                          "signed documents.", skill=skill.code))
    form = db.session.get(MarkingForm, form_id)
    if form is None or form.skill_id != skill.id:
        abort(404)
    data = pdf_of(form)
    if data is None:
        raise Conflict(_("This document could not be printed and its marks have changed "
                         "since: sign the sub-criterion off again."), code="form_unavailable")
    what = form.sub_criterion.code if form.sub_criterion is not None else "protocol"
    name = f"{skill.championship.code}-{skill.code}-{what}-v{form.version}-{form.locale}.pdf"
    return current_app.response_class(
        data, mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"',
                 "Cache-Control": "no-store"})


@bp.route("/<path:ref>/chief/protocol", methods=["GET", "POST"])
def chief_protocol(ref: str):
    skill = skill_or_404(ref)
    check_may_lead(current_user, skill)
    if request.method == "POST":
        content = protocol.protocol_content(skill)
        ids = signed.keep(skill, signed.PROTOCOL, content, None, None,
                          getattr(current_user, "id", None))
        print_later(ids, content)
        flash(_("The final protocol is made: version %(n)s.",
                n=db.session.get(MarkingForm, ids[0]).version))
    return redirect(url_for("judging.chief", ref=ref) + "#signed-heading")
