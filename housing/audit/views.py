from datetime import datetime, time, timedelta

from flask import render_template, request, url_for
from sqlalchemy import select

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import LOCAL_TZ
from ..extensions import db
from . import bp
from .forms import AuditFilterForm
from .models import AuditEvent

PAGE_SIZE = 50


@bp.route("/")
@roles_required(Role.ADMIN)
def events():
    """Newest first, filtered; paged by id so deep pages cost the same as the first."""
    form = AuditFilterForm(request.args)
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
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    rows = list(db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        args = request.args.to_dict()
        args["before"] = rows[-1].id
        next_url = url_for("audit.events", **args)
    return render_template("audit/events.html", events=rows, form=form, next_url=next_url)


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
