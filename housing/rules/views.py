from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import today
from ..errors import DomainError
from ..extensions import db
from ..forms import show_domain_error
from . import bp, services
from .forms import RuleVersionForm
from .registry import DEFINITIONS


def _overview(forms=None):
    rows = [
        {"definition": definition, "current": services.rule_value(key), "versions": services.versions(key),
         "form": (forms or {}).get(key) or RuleVersionForm(prefix=key, valid_from=today())}
        for key, definition in DEFINITIONS.items()
    ]
    return render_template("rules/index.html", rows=rows)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return _overview()


@bp.route("/<key>", methods=["POST"])
@roles_required(Role.ADMIN)
def add_version(key):
    if key not in DEFINITIONS:
        abort(404)
    form = RuleVersionForm(prefix=key)
    if form.validate_on_submit():
        try:
            services.add_version(key, form.valid_from.data, form.value.data, actor=current_user, note=form.note.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Der neue Wert ist gespeichert."), "success")
            return redirect(url_for("rules.index"))
    return _overview({key: form}), 422
