"""The programme report's page, and the progress page and download of every document built in the background."""

from datetime import date

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from ..audit.services import record
from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import today
from ..errors import FieldErrors, ValidationFailed
from ..extensions import db
from ..forms import show_domain_error
from ..i18n import gettext as _
from ..reports.pdf import de_date
from . import bp
from .forms import PeriodForm
from .services import build_for, builds_of, file_of, start

MAX_PERIOD_DAYS = 10 * 366


def build_programme_report(params: dict, out, progress) -> None:
    from ..reports.programme import programme_report

    programme_report(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]), out, progress)


def validate_period(start: date, end: date) -> None:
    errors = FieldErrors()
    if end < start:
        errors.add("end", _("Das Ende liegt vor dem Beginn."))
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors.add("end", _("Der Zeitraum darf höchstens zehn Jahre umfassen."))
    if end > today():
        errors.add("end", _("Der Zeitraum darf nicht in der Zukunft enden."))
    errors.raise_if_any()


@bp.route("/programme", methods=["GET", "POST"])
@roles_required(Role.MANAGEMENT, Role.ADMIN)
def programme():
    """Pick a period; the report is built in the background while a progress page shows how far it is."""
    form = PeriodForm()
    if request.method == "GET":
        current = today()
        form.start.data = form.start.data or date(current.year, 1, 1)
        form.end.data = form.end.data or current
    if form.validate_on_submit():
        try:
            validate_period(form.start.data, form.end.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            period = f"{de_date(form.start.data)} – {de_date(form.end.data)}"
            build = start("programme", {"start": form.start.data.isoformat(), "end": form.end.data.isoformat()},
                          title=_("Programmbericht %(period)s", period=period),
                          download_name=f"programmbericht-{form.start.data:%Y%m%d}-{form.end.data:%Y%m%d}.pdf",
                          actor=current_user)
            return redirect(url_for("documents.status", build_id=build.id))
    return render_template("documents/programme.html", form=form, builds=builds_of(current_user))


@bp.route("/<int:build_id>")
@login_required
def status(build_id):
    build = build_for(current_user, build_id)
    if build is None:
        abort(404)
    return render_template("documents/status.html", build=build)


@bp.route("/<int:build_id>/download")
@login_required
def download(build_id):
    build = build_for(current_user, build_id)
    path = file_of(build) if build else None
    if path is None:
        abort(404)
    record("document.download", build, summary=build.kind)
    db.session.commit()
    response = send_file(path, mimetype="application/pdf", download_name=build.download_name, as_attachment=False,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
