
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import today
from ..errors import DomainError
from ..extensions import db
from ..forms import show_domain_error
from ..i18n import gettext as _
from ..i18n import parse_decimal
from . import bp, services
from .forms import RuleVersionForm, SettingsForm
from .registry import DEFINITIONS


def _overview(forms=None):
    from ..placement.permissions import CASELOAD_ONLY

    settings_form = SettingsForm(advisor_caseload_only=bool(services.setting(CASELOAD_ONLY, False)))
    rows = [
        {"definition": definition, "current": services.rule_value(key), "versions": services.versions(key),
         "form": (forms or {}).get(key) or RuleVersionForm(prefix=key, valid_from=today())}
        for key, definition in DEFINITIONS.items()
    ]
    return render_template("rules/index.html", rows=rows, settings_form=settings_form)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return _overview()


@bp.route("/settings", methods=["POST"])
@roles_required(Role.ADMIN)
def settings():
    from ..placement.permissions import CASELOAD_ONLY

    form = SettingsForm()
    if form.validate_on_submit():
        services.set_setting(CASELOAD_ONLY, bool(form.advisor_caseload_only.data), actor=current_user)
        db.session.commit()
        flash(_("Die Einstellungen sind gespeichert."), "success")
    return redirect(url_for("rules.index"))


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


@bp.route("/kdu", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def kdu():
    """The KdU table: today's values, every version, and a form to enter a newly published one."""
    from ..placement.forms import KduVersionForm

    form = KduVersionForm()
    rows_in = [{"persons": request.form.get(f"rows-{n}-persons", n + 1),
                "max_gross_cold_rent": _decimal(request.form.get(f"rows-{n}-max_gross_cold_rent")),
                "max_area_m2": _decimal(request.form.get(f"rows-{n}-max_area_m2"))} for n in range(8)]
    errors = {}
    if form.validate_on_submit():
        try:
            services.add_kdu_version(form.valid_from.data, rows_in, actor=current_user, note=form.note.data)
        except DomainError as error:
            db.session.rollback()
            errors = show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Die neue KdU-Tabelle ist gespeichert."), "success")
            return redirect(url_for("rules.kdu"))
    current = services.kdu_table(today())
    history = [(day, services.kdu_table(day)) for day in services.kdu_versions()]
    return render_template("rules/kdu.html", form=form, current=current, history=history, rows_in=rows_in,
                           errors=errors), (422 if errors or form.errors else 200)


def _decimal(text):
    """A number as typed here ("1.234,50" or "1234.50"); what is no number stays text, for the service to refuse
    and the form to show again as typed."""
    if text in (None, ""):
        return None
    try:
        return parse_decimal(text)
    except (ArithmeticError, ValueError):  # decimal's InvalidOperation, Overflow ("1e999999999")
        return text
