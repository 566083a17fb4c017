"""Account management pages and the badges PDF (access: see the blueprint in __init__)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ... import progress
from ...documents.render import RenderFailed
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...extensions import db
from ...models import Championship, Skill
from ...vocabulary import UserRole
from . import service
from .badges import login_url as badge_login_url
from .badges import plan_badges, print_badges, qr_svg
from .blueprint import bp
from .forms import (
    AccountFilterForm,
    AccountLinksForm,
    BadgesForm,
    ConfirmForm,
    LoginCodeForm,
    NewAccountForm,
    PasswordForm,
    PinForm,
    grouped,
    options,
)


def _championships() -> list[Championship]:
    return db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on.desc(), Championship.code)
    ).scalars().all()


def _skill_choices(with_all: str) -> list[SelectChoice]:
    rows = db.session.execute(
        sa.select(Skill, Championship.code).join(Championship)
        .order_by(Championship.code, Skill.position, Skill.code)
    ).all()
    return options([(0, with_all)] + [(s.id, f"{code} · {s.code} {s.name()}")
                                      for s, code in rows])


def _role_choices(roles) -> list[SelectChoice]:
    return options((role, UserRole.labels()[role]) for role in roles)


def _link_choices(form: AccountLinksForm) -> None:
    form.role.choices = _role_choices(service.manageable_roles(current_user))
    form.expert_id.choices = options([(0, "—")]) + grouped(service.expert_choices())
    form.competitor_id.choices = options([(0, "—")]) + grouped(service.competitor_choices())


# What the account service (and the badges) refuse with besides Forbidden; each has a message
# for people and, when a field is at fault, its name.
REFUSALS = (Invalid, Conflict, NotFound)


def _apply_error(form, error: Invalid | Conflict | NotFound) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


# The list ---------------------------------------------------------------------------------

@bp.get("/accounts")
def accounts():
    form = AccountFilterForm(request.args)
    form.role.choices = options([("", _("All roles"))]) + _role_choices(UserRole.labels())
    form.championship.choices = options([(0, _("All championships"))] + [
        (c.id, c.name()) for c in _championships()])
    form.skill.choices = _skill_choices(_("All skills"))
    form.validate()
    flt = service.AccountFilter(
        role=form.role.data or "", championship_id=form.championship.data or 0,
        skill_id=form.skill.data or 0, status=form.status.data or "",
        search=form.q.data or "")
    page = request.args.get("page", 1, type=int)
    pagination, codes = service.list_accounts(flt, max(page, 1))
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("registry/accounts/list.html", form=form, pagination=pagination,
                           codes=codes, role_labels=UserRole.labels(), filters=filters)


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    form = NewAccountForm()
    _link_choices(form)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user_id = service.create_account(current_user, service.AccountInput(
                    role=form.role.data, expert_id=form.expert_id.data or None,
                    competitor_id=form.competitor_id.data or None, locale=form.locale.data,
                    login=form.login.data, password=form.password.data or None))
            except Forbidden as error:
                form.form_errors.append(str(error))
                status = 403
            except REFUSALS as error:
                _apply_error(form, error)
            else:
                flash(_("Account %(login)s created.", login=form.login.data.strip()))
                return redirect(url_for("accounts.account", user_id=user_id))
    return render_template("registry/accounts/new.html", form=form), status


# One account --------------------------------------------------------------------------------

def _account_or_404(user_id: int):
    user = service.get_account(user_id)
    if user is None:
        abort(404)
    return user


def _detail(user_id: int, status: int = 200, error: str | None = None, **forms):
    user = _account_or_404(user_id)
    forms.setdefault("password_form", PasswordForm(formdata=None))
    forms.setdefault("pin_form", PinForm(formdata=None))
    forms.setdefault("code_form", LoginCodeForm(formdata=None))
    return render_template(
        "registry/accounts/detail.html", user=user, role_labels=UserRole.labels(),
        may_change=service.may_manage(current_user, user.role),
        valid_code=service.valid_codes([user.id]).get(user.id),
        tokens=service.tokens_of(user.id), confirm=ConfirmForm(), error=error,
        pin_roles=("expert", "chief"), **forms), status


@bp.get("/accounts/<int:user_id>")
def account(user_id: int):
    return _detail(user_id)


def _run(user_id: int, action, done: str, form=None, form_name: str | None = None):
    """Carry out one action on an account: redirect back with `done`, or show why not."""
    _account_or_404(user_id)
    if form is not None and not form.validate_on_submit():
        return _detail(user_id, 400, **{form_name: form})
    if form is None and not ConfirmForm().validate_on_submit():
        return _detail(user_id, 400, error=_("The page had expired. Try again."))
    try:
        action()
    except Forbidden as error:
        return _detail(user_id, 403, error=str(error))
    except NotFound:
        abort(404)
    except (Invalid, Conflict) as error:
        if form is not None and error.field and hasattr(form, error.field):
            _apply_error(form, error)
            return _detail(user_id, 400, **{form_name: form})
        return _detail(user_id, 400, error=str(error))
    flash(done)
    return redirect(url_for("accounts.account", user_id=user_id))


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
def account_edit(user_id: int):
    user = _account_or_404(user_id)
    form = AccountLinksForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.expert_id.data = user.expert_id or 0
        form.competitor_id.data = user.competitor_id or 0
        form.locale.data = user.locale or ""
    _link_choices(form)
    if user.role not in service.manageable_roles(current_user):
        form.role.choices = _role_choices([user.role])
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                service.update_account(current_user, user_id, service.AccountInput(
                    role=form.role.data, expert_id=form.expert_id.data or None,
                    competitor_id=form.competitor_id.data or None, locale=form.locale.data))
            except Forbidden as error:
                form.form_errors.append(str(error))
                status = 403
            except REFUSALS as error:
                _apply_error(form, error)
            else:
                flash(_("Account %(login)s saved.", login=user.login))
                return redirect(url_for("accounts.account", user_id=user_id))
    return render_template("registry/accounts/edit.html", form=form, user=user), status


@bp.post("/accounts/<int:user_id>/password")
def account_password(user_id: int):
    form = PasswordForm()
    return _run(user_id, lambda: service.reset_password(current_user, user_id,
                                                         form.password.data),
                _("The new password is set. Give it to the person in private."),
                form, "password_form")


@bp.post("/accounts/<int:user_id>/pin")
def account_pin(user_id: int):
    form = PinForm()
    return _run(user_id, lambda: service.change_pin(current_user, user_id, form.pin.data),
                _("The new PIN is set."), form, "pin_form")


@bp.post("/accounts/<int:user_id>/pin/remove")
def account_pin_remove(user_id: int):
    return _run(user_id, lambda: service.change_pin(current_user, user_id, None),
                _("The PIN is removed."))


@bp.post("/accounts/<int:user_id>/disable")
def account_disable(user_id: int):
    return _run(user_id, lambda: service.set_enabled(current_user, user_id, False),
                _("The account is disabled: it cannot log in, and its open sessions end."))


@bp.post("/accounts/<int:user_id>/enable")
def account_enable(user_id: int):
    return _run(user_id, lambda: service.set_enabled(current_user, user_id, True),
                _("The account is enabled."))


@bp.post("/accounts/<int:user_id>/login-codes/revoke")
def account_codes_revoke(user_id: int):
    return _run(user_id, lambda: service.revoke_codes(current_user, user_id),
                _("The account's login codes are revoked: printed badges no longer log in."))


@bp.post("/accounts/<int:user_id>/tokens/<int:token_id>/revoke")
def account_token_revoke(user_id: int, token_id: int):
    return _run(user_id, lambda: service.revoke_token(current_user, user_id, token_id),
                _("The API token is revoked."))


@bp.post("/accounts/<int:user_id>/login-code")
def account_code(user_id: int):
    """Issue a login code and show it once (only its hash is kept)."""
    user = _account_or_404(user_id)
    form = LoginCodeForm()
    if not form.validate_on_submit():
        return _detail(user_id, 400, code_form=form)
    try:
        code, expires_at = service.issue_code(current_user, user_id, form.days.data)
    except Forbidden as error:
        return _detail(user_id, 403, error=str(error))
    except REFUSALS as error:
        _apply_error(form, error)
        return _detail(user_id, 400, code_form=form)
    url = badge_login_url(code, current_app.config.get("PUBLIC_URL"))
    response = make_response(render_template(
        "registry/accounts/login_code.html", user=user, url=url, qr=qr_svg(url),
        expires_at=expires_at))
    response.headers["Cache-Control"] = "no-store"
    return response


# Badges -------------------------------------------------------------------------------------

@bp.route("/badges", methods=["GET", "POST"])
def badges():
    form = BadgesForm()
    championships = _championships()
    form.championship.choices = options((c.id, c.name()) for c in championships)
    form.skill.choices = _skill_choices(_("Every skill"))
    if request.method == "GET":
        wanted = request.args.get("championship", type=int)
        form.championship.data = wanted or (championships[0].id if championships else 0)
        form.skill.data = request.args.get("skill", 0, type=int)
        form.days.data = request.args.get("days", form.days.default, type=int)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                with progress.reporter(form.task.data) as report:
                    printed = print_badges(form.championship.data, form.skill.data or None,
                                           form.days.data, current_app.config.get("PUBLIC_URL"),
                                           report)
            except REFUSALS as error:
                _apply_error(form, error)
            except RenderFailed as error:
                form.form_errors.append(_(
                    "The badges could not be printed (%(error)s); try again, and if it fails "
                    "again tell the administrator.", error=str(error)))
            else:
                response = make_response(printed.pdf)
                response.headers["Content-Type"] = "application/pdf"
                response.headers["Content-Disposition"] = (
                    f'attachment; filename="{printed.filename}"')
                response.headers["Cache-Control"] = "no-store"
                response.headers["X-Badges"] = str(printed.badges)
                response.headers["X-Pages"] = str(printed.pages)
                return response
    form.task.data = progress.new_task()  # a fresh one for every page shown
    plan = None
    if form.championship.data:
        try:
            plan = plan_badges(form.championship.data, form.skill.data or None)
        except REFUSALS:
            plan = None
    address = current_app.config.get("PUBLIC_URL") or request.host_url
    local = any(name in address for name in ("localhost", "127.0.0.1", "[::1]"))
    return render_template("registry/accounts/badges.html", form=form, plan=plan,
                           address=address, local_address=local), status
