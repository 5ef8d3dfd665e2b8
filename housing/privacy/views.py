import json
from datetime import timedelta

from flask import Response, current_app, render_template, request
from flask_login import current_user

from ..audit.services import record
from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..clock import today
from ..extensions import db
from ..jobs.housekeeping import RETENTION_TASKS
from ..reports.pdf import pdf_response
from . import bp
from . import retention as retention_rules
from .forms import RetentionPreviewForm, SubjectSearchForm
from .reports import subject_access_pdf
from .subjects import KINDS, as_json, collect, get_subject_or_404, search

PREVIEW_ROWS = 200  # record references listed per class; the count is always complete
SLUG_OF_TYPE = {kind.record_type: slug for slug, kind in KINDS.items()}


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def subjects():
    """Find the person a request is about: by name or record number, per record class."""
    form = SubjectSearchForm()
    hits = None
    if form.validate_on_submit():
        hits = search(form.kind.data, form.query.data)
        # The search term is a name: it stays out of the log, like out of the URL.
        record("privacy.search", object_type=KINDS[form.kind.data].record_type, summary=f"{len(hits)} hits")
        db.session.commit()
    return render_template("privacy/subjects.html", form=form, hits=hits)


@bp.route("/<kind>/<int:subject_id>")
@roles_required(Role.ADMIN)
def subject(kind, subject_id):
    """What the export will hold, in numbers, and the two downloads."""
    kind, person = get_subject_or_404(kind, subject_id)
    access = collect(kind, person)
    record("privacy.subject_view", person)
    db.session.commit()
    return render_template("privacy/subject.html", kind=kind, person=person, access=access)


def _export(kind, subject_id, fmt):
    kind, person = get_subject_or_404(kind, subject_id)
    # Recorded first, so the export lists itself among the disclosures.
    record("privacy.subject_access", person, summary=fmt)
    db.session.flush()
    access = collect(kind, person)
    db.session.commit()
    return kind, access


@bp.route("/<kind>/<int:subject_id>/auskunft.pdf")
@roles_required(Role.ADMIN)
def subject_pdf(kind, subject_id):
    kind, access = _export(kind, subject_id, "pdf")
    data = subject_access_pdf(access, issuer=current_app.config.get("ORGANISATION_NAME"))
    return pdf_response(data, f"auskunft-{kind.slug}-{access.subject_id}-{today().isoformat()}.pdf")


@bp.route("/<kind>/<int:subject_id>/auskunft.json")
@roles_required(Role.ADMIN)
def subject_json(kind, subject_id):
    kind, access = _export(kind, subject_id, "json")
    body = json.dumps(as_json(access, generated_by=current_user.email), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="auskunft-{kind.slug}-{access.subject_id}-{today().isoformat()}.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/retention")
@roles_required(Role.ADMIN)
def retention():
    """What the nightly run would anonymise or delete on a day (tomorrow unless chosen), changing nothing."""
    form = RetentionPreviewForm(request.args)
    on = form.on.data if form.validate() and form.on.data else today() + timedelta(days=1)
    form.on.data = on
    classes = retention_rules.preview(on)
    known = {item.retention_class.key for item in classes}
    others = [label for name, label, _task in RETENTION_TASKS if name not in known]
    return render_template("privacy/retention.html", form=form, on=on, classes=classes, others=others,
                           shown=PREVIEW_ROWS, kind_of=SLUG_OF_TYPE, kinds=KINDS)
