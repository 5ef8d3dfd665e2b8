from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..audit.services import record
from ..clock import today, utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..forms import EmptyForm, save_form, show_domain_error
from ..i18n import gettext as _
from ..i18n import ngettext
from ..reports.exports import Column, export_response, read_now, require_format
from ..security import safe_next
from . import bp, services, sessions, throttle, twofactor
from .decorators import roles_required
from .forms import (
    ApiTokenForm,
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RecoveryForm,
    SetPasswordForm,
    UserCreateForm,
    UserEditForm,
)
from .models import ApiToken, User
from .roles import Role

PENDING_FOR = timedelta(minutes=5)


def _address() -> str | None:
    return request.remote_addr


def _too_many():
    db.session.rollback()
    return render_template("errors/429.html"), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Step one: e-mail and password. Then the code (enrolled users), the enrolment (roles that require it), or
    straight in. Failures are throttled per account and per address, in the database."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        if throttle.is_blocked(form.email.data, _address()):
            record("login.throttled", object_type="users", summary=form.email.data[:254])
            db.session.commit()
            return _too_many()
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_failure(form.email.data, _address())
            db.session.commit()  # keep the audit trace and the count of the failure
            form.password.errors = [_("E-Mail-Adresse oder Passwort ist falsch.")]
        elif user.has_two_factor or twofactor.required_for(user):
            _start_second_step(user, form.next.data)
            db.session.commit()
            return redirect(url_for("auth.second_step" if user.has_two_factor else "auth.enrol"))
        else:
            return _complete_login(user, form.next.data)
    return render_template("auth/login.html", form=form)


def _start_second_step(user: User, next_url: str | None) -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session["pending_user"] = user.id
    session["pending_since"] = utcnow().timestamp()
    session["pending_next"] = safe_next(next_url)


def _pending_user() -> User | None:
    """The user who passed step one in this browser within the last five minutes."""
    user_id, since = session.get("pending_user"), session.get("pending_since")
    if not user_id or not since or utcnow().timestamp() - since > PENDING_FOR.total_seconds():
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def _complete_login(user: User, next_url: str | None):
    _log_in(user)
    return redirect(safe_next(next_url) or url_for("main.index"))


def _log_in(user: User) -> None:
    """A fresh session (cookie and server side) for the user, audited and committed."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    identity = sessions.open_session(user)
    login_user(user)
    session["_user_id"] = identity
    throttle.clear_account(user.email)
    services.record_login(user)
    db.session.commit()


@bp.route("/login/code", methods=["GET", "POST"])
def second_step():
    user = _pending_user()
    if user is None or not user.has_two_factor:
        flash(_("Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    form, recovery = CodeForm(prefix="totp"), RecoveryForm(prefix="recovery")
    submitted = form if form.code.data else (recovery if recovery.recovery_code.data else None)
    if request.method == "POST" and submitted is not None and submitted.validate():
        if throttle.is_blocked(user.email, _address()):
            record("login.throttled", user, summary="second step")
            db.session.commit()
            return _too_many()
        if submitted is form and twofactor.verify(user, form.code.data):
            return _complete_login(user, session.get("pending_next"))
        if submitted is recovery and twofactor.use_recovery_code(user, recovery.recovery_code.data):
            left = twofactor.remaining_recovery_codes(user)
            response = _complete_login(user, session.get("pending_next"))
            # After the login: it starts a fresh session, which would drop a message flashed before.
            flash(_("Sie haben einen Wiederherstellungscode verwendet; noch %(n)s übrig.", n=left), "warning")
            return response
        throttle.record_failure(user.email, _address())
        record("login.failed", user, summary="second step")
        db.session.commit()
        field = form.code if submitted is form else recovery.recovery_code
        field.errors = [_("Der Code stimmt nicht.")]
    return render_template("auth/second_step.html", form=form, recovery=recovery)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def enrol():
    """Enrolment during login, for roles that require two-factor login: scan, type a code, keep the recovery
    codes, and the login is complete."""
    user = _pending_user()
    if user is None:
        flash(_("Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    if user.has_two_factor:
        return redirect(url_for("auth.second_step"))

    def done(_codes):
        next_url = session.get("pending_next")
        _log_in(user)  # a fresh session: where to go after the codes is carried over
        session["after_codes"] = next_url

    return _enrolment(user, "pending_secret", done)


def _enrolment(user: User, secret_key: str, done, **context):
    """Scan and confirm: the new secret waits in the session (under ``secret_key``) until a code from it proves
    the app has it; then ``done(recovery_codes)`` finishes (logs in, or commits) and the codes are shown once."""
    secret = session.get(secret_key) or twofactor.new_secret()
    session[secret_key] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enable(user, secret, form.code.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            session.pop(secret_key, None)
            done(codes)
            session["recovery_codes"] = codes
            return redirect(url_for("auth.recovery_codes"))
    return render_template("auth/enrol.html", form=form, secret=secret, qr=twofactor.qr_code(user, secret), **context)


@bp.route("/profile/recovery-codes")
@login_required
def recovery_codes():
    """The recovery codes, once, right after they were made."""
    codes = session.pop("recovery_codes", None)
    if not codes:
        return redirect(url_for("auth.profile"))
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=safe_next(session.pop("after_codes", None)) or url_for("main.index"))


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def profile_two_factor():
    """Switch two-factor login on from the profile (optional roles, or before it becomes required)."""
    user = current_user._get_current_object()
    if user.has_two_factor:
        return redirect(url_for("auth.profile"))
    return _enrolment(user, "profile_secret", lambda codes: db.session.commit(), from_profile=True)


@bp.route("/profile/two-factor/off", methods=["POST"])
@login_required
def disable_two_factor():
    if EmptyForm().validate_on_submit():
        try:
            twofactor.disable(current_user._get_current_object(), actor=current_user._get_current_object())
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Die Anmeldung in zwei Schritten ist ausgeschaltet."), "info")
    return redirect(url_for("auth.profile"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        record("logout", current_user._get_current_object())
        row = sessions.current()
        if row is not None:
            sessions.end(row, "logout")
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
        recovery_left=twofactor.remaining_recovery_codes(current_user) if current_user.has_two_factor else 0,
        two_factor_required=twofactor.required_for(current_user),
        open_sessions=sessions.open_sessions_of(current_user),
        current_session_id=getattr(sessions.current(), "id", None),
        new_token=session.pop("new_api_token", None),
        **forms,
    )


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(), form.current_password.data,
                                     form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Ihr Passwort ist geändert. Andere Sitzungen wurden beendet."), "success")
            tokens = len(services.tokens_of(current_user))
            if tokens:  # a separate credential: an integration keeps working, unless the user ends it
                flash(ngettext("Ihr API-Schlüssel gilt weiter. Widerrufen Sie ihn unten, falls jemand Ihr altes "
                               "Passwort kannte.", "Ihre %(num)d API-Schlüssel gelten weiter. Widerrufen Sie sie "
                               "unten, falls jemand Ihr altes Passwort kannte.", tokens), "warning")
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
    require_format(fmt)
    rows = _user_list()
    columns, values = read_now(_user_columns(), rows)
    record("user.export", object_type="users", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"benutzer-{today().isoformat()}"
    return export_response(fmt, name, _("Benutzer"), columns, values)


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
        try:
            services.set_password(user, form.password.data, actor=current_user._get_current_object())
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Das Passwort von %(name)s ist neu gesetzt.", name=user.name), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    edit_form = UserEditForm(obj=user, roles=[role.value for role in user.roles])
    return render_template("admin/user_form.html", form=edit_form, user=user, password_form=form), 422


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_factor(user_id):
    """A lost phone: the user enrols again at the next login."""
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit() and user.has_two_factor:
        try:
            twofactor.disable(user, actor=current_user._get_current_object())
        except ValidationFailed as error:  # one's own, where it is required: another admin resets it
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Die Anmeldung in zwei Schritten von %(name)s ist zurückgesetzt.", name=user.name), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))
