"""The administration's upload page: a list in, a report out. The file lives only in this request's memory."""

from flask import current_app, render_template
from flask_login import current_user

from ..auth.decorators import roles_required
from ..auth.roles import Role
from ..extensions import db
from ..i18n import gettext as _
from . import bp
from .forms import ImportForm
from .kinds import KINDS
from .services import run_import

SHOWN_PROBLEMS = 500


@bp.route("/admin/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def upload():
    """Check a list and import it (all or nothing), or only check it (dry run); show the report."""
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("Die Datei ist größer als %(mb)s MB; bitte in mehrere Dateien teilen.",
                                      mb=limit // (1024 * 1024)))
            status = 422
        else:
            report = run_import(form.kind.data, data, actor=current_user, dry_run=form.dry_run.data)
            db.session.commit()  # the audit entry; the rows only if every one passed
        del data
    elif form.is_submitted():
        status = 422
    return render_template("imports/upload.html", form=form, report=report, kinds=KINDS,
                           shown_problems=SHOWN_PROBLEMS), status
