"""Routes of the awards: the organizer's nomination pages under /manage/awards and the public
awards page /awards (registered on `awards_bp`).

Each view reads the arguments, calls the service (competition.documents.awards), renders or
redirects (POST-redirect-GET). Who may open a page is decided here, by the guard, and nowhere
else: organizers and admins manage, everyone reads /awards.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..auth.access import ROLES, guard
from ..extensions import db
from ..models import Championship, Organization
from ..models.event import ORGANIZATION_KINDS
from ..vocabulary import OrganizationKind
from . import awards as service
from .awards_forms import NominationForm, RecipientsForm, TitleForm
from .blueprint import awards_bp

guard(awards_bp, {"organizer", "admin"}, endpoints={"awards_public": ROLES})


# --- helpers ------------------------------------------------------------------------------------

def _championships() -> list[Championship]:
    return list(db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars())


def _championship_from_args() -> Championship | None:
    """?championship=CODE (404 if unknown), else the newest championship (None if none)."""
    code = request.args.get("championship", "").strip()
    if code:
        found = db.session.execute(
            sa.select(Championship).where(Championship.code == code)).scalar_one_or_none()
        if found is None:
            abort(404)
        return found
    championships = _championships()
    return championships[0] if championships else None


def _organizations() -> list[Organization]:
    return list(db.session.execute(sa.select(Organization)).scalars())


def _organization_groups(organizations: list[Organization]):
    """[(kind label, [organization, …]), …] in the order of the kinds, by name inside."""
    groups = []
    for kind in ORGANIZATION_KINDS:
        members = sorted((o for o in organizations if o.kind == kind),
                         key=lambda o: (o.name().casefold(), o.code))
        if members:
            groups.append((kind, OrganizationKind.label_of(kind), members))
    return groups


def _title_data(nomination: service.Nomination) -> dict[str, str]:
    return {f"name_{lang}": text for lang, text in nomination.names.items()}


def _nomination_or_404(award_id: int) -> service.Nomination:
    nomination = service.nomination_of(award_id)
    if nomination is None:
        abort(404)
    return nomination


def _find_field(form, name: str):
    for field in form:
        if field.name == name:
            return field
        entries = getattr(field, "entries", None)
        if entries is not None:
            for entry in entries:
                found = _find_field(entry.form, name)
                if found is not None:
                    return found
    return None


def _attach(form, error: service.Invalid) -> None:
    """Show a service rule's message next to its field (or above the form)."""
    field = _find_field(form, error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _manage_url(championship_id: int, anchor: int | None = None) -> str:
    championship = db.session.get(Championship, championship_id)
    url = url_for("awards.manage", championship=championship.code)
    return f"{url}#nomination-{anchor}" if anchor else url


def _step() -> int:
    return -1 if request.form.get("direction") == "up" else 1


# --- the organizer's pages ----------------------------------------------------------------------

@awards_bp.get("/manage/awards")
def manage():
    championship = _championship_from_args()
    groups = service.nominations(championship.id) if championship is not None else []
    return render_template("documents/awards/manage.html", championship=championship,
                           championships=_championships(), nominations=groups,
                           recipient_name=service.recipient_name, action_form=FlaskForm())


@awards_bp.route("/manage/awards/new", methods=["GET", "POST"])
def nomination_new():
    championship = _championship_from_args()
    if championship is None:
        abort(404)
    organizations = _organizations()
    form = NominationForm(organizations=organizations)
    if form.validate_on_submit():
        try:
            nomination = service.create_nomination(
                championship.id, form.title(), form.organization_ids(), form.people_list())
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Nomination “%(name)s” created; recipients: %(count)d.",
                    name=nomination.name(), count=len(nomination.awards)))
            return redirect(_manage_url(championship.id, nomination.id), code=303)
    return render_template("documents/awards/new.html", championship=championship, form=form,
                           groups=_organization_groups(organizations))


def _render_edit(nomination: service.Nomination, title_form=None, recipients_form=None,
                 organizations=None):
    organizations = organizations if organizations is not None else _organizations()
    if title_form is None:
        title_form = TitleForm(data=_title_data(nomination))
    if recipients_form is None:
        recipients_form = RecipientsForm(formdata=None, organizations=organizations)
    championship = db.session.get(Championship, nomination.championship_id)
    return render_template(
        "documents/awards/edit.html", championship=championship, nomination=nomination,
        title_form=title_form, recipients_form=recipients_form, action_form=FlaskForm(),
        recipient_name=service.recipient_name, groups=_organization_groups(organizations),
        taken={a.organization_id for a in nomination.awards
               if a.recipient_kind == "organization"})


@awards_bp.route("/manage/awards/<int:award_id>/edit", methods=["GET", "POST"])
def nomination_edit(award_id: int):
    nomination = _nomination_or_404(award_id)
    form = TitleForm(data=_title_data(nomination)) if request.method == "GET" else TitleForm()
    if form.validate_on_submit():
        try:
            nomination = service.rename_nomination(award_id, form.title())
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Title saved: %(name)s.", name=nomination.name()))
            return redirect(url_for("awards.nomination_edit", award_id=nomination.id), code=303)
    return _render_edit(nomination, title_form=form)


@awards_bp.post("/manage/awards/<int:award_id>/recipients")
def recipients_add(award_id: int):
    nomination = _nomination_or_404(award_id)
    organizations = _organizations()
    form = RecipientsForm(organizations=organizations)
    if form.validate_on_submit():
        try:
            rows = service.add_recipients(award_id, form.organization_ids(), form.people_list())
        except service.Invalid as error:
            _attach(form, error)
        else:
            flash(_("Recipients added: %(count)d.", count=len(rows)))
            return redirect(url_for("awards.nomination_edit", award_id=nomination.id), code=303)
    return _render_edit(nomination, recipients_form=form, organizations=organizations)


@awards_bp.post("/manage/awards/<int:award_id>/remove")
def recipient_remove(award_id: int):
    nomination = _nomination_or_404(award_id)
    award = next(a for a in nomination.awards if a.id == award_id)
    who = service.recipient_name(award)
    if not FlaskForm().validate_on_submit():
        abort(400)
    left = service.remove_recipient(award_id)
    flash(_("Removed from the nomination: %(who)s.", who=who))
    if left is None:
        return redirect(_manage_url(nomination.championship_id), code=303)
    return redirect(url_for("awards.nomination_edit", award_id=left.id), code=303)


@awards_bp.post("/manage/awards/<int:award_id>/move")
def nomination_move(award_id: int):
    nomination = _nomination_or_404(award_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    service.move_nomination(award_id, _step())
    return redirect(_manage_url(nomination.championship_id, nomination.id), code=303)


@awards_bp.post("/manage/awards/<int:award_id>/move-recipient")
def recipient_move(award_id: int):
    nomination = _nomination_or_404(award_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    service.move_recipient(award_id, _step())
    fresh = service.nomination_of(award_id)
    return redirect(url_for("awards.nomination_edit", award_id=fresh.id if fresh else
                            nomination.id) + f"#recipient-{award_id}", code=303)


@awards_bp.route("/manage/awards/<int:award_id>/delete", methods=["GET", "POST"])
def nomination_delete(award_id: int):
    """GET: confirm; POST: delete the nomination with all its recipients."""
    nomination = _nomination_or_404(award_id)
    form = FlaskForm()
    if form.validate_on_submit():
        count = service.delete_nomination(award_id)
        flash(_("Nomination “%(name)s” deleted; recipients: %(count)d.",
                name=nomination.name(), count=count))
        return redirect(_manage_url(nomination.championship_id), code=303)
    championship = db.session.get(Championship, nomination.championship_id)
    return render_template("documents/awards/delete.html", nomination=nomination, form=form,
                           championship=championship, recipient_name=service.recipient_name)


# --- the public page ----------------------------------------------------------------------------

@awards_bp.get("/awards")
def awards_public():
    """Every championship's nominations and their recipients, newest championship first."""
    listing = service.championships_with_awards()
    return render_template("documents/awards/public.html", listing=listing,
                           recipient_name=service.recipient_name)
