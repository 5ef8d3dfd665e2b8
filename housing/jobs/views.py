"""The inbox (every user) and the jobs page (admins)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import gettext as _
from ..i18n import ngettext
from ..security import safe_next
from . import bp
from .notifications import inbox_of, mark_all_read, mark_read, notification_of
from .registry import JOBS
from .runner import last_runs, run_by_hand


@bp.route("/inbox")
@login_required
def inbox():
    return render_template("jobs/inbox.html", notifications=inbox_of(current_user), form=EmptyForm())


@bp.route("/inbox/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id):
    """Mark as read and go to what it is about."""
    form = EmptyForm()
    notification = notification_of(current_user, notification_id)
    if notification is None or not form.validate_on_submit():
        abort(404)
    mark_read(notification)
    db.session.commit()
    return redirect(safe_next(notification.link) or url_for("jobs.inbox"))


@bp.route("/inbox/read", methods=["POST"])
@login_required
def read_all():
    if EmptyForm().validate_on_submit():
        count = mark_all_read(current_user)
        db.session.commit()
        flash(_("%(n)s Nachrichten als gelesen markiert.", n=count), "success")
    return redirect(url_for("jobs.inbox"))


@bp.route("/admin/jobs")
@roles_required(Role.ADMIN)
def admin_jobs():
    jobs = sorted(JOBS.values(), key=lambda job: (job.schedule.get("hour", 0), job.schedule.get("minute", 0)))
    return render_template("jobs/admin.html", jobs=jobs, runs=last_runs(), form=EmptyForm())


@bp.route("/admin/jobs/<name>/run", methods=["POST"])
@roles_required(Role.ADMIN)
def run_now(name):
    if name not in JOBS or not EmptyForm().validate_on_submit():
        abort(404)
    run = run_by_hand(name)
    if run.status == "succeeded":
        flash(_("„%(job)s“ ausgeführt: %(messages)s. %(summary)s", job=JOBS[name].label,
                messages=ngettext("%(num)d neue Nachricht", "%(num)d neue Nachrichten", run.notifications),
                summary=run.summary or ""), "success")
    else:
        flash(_("„%(job)s“ ist fehlgeschlagen; Einzelheiten stehen in der Liste.", job=JOBS[name].label), "error")
    return redirect(url_for("jobs.admin_jobs"))
