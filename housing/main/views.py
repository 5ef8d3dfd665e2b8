from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import today
from ..extensions import db
from ..forms import EmptyForm
from ..security import safe_next
from . import bp
from .registry import ADMIN_SECTIONS, panels_for


@bp.route("/")
@login_required
def index():
    return render_template("main/index.html", panels=panels_for(current_user, today()), today=today())


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; stored on the user when logged in, else in the session."""
    language = request.form.get("language")
    if EmptyForm().validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.route("/admin/")
@roles_required(Role.ADMIN)
def admin():
    """The administration's entry page: the sections an admin looks after."""
    return render_template("main/admin.html", sections=ADMIN_SECTIONS)
