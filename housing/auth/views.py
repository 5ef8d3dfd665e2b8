from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..audit.services import record
from ..clock import today
from ..errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, save_form, show_domain_error
from ..reports.exports import Column, csv_response, xlsx_response
from ..security import safe_next
from . import bp, services
from .decorators import roles_required
from .forms import (
    ApiTokenForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    SetPasswordForm,
    UserCreateForm,
    UserEditForm,
)
from .models import ApiToken, User
from .roles import Role


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the audit trace of the failure
            form.password.errors = [_("E-Mail-Adresse oder Passwort ist falsch.")]
        else:
            language = session.get("language")
            session.clear()  # a fresh session on login
            if language:
                session["language"] = language
            login_user(user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        record("logout", current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Ihre Angaben sind gespeichert."), "success")
        return redirect(url_for("auth.profile"))
    return _render_profile(profile_form=form)


def _render_profile(**forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", PasswordChangeForm())
    forms.setdefault("token_form", ApiTokenForm())
    return render_template(
        "auth/profile.html",
        tokens=services.tokens_of(current_user),
        revoke_form=EmptyForm(),
        new_token=session.pop("new_api_token", None),
        **forms,
    )


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the session follows the new session token
            flash(_("Ihr Passwort ist geändert. Andere Sitzungen wurden beendet."), "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(password_form=form), 422


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    form = ApiTokenForm()
    if form.validate_on_submit():
        _token, secret = services.create_api_token(current_user, form.name.data)
        db.session.commit()
        # Shown once on the next page; the session cookie is signed and HttpOnly, and the value is popped.
        session["new_api_token"] = secret
        return redirect(url_for("auth.profile"))
    return _render_profile(token_form=form), 422


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        services.revoke_api_token(token, actor=current_user)
        db.session.commit()
        flash(_("Der Schlüssel „%(name)s“ ist widerrufen.", name=token.name), "success")
    return redirect(url_for("auth.profile"))


# --- administration of users -------------------------------------------------------------


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_list():
    """Every account, active ones first, by name."""
    return db.session.scalars(select(User).order_by(User.is_active.desc(), User.name)).all()


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users():
    return render_template("admin/users.html", users=_user_list())


def _user_columns() -> list[Column]:
    """Who holds which roles; never a password hash, session token or API token."""
    return [Column(_("Name"), lambda u: u.name), Column(_("E-Mail-Adresse"), lambda u: u.email),
            Column(_("Rollen"), lambda u: ", ".join(sorted(role.label for role in u.roles))),
            Column(_("Aktiv"), lambda u: u.is_active), Column(_("Sprache"), lambda u: u.language),
            Column(_("Angelegt am"), lambda u: u.created_at),
            Column(_("Letzte Anmeldung"), lambda u: u.last_login_at)]


@bp.route("/admin/users/export.<fmt>")
@roles_required(Role.ADMIN)
def export_users(fmt):
    """The accounts and their roles, for the yearly review of access rights; audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rows = _user_list()
    record("user.export", object_type="users", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"benutzer-{today().isoformat()}"
    if fmt == "csv":
        return csv_response(name, _user_columns(), rows)
    return xlsx_response(name, _("Benutzer"), _user_columns(), rows)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = UserCreateForm()
    done = save_form(form, lambda: services.create_user(form.email.data, form.name.data, form.roles.data,
                                                        form.password.data, actor=current_user),
                     success=lambda user: _("Das Konto für %(name)s ist angelegt.", name=user.name),
                     redirect_to=url_for("auth.users"))
    return done or render_template("admin/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id):
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user, roles=[role.value for role in user.roles] if request.method == "GET" else None)
    done = save_form(form, lambda: services.update_user(user, name=form.name.data, roles=form.roles.data,
                                                        is_active=form.is_active.data, actor=current_user),
                     success=lambda result: _("Die Änderungen an %(name)s sind gespeichert.", name=user.name),
                     redirect_to=url_for("auth.users"))
    return done or render_template("admin/user_form.html", form=form, user=user, password_form=SetPasswordForm())


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def set_user_password(user_id):
    user = get_user_or_404(user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data, actor=current_user)
        db.session.commit()
        flash(_("Das Passwort von %(name)s ist neu gesetzt.", name=user.name), "success")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    edit_form = UserEditForm(obj=user, roles=[role.value for role in user.roles])
    return render_template("admin/user_form.html", form=edit_form, user=user, password_form=form), 422
