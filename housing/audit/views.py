from datetime import datetime, time, timedelta

from flask import render_template, request, url_for
from sqlalchemy import select

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import LOCAL_TZ, today
from ..database import MAX_ID
from ..extensions import db
from ..i18n import gettext as _
from ..reports.exports import Column, export_response, require_format
from . import bp
from .forms import AuditFilterForm
from .models import AuditEvent
from .services import record

PAGE_SIZE = 50


def filtered_events(form: AuditFilterForm):
    """The log as the filter form selects it (all of it when the form does not validate)."""
    stmt = select(AuditEvent)
    if form.validate():
        if form.action.data:
            stmt = stmt.where(AuditEvent.action.startswith(form.action.data.strip()))
        if form.actor.data:
            stmt = stmt.where(AuditEvent.actor_label == form.actor.data.strip().lower())
        if form.object_type.data:
            stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
        if form.object_id.data:
            stmt = stmt.where(AuditEvent.object_id == form.object_id.data.strip())
        if form.date_from.data:
            stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(form.date_from.data, time(), LOCAL_TZ))
        if form.date_to.data:
            end = datetime.combine(form.date_to.data + timedelta(days=1), time(), LOCAL_TZ)
            stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


@bp.route("/")
@roles_required(Role.ADMIN)
def events():
    """Newest first, filtered; paged by id so deep pages cost the same as the first."""
    form = AuditFilterForm(request.args)
    stmt = filtered_events(form)
    before = request.args.get("before", type=int)
    if before and 0 < before <= MAX_ID:
        stmt = stmt.where(AuditEvent.id < before)
    rows = list(db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        args = request.args.to_dict()
        args["before"] = rows[-1].id
        next_url = url_for("audit.events", **args)
    export_args = {key: value for key, value in request.args.items() if key != "before"}
    return render_template("audit/events.html", events=rows, form=form, next_url=next_url, export_args=export_args)


def _changes_text(changes) -> str:
    return "; ".join(f"{key}: {audit_change(value)}" for key, value in (changes or {}).items())


def _event_columns() -> list[Column]:
    system = _("System")
    return [Column(_("Zeitpunkt"), lambda e: e.occurred_at), Column(_("Wer"), lambda e: e.actor_label or system),
            Column(_("Aktion"), lambda e: e.action), Column(_("Datensatzart"), lambda e: e.object_type),
            Column(_("Datensatz-Nr."), lambda e: e.object_id), Column(_("Details"), lambda e: e.summary),
            Column(_("Änderungen"), lambda e: _changes_text(e.changes)),
            Column(_("IP-Adresse"), lambda e: e.ip_address)]


@bp.route("/export.<fmt>")
@roles_required(Role.ADMIN)
def export_events(fmt):
    """The whole filtered log (not just one page), newest first; the export is itself an audit entry."""
    require_format(fmt)
    stmt = filtered_events(AuditFilterForm(request.args)).order_by(AuditEvent.id.desc())
    record("audit.export", object_type="audit_events", summary=f"{fmt}: {request.query_string.decode()[:400]}")
    db.session.commit()

    def rows():
        return db.session.scalars(stmt.execution_options(yield_per=1000))

    name = f"audit-log-{today().isoformat()}"
    return export_response(fmt, name, _("Audit-Log"), _event_columns(), rows)


@bp.app_template_filter("audit_change")
def audit_change(value) -> str:
    """``[old, new]`` as "old → new" (just "new" for a creation); lists joined by commas."""

    def show(item) -> str:
        if item is None:
            return "–"
        if isinstance(item, list):
            return ", ".join(str(part) for part in item)
        return str(item)

    if isinstance(value, list) and len(value) == 2:
        old, new = value
        return show(new) if old is None else f"{show(old)} → {show(new)}"
    return show(value)
