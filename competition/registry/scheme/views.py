"""Routes of the marking scheme editor (registered on competition.registry.bp).

Read the request, call the service, render. Access (organizers and admins) is decided once, by
the blueprint's guard; the rules live in rules.py, the protection of entered marks in
protection.py. A part that is gone (another organizer, another tab) raises errors.NotFound,
which no view catches: the app answers with its 404 page.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ... import progress
from ...errors import Conflict, DomainError, Invalid
from ...lookup import find_skill
from ..blueprint import bp
from ..imports.writing import CSV_MIME, XLSX_MIME, write_csv, write_xlsx
from . import editing, reading, rules
from .forms import (
    SCORE_LABELS,
    ActionForm,
    AspectForm,
    CriterionForm,
    MoveForm,
    SubCriterionForm,
    parse_maxima,
)
from .importer import export_scheme
from .kind_text import kind_summary
from .maxima import MaximaRefused, set_maxima
from .parsing import COLUMNS
from .protection import delete_refusal

# URL words for the three levels of a scheme
KINDS = {"criteria": "criterion", "sub-criteria": "sub_criterion", "aspects": "aspect"}
KIND_PATH = '<any("criteria", "sub-criteria", "aspects"):kind>'


def _save(form, save, refused: int = 422):
    """A submitted form checked, then saved by `save()` (a call of the service).

    Returns (what `save` returned, None) once saved; else (None, the status of the page that
    shows the form again): 200 when nothing was submitted, 422 when the form has errors, and
    `refused` when the service refuses, with its reason shown at the field it names.
    """
    if not form.is_submitted():
        return None, 200
    if not form.validate():
        return None, 422
    try:
        return save(), None
    except (Invalid, Conflict) as error:
        form.attach({error.field or "code": error.message})
        return None, refused


def _editor_url(skill_id: int, anchor: str | None = None, **args) -> str:
    return url_for("registry.scheme_editor", skill_id=skill_id, _anchor=anchor, **args)


def _sub_criteria(skill):
    return [sub for criterion in skill.criteria for sub in criterion.sub_criteria]


@bp.get("/schemes")
def scheme_index():
    return render_template("registry/scheme/index.html", overview=reading.skills_overview(),
                           max_text=rules.max_text)


@bp.get("/skills/<int:skill_id>/scheme")
def scheme_editor(skill_id: int):
    skill = reading.get_skill(skill_id)
    return _render_editor(skill)


def _render_editor(skill, max_errors: dict[int, str] | None = None,
                   typed: dict[int, str] | None = None, status: int = 200):
    return render_template(
        "registry/scheme/editor.html", skill=skill, sums=reading.sums(skill),
        marks=reading.mark_counts(skill.id), max_errors=max_errors or {}, typed=typed or {},
        links=_exchange_links(skill), max_text=rules.max_text,
        values_text=rules.values_text, kind_summary=kind_summary,
    ), status


def _exchange_links(skill) -> dict[str, str | None]:
    """The imports feature's upload page (if installed) and this scheme's exports."""
    return {"import": _url_or_none("registry.import_page"),
            "xlsx": url_for("registry.scheme_export", skill_id=skill.id, fmt="xlsx"),
            "csv": url_for("registry.scheme_export", skill_id=skill.id, fmt="csv"),
            "cis": url_for("registry.scheme_export_cis", skill_id=skill.id)}


def _url_or_none(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.get("/scheme")
def scheme():
    """A skill's editor found by codes (?championship=CODE&skill=CODE), e.g. after an import."""
    championship = request.args.get("championship", "").strip()
    try:
        skill = find_skill(request.args.get("skill", ""), championship)
    except DomainError:  # none, or several: the list of schemes to choose from
        return redirect(url_for("registry.scheme_index"))
    return redirect(_editor_url(skill.id))


@bp.get('/skills/<int:skill_id>/scheme/export.<any("xlsx", "csv"):fmt>')
def scheme_export(skill_id: int, fmt: str):
    """The scheme as a table with the English column keys: it re-imports as it is."""
    skill = reading.get_skill(skill_id)
    rows = progress.paused(export_scheme(skill))  # the server's other work runs meanwhile
    if fmt == "xlsx":
        content = write_xlsx(COLUMNS, rows, locale="en", sheet="scheme")
        mimetype = XLSX_MIME
    else:
        content = write_csv(COLUMNS, rows, locale="en")
        mimetype = CSV_MIME
    name = re.sub(r"[^\w.-]", "_", f"scheme-{skill.championship.code}-{skill.code}.{fmt}")
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/skills/<int:skill_id>/scheme/export-cis.xlsx")
def scheme_export_cis(skill_id: int):
    """The scheme as a CIS workbook (cis.py): ?lang=en|ru, else the scheme's language."""
    from .cis import export_cis

    skill = reading.get_skill(skill_id)
    lang = request.args.get("lang") if request.args.get("lang") in ("en", "ru") else None
    name = re.sub(r"[^\w.-]", "_", f"scheme-cis-{skill.championship.code}-{skill.code}.xlsx")
    response = Response(export_cis(skill, lang), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/skills/<int:skill_id>/scheme/maxima")
def scheme_maxima(skill_id: int):
    skill = reading.get_skill(skill_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    aspect_ids = [a.id for sub in _sub_criteria(skill) for a in sub.aspects]
    maxima, errors = parse_maxima(request.form, aspect_ids)
    typed = {i: request.form.get(f"max-{i}", "") for i in aspect_ids}
    if errors:
        return _render_editor(skill, errors, typed, 422)
    try:
        changed = set_maxima(skill.id, maxima)
    except MaximaRefused as refused:
        return _render_editor(skill, refused.errors, typed, 409)
    if changed:
        flash(_("Maxima saved: %(codes)s.", codes=", ".join(changed)))
    else:
        flash(_("No maximum was changed."))
    return redirect(_editor_url(skill.id))


# --- criteria --------------------------------------------------------------------------------

@bp.route("/skills/<int:skill_id>/scheme/criteria/new", methods=["GET", "POST"])
def scheme_criterion_new(skill_id: int):
    skill = reading.get_skill(skill_id)
    form = CriterionForm()
    criterion, status = _save(form, lambda: editing.create_criterion(skill.id, form.to_input()))
    if criterion is not None:
        flash(_("Criterion %(code)s created.", code=criterion.code))
        return redirect(_editor_url(skill.id, f"criterion-{criterion.id}"))
    return render_template("registry/scheme/criterion_form.html", skill=skill, form=form,
                           criterion=None), status


@bp.route("/skills/<int:skill_id>/scheme/criteria/<int:item_id>", methods=["GET", "POST"])
def scheme_criterion_edit(skill_id: int, item_id: int):
    skill = reading.get_skill(skill_id)
    criterion = reading.get_part("criterion", skill_id, item_id)
    form = CriterionForm(obj=criterion)
    saved, status = _save(
        form, lambda: editing.update_criterion(skill.id, criterion.id, form.to_input()))
    if saved is not None:
        flash(_("Criterion %(code)s saved.", code=form.code.data))
        return redirect(_editor_url(skill.id, f"criterion-{item_id}"))
    return render_template("registry/scheme/criterion_form.html", skill=skill, form=form,
                           criterion=criterion), status


# --- sub-criteria ----------------------------------------------------------------------------

@bp.route("/skills/<int:skill_id>/scheme/criteria/<int:item_id>/sub-criteria/new",
          methods=["GET", "POST"])
def scheme_sub_criterion_new(skill_id: int, item_id: int):
    skill = reading.get_skill(skill_id)
    criterion = reading.get_part("criterion", skill_id, item_id)
    form = SubCriterionForm()
    sub, status = _save(
        form, lambda: editing.create_sub_criterion(skill.id, criterion.id, form.to_input()))
    if sub is not None:
        flash(_("Sub-criterion %(code)s created.", code=sub.code))
        return redirect(_editor_url(skill.id, f"sub-criterion-{sub.id}"))
    return render_template("registry/scheme/sub_criterion_form.html", skill=skill, form=form,
                           criterion=criterion, sub=None), status


@bp.route("/skills/<int:skill_id>/scheme/sub-criteria/<int:item_id>", methods=["GET", "POST"])
def scheme_sub_criterion_edit(skill_id: int, item_id: int):
    skill = reading.get_skill(skill_id)
    sub = reading.get_part("sub_criterion", skill_id, item_id)
    form = SubCriterionForm(obj=sub)
    saved, status = _save(
        form, lambda: editing.update_sub_criterion(skill.id, sub.id, form.to_input()))
    if saved is not None:
        flash(_("Sub-criterion %(code)s saved.", code=form.code.data))
        return redirect(_editor_url(skill.id, f"sub-criterion-{item_id}"))
    return render_template("registry/scheme/sub_criterion_form.html", skill=skill, form=form,
                           criterion=sub.criterion, sub=sub), status


# --- aspects ---------------------------------------------------------------------------------

@bp.route("/skills/<int:skill_id>/scheme/sub-criteria/<int:item_id>/aspects/new",
          methods=["GET", "POST"])
def scheme_aspect_new(skill_id: int, item_id: int):
    skill = reading.get_skill(skill_id)
    sub = reading.get_part("sub_criterion", skill_id, item_id)
    form = AspectForm(sub_criteria=_sub_criteria(skill))
    if not form.is_submitted():
        form.sub_criterion_id.data = sub.id
    aspect, status = _save(form, lambda: editing.create_aspect(skill.id, sub.id, form.to_input()))
    if aspect is not None:
        flash(_("Aspect %(code)s created.", code=aspect.code))
        return redirect(_editor_url(skill.id, f"aspect-{aspect.id}"))
    return _render_aspect_form(skill, form, None, status)


@bp.route("/skills/<int:skill_id>/scheme/aspects/<int:item_id>", methods=["GET", "POST"])
def scheme_aspect_edit(skill_id: int, item_id: int):
    skill = reading.get_skill(skill_id)
    aspect = reading.get_part("aspect", skill_id, item_id)
    form = AspectForm(sub_criteria=_sub_criteria(skill))
    if not form.is_submitted():
        form.fill(reading.aspect_input(aspect))
    saved, status = _save(
        form, lambda: editing.update_aspect(skill.id, aspect.id, form.to_input()), refused=409)
    if saved is not None:
        flash(_("Aspect %(code)s saved.", code=form.code.data))
        return redirect(_editor_url(skill.id, f"aspect-{item_id}"))
    return _render_aspect_form(skill, form, aspect, status)


def _render_aspect_form(skill, form, aspect, status: int):
    sums = reading.sums(skill)
    own = Decimal(aspect.max) if aspect is not None else Decimal(0)
    own_criterion = aspect.sub_criterion.criterion_id if aspect is not None else None
    subs = _sub_criteria(skill)
    # The sums without this aspect: the page (and its script) adds the maximum being typed.
    rest_total = sums.total - own
    rest_criteria = {c.id: sums.criteria[c.id] - (own if c.id == own_criterion else 0)
                     for c in skill.criteria}
    rest = {
        "total": rules.max_text(rest_total),
        "criteria": {str(c.id): {"code": c.code, "rest": rules.max_text(rest_criteria[c.id])}
                     for c in skill.criteria},
        "subs": {str(sub.id): str(sub.criterion_id) for sub in subs},
    }
    current_sub = next((s for s in subs if s.id == form.sub_criterion_id.data), None)
    typed = own if form.parsed_max is None else form.parsed_max
    total = rest_total + typed
    shown = {"code": current_sub.criterion.code if current_sub else "",
             "criterion": rules.max_text(rest_criteria[current_sub.criterion_id] + typed)
             if current_sub else "",
             "total": rules.max_text(total), "is_hundred": total == rules.HUNDRED}
    marks = reading.mark_counts(skill.id).get(aspect.id, 0) if aspect is not None else 0
    return render_template(
        "registry/scheme/aspect_form.html", skill=skill, form=form, aspect=aspect, rest=rest,
        shown=shown, marks=marks, score_labels=SCORE_LABELS,
    ), status


# --- delete and move, for all three levels ---------------------------------------------------

@bp.route(f"/skills/<int:skill_id>/scheme/{KIND_PATH}/<int:item_id>/delete",
          methods=["GET", "POST"])
def scheme_delete(skill_id: int, kind: str, item_id: int):
    skill = reading.get_skill(skill_id)
    part = KINDS[kind]
    item = reading.get_part(part, skill_id, item_id)
    form = ActionForm()
    refusal = delete_refusal(part, skill.id, item.id)
    status = 200
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            code = editing.delete(part, skill.id, item.id)
        except Conflict as error:
            refusal, status = error.message, 409
        else:
            flash(_("%(code)s deleted.", code=code))
            return redirect(_editor_url(skill.id))
    return render_template("registry/scheme/confirm_delete.html", skill=skill, part=part,
                           item=item, form=form, refusal=refusal), status


@bp.post(f"/skills/<int:skill_id>/scheme/{KIND_PATH}/<int:item_id>/move")
def scheme_move(skill_id: int, kind: str, item_id: int):
    skill = reading.get_skill(skill_id)
    part = KINDS[kind]
    reading.get_part(part, skill_id, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    direction = form.direction.data
    code, moved = editing.move(part, skill.id, item_id, direction)
    if moved:
        flash(_("%(code)s moved up.", code=code) if direction == "up"
              else _("%(code)s moved down.", code=code))
    else:
        flash(_("%(code)s is already first.", code=code) if direction == "up"
              else _("%(code)s is already last.", code=code))
    anchor = f"{part.replace('_', '-')}-{item_id}"
    return redirect(_editor_url(skill.id, anchor, focus=f"move-{direction}-{anchor}"))
