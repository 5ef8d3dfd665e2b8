from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from ..audit.services import record
from ..auth.decorators import roles_required
from ..auth.models import User, UserRole
from ..auth.roles import Role
from ..clock import today
from ..database import MAX_ID, commit_after_reading
from ..errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, choices, save_form, show_domain_error, submitted_version
from ..i18n import fmt_month, fmt_plain
from ..i18n import gettext as _
from ..pagination import InvalidCursor, SortKey, keyset_page
from ..reports.exports import EXPORT_FORMATS, Column, export_response, read_now, require_format
from ..reports.pdf import pdf_response
from . import bp, hours, participants, reports, services, sheet
from .forms import MaterialCostForm, ParticipantForm, ProjectForm, QualificationForm, UnlockForm, WorkPackageForm
from .models import MaterialCost, Participant, RenovationProject, WorkPackage
from .permissions import CREW_ROLES, PROGRESS_ROLES, can_view_project


def get_project_or_404(project_id: int, *, crew: bool = False, packages: bool = True,
                       building: bool = False) -> RenovationProject:
    """Load a project; with ``crew`` only for those who run it (its supervisors and admins). Its supervisors come in
    the same query, without their roles (only the user's own are asked, read with the login); its work packages
    with a second one unless ``packages`` is false, its building with ``building`` (else each only when touched)."""
    options = [joinedload(RenovationProject.supervisors).options(lazyload(User.role_links))]
    if not packages:
        options.append(lazyload(RenovationProject.work_packages))
    if not building:
        options.append(lazyload(RenovationProject.building))
    project = db.session.get(RenovationProject, project_id, options=options)
    if project is None:
        abort(404)
    if crew and not project.can_record_hours(current_user):
        abort(404)
    return project


def get_participant_or_404(participant_id: int, *options) -> Participant:
    """Need-to-know: another crew's participant does not exist for this user. ``options``: how to load the person
    (``participants.FOR_HOURS`` for the hours only)."""
    participant = db.session.get(Participant, participant_id, options=options)
    if participant is None or not participant.can_be_seen_by(current_user):
        abort(404)
    return participant


def _month_or_404(text: str):
    try:
        return hours.parse_month(text)
    except DomainError:
        abort(404)


# --- projects ------------------------------------------------------------------------------------------


def _project_rows():
    """The list's rows: the user's projects (``services.projects_for``) with their progress."""
    return services.progress_of(services.projects_for(current_user))


@bp.route("/projects")
@roles_required(*PROGRESS_ROLES)
def projects():
    return render_template("renovation/projects.html", rows=_project_rows())


def _project_columns() -> list[Column]:
    """Built per request, so the headers speak the user's language."""
    return [Column(_("Projekt"), lambda p: p.project.name),
            Column(_("Gebäude"), lambda p: p.project.building.short_address),
            Column(_("Stand"), lambda p: p.project.status.label),
            Column(_("Beginn"), lambda p: p.project.starts_on),
            Column(_("Geplantes Ende"), lambda p: p.project.planned_end_on),
            Column(_("Abgeschlossen am"), lambda p: p.project.completed_on),
            Column(_("Anleitung"), lambda p: ", ".join(s.name for s in p.project.supervisors)),
            Column(_("Geplante Stunden"), lambda p: p.planned_hours),
            Column(_("Geleistete Stunden"), lambda p: p.booked_hours),
            Column(_("Stunden gegen Plan (%)"), lambda p: p.share(p.booked_hours, p.planned_hours)),
            Column(_("Lohnkosten (€)"), lambda p: p.labour_cost),
            Column(_("Lohnbudget (€)"), lambda p: p.project.labour_budget),
            Column(_("Material (€)"), lambda p: p.material_cost),
            Column(_("Materialbudget (€)"), lambda p: p.project.material_budget),
            Column(_("Material gegen Budget (%)"), lambda p: p.share(p.material_cost, p.project.material_budget))]


@bp.route("/projects/export.<fmt>")
@roles_required(*PROGRESS_ROLES)
def export_projects(fmt):
    """The project list with hours and money against plan, as the list shows it to this user; audited."""
    require_format(fmt)
    rows = _project_rows()
    columns, values = read_now(_project_columns(), rows)
    record("project.export", object_type="renovation_projects", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"viertelwerk-projekte-{today().isoformat()}"
    return export_response(fmt, name, _("Projekte"), columns, values)


@bp.route("/projects/<int:project_id>")
@roles_required(*PROGRESS_ROLES)
def project(project_id):
    project = get_project_or_404(project_id, building=True)
    if not can_view_project(current_user, project):
        abort(404)
    crew_visible = project.can_record_hours(current_user)
    crew = participants.crew_of(current_user, project) if crew_visible else []
    costs = db.session.scalars(select(MaterialCost).where(MaterialCost.project_id == project.id)
                               .order_by(MaterialCost.booked_on.desc())).all()
    cost_form = MaterialCostForm(booked_on=today())
    cost_form.work_package_id.choices = _package_choices(project, blank=_("ganzes Projekt"))
    return render_template("renovation/project.html", project=project, progress=services.progress(project),
                           crew=crew, crew_visible=crew_visible, costs=costs, cost_form=cost_form, today=today(),
                           approval_month=hours.month_to_approve(today()))


def _package_choices(project, blank=None):
    pairs = [(str(p.id), p.title) for p in project.work_packages]
    return choices(([("", blank)] if blank else []) + pairs)


def _supervisor_choices():
    users = db.session.scalars(select(User).join(UserRole).where(UserRole.role == Role.SUPERVISOR,
                                                                 User.is_active.is_(True)).order_by(User.name))
    return choices((user.id, user.name) for user in users.unique())


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def edit_project(project_id):
    project = get_project_or_404(project_id, crew=True)
    form = ProjectForm(obj=project, status=project.status.value,
                       supervisor_ids=[u.id for u in project.supervisors] if request.method == "GET" else None)
    form.supervisor_ids.choices = _supervisor_choices()
    if form.validate_on_submit():
        data = dict(form.data)
        if not current_user.has_role(Role.ADMIN):
            data.pop("supervisor_ids")  # only an admin staffs a project
        try:
            services.update_project(project, data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Das Projekt ist gespeichert."), "success")
            return redirect(url_for("renovation.project", project_id=project.id))
    return render_template("renovation/project_form.html", project=project, form=form)


@bp.route("/projects/<int:project_id>/packages/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/packages/<int:package_id>", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def work_package(project_id, package_id=None):
    project = get_project_or_404(project_id, crew=True)
    package = None
    if package_id is not None:
        package = db.session.get(WorkPackage, package_id)
        if package is None or package.project_id != project.id:
            abort(404)
    form = WorkPackageForm(obj=package)
    done = save_form(form, lambda: services.save_work_package(project, package, form.data, actor=current_user),
                     success=_("Das Arbeitspaket ist gespeichert."),
                     redirect_to=url_for("renovation.project", project_id=project.id))
    return done or render_template("renovation/package_form.html", project=project, package=package, form=form)


@bp.route("/projects/<int:project_id>/materials", methods=["POST"])
@roles_required(*CREW_ROLES)
def add_material(project_id):
    project = get_project_or_404(project_id, crew=True)
    form = MaterialCostForm()
    form.work_package_id.choices = _package_choices(project, blank="")
    if form.validate_on_submit():
        try:
            services.add_material_cost(project, form.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(" ".join([error.message] + [m for ms in error.fields.values() for m in ms]), "error")
        else:
            db.session.commit()
            flash(_("Die Materialkosten sind gebucht."), "success")
    else:
        flash(_("Bitte Datum, Material und Betrag angeben."), "error")
    return redirect(url_for("renovation.project", project_id=project.id) + "#materials")


# --- the crew sheet ------------------------------------------------------------------------------------


@bp.route("/projects/<int:project_id>/sheet", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def crew_sheet(project_id):
    """A supervisor enters the whole crew for a day or a week in one form."""
    project = get_project_or_404(project_id, crew=True)
    period = sheet.Period.parse(request.values.get("week"), request.values.get("day"), today())
    form = request.form if request.method == "POST" else None
    fill = request.form.get("fill") if form else None
    rows = sheet.build(project, current_user, period, form)
    if fill:  # "usual hours" for one row: filled in, not saved yet
        for row in rows:
            if str(row.participant.id) == fill:
                for cell in row.cells:
                    if not cell.value and not cell.locked and not cell.outside and cell.day <= today():
                        cell.value = fmt_plain(row.participant.daily_hours)
                flash(_("Regelzeit für %(name)s eingetragen, aber noch nicht gespeichert: bitte „Alles speichern“.",
                        name=row.participant.name), "info")
    elif form is not None and EmptyForm().validate_on_submit():
        saved, rejected = sheet.save(rows, actor=current_user)
        db.session.commit()
        if not rejected:
            flash(ngettext("Gespeichert: %(num)d Eintrag.", "Gespeichert: %(num)d Einträge.", saved) if saved
                  else _("Es gab nichts zu speichern."), "success")
            return redirect(url_for("renovation.crew_sheet", project_id=project.id, **{period.param: period.value}))
        flash(_("%(saved)s Einträge gespeichert, %(rejected)s abgelehnt – die abgelehnten Felder sind markiert.",
                saved=saved, rejected=rejected), "warning")
        rows = _keep_typed(rows, sheet.build(project, current_user, period, form))
    return render_template("renovation/sheet.html", project=project, period=period, rows=rows, today=today(),
                           package_choices=_package_choices(project), form=EmptyForm(), sheet_total=sheet.total)


def _keep_typed(saved_rows, fresh_rows):
    """After a save: fresh entries for accepted cells, the typed text and reason for rejected ones."""
    for old, new in zip(saved_rows, fresh_rows, strict=True):
        for old_cell, new_cell in zip(old.cells, new.cells, strict=True):
            new_cell.status, new_cell.message = old_cell.status, old_cell.message
            if old_cell.status != "rejected":  # saved or untouched: show what is stored now
                stored = sheet._display(new_cell.entry, new.participant.daily_hours) if new_cell.entry else ""
                new_cell.value = new_cell.original = stored
    return fresh_rows


@bp.route("/projects/<int:project_id>/months/<month>", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def crew_month(project_id, month):
    """The crew's month at a glance: hours and approval per person; approve every open month at once."""
    project = get_project_or_404(project_id, crew=True, packages=False)
    first = _month_or_404(month)
    crew = participants.crew_of(current_user, project, first, hours.month_end(first))
    if request.method == "POST" and EmptyForm().validate_on_submit():
        approved = 0
        already = {pid for pid, _month in hours.locked_months_of([person.id for person in crew], first, first)}
        for person in crew:
            if person.id not in already:
                try:
                    with db.session.begin_nested():
                        hours.approve_month(person, first, actor=current_user)
                        approved += 1
                except DomainError as error:
                    flash(f"{person.name}: {error.message}", "error")
        db.session.commit()
        flash(ngettext("%(num)d Monat freigegeben und gesperrt.", "%(num)d Monate freigegeben und gesperrt.",
                       approved), "success")
        return redirect(url_for("renovation.crew_month", project_id=project.id, month=month))
    rates = participants.attendance(crew, first, hours.month_end(first))
    locked = {pid for pid, _month in hours.locked_months_of([person.id for person in crew], first, first)}
    return render_template("renovation/crew_month.html", project=project, first=first, rates=rates, locked=locked,
                           month_title=fmt_month(first), form=EmptyForm(), today=today(),
                           approvable_from=hours.last_working_day(first),
                           previous=hours.month_start(first - timedelta(days=1)),
                           following=hours.month_end(first) + timedelta(days=1))


# --- participants -------------------------------------------------------------------------------------


# The participant list: fifty a page by name (the order of ix_participants_name), continued after the last row's.
PAGE_SIZE = 50
PARTICIPANT_ORDER = [SortKey(Participant.last_name, kind=str), SortKey(Participant.first_name, kind=str),
                     SortKey(Participant.id)]


@bp.route("/participants")
@roles_required(*CREW_ROLES)
def participant_list():
    try:
        rows, next_cursor = keyset_page(
            participants.visible_to(current_user, select(Participant)).options(*participants.AS_LISTED),
            PARTICIPANT_ORDER, PAGE_SIZE, request.args.get("after"))
    except InvalidCursor:
        abort(400)
    page = render_template("renovation/participants.html", rows=rows, today=today(),
                           next_url=url_for("renovation.participant_list", after=next_cursor) if next_cursor else None,
                           first_url=url_for("renovation.participant_list") if request.args.get("after") else None)
    record("participant.list", object_type="participants", summary=str(len(rows)))
    db.session.commit()  # after rendering: the commit expires every row read
    return page


def _participant_columns() -> list[Column]:
    """What the list shows, no more: contact and social data stay on the participant's page."""
    return [Column(_("Nachname"), lambda p: p.last_name), Column(_("Vorname"), lambda p: p.first_name),
            Column(_("Projekt"), lambda p: p.project.name),
            Column(_("Förderung"), lambda p: p.funding_basis.label),
            Column(_("Beginn der Maßnahme"), lambda p: p.starts_on),
            Column(_("Ende der Maßnahme"), lambda p: p.ends_on),
            Column(_("Wochenstunden"), lambda p: p.weekly_hours),
            Column(_("Unterweisung am"), lambda p: p.safety_briefing_on)]


@bp.route("/participants/export.<fmt>")
@roles_required(*CREW_ROLES)
def export_participants(fmt):
    """Need-to-know as on the list: a supervisor exports the crews of their own projects only; audited."""
    require_format(fmt)
    rows = participants.participants_for(current_user)
    columns, values = read_now(_participant_columns(), rows)
    record("participant.export", object_type="participants", summary=f"list {fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"viertelwerk-teilnehmende-{today().isoformat()}"
    return export_response(fmt, name, _("Teilnehmende"), columns, values)


def _participant_form(participant=None):
    form = ParticipantForm(obj=participant, funding_basis=participant.funding_basis.value if participant else None,
                           project_id=str(participant.project_id) if participant else None,
                           default_work_package_id=str(participant.default_work_package_id or "") if participant
                           else None, version=participant.version if participant else None)
    own = services.projects_for(current_user) if current_user.has_role(Role.ADMIN) else [
        p for p in services.projects_for(current_user) if p.can_record_hours(current_user)]
    form.project_id.choices = choices([(str(p.id), p.name) for p in own])
    form.default_work_package_id.choices = choices(
        [("", _("– keins –"))] + [(str(wp.id), f"{p.name}: {wp.title}") for p in own for wp in p.work_packages])
    return form


@bp.route("/participants/new", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def new_participant():
    form = _participant_form()
    done = save_form(form, lambda: participants.create_participant(form.data, actor=current_user),
                     success=lambda person: _("%(name)s ist angelegt.", name=person.name),
                     redirect_to=lambda person: url_for("renovation.participant", participant_id=person.id))
    return done or render_template("renovation/participant_form.html", form=form, participant=None)


@bp.route("/participants/<int:participant_id>", methods=["GET", "POST"])
@roles_required(*CREW_ROLES)
def participant(participant_id):
    person = get_participant_or_404(participant_id)
    form = _participant_form(person)
    del form.safety_briefing_on
    if form.validate_on_submit():
        try:
            participants.update_participant(person, form.data, actor=current_user,
                                            version=submitted_version(form))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Die Angaben sind gespeichert."), "success")
            return redirect(url_for("renovation.participant", participant_id=person.id))
    page = render_template("renovation/participant.html", participant=person, form=form,
                           qualification_form=QualificationForm(), months=_recent_months(person), today=today())
    if request.method == "GET":
        record("participant.view", person)
        commit_after_reading()  # after rendering
    return page


def _recent_months(person):
    first = hours.month_start(today())
    result = []
    for _i in range(6):
        if first < hours.month_start(person.starts_on):
            break
        result.append(first)
        first = hours.month_start(first - timedelta(days=1))
    locked = hours.locked_months(person.id, result[-1], result[0]) if result else set()
    return [(month, month in locked) for month in result]


@bp.route("/participants/<int:participant_id>/qualifications", methods=["POST"])
@roles_required(*CREW_ROLES)
def add_qualification(participant_id):
    person = get_participant_or_404(participant_id)
    form = QualificationForm()
    if form.validate_on_submit():
        try:
            participants.add_qualification(person, form.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(" ".join([error.message] + [m for ms in error.fields.values() for m in ms]), "error")
        else:
            db.session.commit()
            flash(_("Die Qualifikation ist eingetragen."), "success")
    else:
        flash(_("Bitte Art und Datum angeben."), "error")
    return redirect(url_for("renovation.participant", participant_id=person.id) + "#qualifications")


# --- months -------------------------------------------------------------------------------------------


@bp.route("/participants/<int:participant_id>/months/<month>")
@roles_required(*CREW_ROLES)
def month(participant_id, month):
    person = get_participant_or_404(participant_id, *participants.FOR_HOURS)
    first = _month_or_404(month)
    entries = hours.month_entries(person, first)
    locked = first in hours.locked_months(person.id, first, first)
    rate = participants.attendance_from(person, entries, first, hours.month_end(first))
    page = render_template("renovation/month.html", participant=person, first=first, entries=entries,
                           locked=locked, rate=rate, approve_form=EmptyForm(), unlock_form=UnlockForm(),
                           month_title=fmt_month(first), today=today(),
                           approvable_from=hours.approvable_from(person, first))
    record("participant.month_view", person, summary=month)
    db.session.commit()  # after rendering: the commit expires every entry read
    return page


@bp.route("/participants/<int:participant_id>/months/<month>/approve", methods=["POST"])
@roles_required(*CREW_ROLES)
def approve_month(participant_id, month):
    person = get_participant_or_404(participant_id)
    first = _month_or_404(month)
    if EmptyForm().validate_on_submit():
        try:
            hours.approve_month(person, first, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Der Monat %(month)s ist freigegeben und gesperrt.", month=fmt_month(first)), "success")
    return redirect(url_for("renovation.month", participant_id=person.id, month=month))


@bp.route("/participants/<int:participant_id>/months/<month>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def unlock_month(participant_id, month):
    person = get_participant_or_404(participant_id)
    first = _month_or_404(month)
    form = UnlockForm()
    try:
        hours.unlock_month(person, first, form.reason.data if form.validate_on_submit() else "", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(" ".join([error.message] + [m for ms in error.fields.values() for m in ms]), "error")
    else:
        db.session.commit()
        flash(_("Der Monat ist wieder offen."), "success")
    return redirect(url_for("renovation.month", participant_id=person.id, month=month))


@bp.route("/participants/<int:participant_id>/months/<month>/timesheet.pdf")
@roles_required(*CREW_ROLES)
def timesheet(participant_id, month):
    person = get_participant_or_404(participant_id)
    first = _month_or_404(month)
    pdf = reports.timesheet_pdf(person, first)
    record("participant.timesheet", person, summary=month)
    db.session.commit()
    return pdf_response(pdf, f"stundennachweis-{month}-{person.id}.pdf")


# --- reports ---------------------------------------------------------------------------------------------


@bp.route("/reports")
@roles_required(*PROGRESS_ROLES)
def report():
    """Hours against plan per project (per work package for one chosen project), attendance; personal rows only for
    the crew's own people. The exports are complete: every package, every building."""
    first, last = reports.default_period(today())
    try:
        first = date.fromisoformat(request.args["from"]) if request.args.get("from") else first
        last = date.fromisoformat(request.args["to"]) if request.args.get("to") else last
    except ValueError:
        flash(_("Bitte Daten im Format JJJJ-MM-TT angeben."), "error")
    if first > last:  # an empty table without a word would look like a year without work
        flash(_("„Von“ liegt nach „Bis“; gezeigt sind die beiden Tage in der richtigen Reihenfolge."), "warning")
        first, last = last, first
    fmt = request.args.get("format")
    if fmt in EXPORT_FORMATS:
        table = request.args.get("table")  # named in the file name: only a known one
        return _export(table if table in ("projects", "attendance", "buildings") else "packages", fmt, first, last)
    chosen = None
    if request.args.get("project"):
        project_id = request.args.get("project", type=int)
        if project_id is None or not 0 < project_id <= MAX_ID:
            abort(404)
        chosen = get_project_or_404(project_id, packages=False)
        if not can_view_project(current_user, chosen):
            abort(404)
    if chosen is None:
        projects, packages = reports.project_hours(current_user, first, last), []
    else:
        projects, packages = [], reports.package_hours(current_user, first, last, project_id=chosen.id)
    rates = _attendance(first, last, chosen.id if chosen else None)
    return render_template("renovation/reports.html", projects=projects, packages=packages, chosen=chosen,
                           rates=rates, first=first, last=last)


def _attendance(first, last, project_id=None):
    """Attendance of the crew's own people (none for officers and management)."""
    if not current_user.has_role(*CREW_ROLES):
        return []
    return participants.attendance(participants.crew_between(current_user, first, last, project_id), first, last)


def _export(which, fmt, first, last):
    if which == "attendance":
        rows = _attendance(first, last)
        columns = [Column(_("Nachname"), lambda a: a.participant.last_name),
                   Column(_("Vorname"), lambda a: a.participant.first_name),
                   Column(_("Projekt"), lambda a: a.participant.project.name),
                   Column(_("Anwesend (Std.)"), lambda a: a.present_hours),
                   Column(_("Abwesend (Std.)"), lambda a: a.absent_hours),
                   Column(_("Vertraglich (Std.)"), lambda a: a.contracted_hours),
                   Column(_("Anwesenheitsquote (%)"), lambda a: a.rate)]
        if rows:
            record("participant.export", object_type="participants", summary=f"attendance {fmt}")
        else:  # no personal rows for this user: the package table instead, as before
            which = "packages"
    if which == "projects":
        rows = reports.project_hours(current_user, first, last)
        columns = [Column(_("Projekt"), lambda r: r.project_name), Column(_("Gebäude"), lambda r: r.address),
                   Column(_("Geplante Stunden"), lambda r: r.planned_hours),
                   Column(_("Geleistete Stunden"), lambda r: r.booked), Column(_("Anteil (%)"), lambda r: r.share),
                   Column(_("Personen"), lambda r: r.people)]
    elif which == "buildings":
        rows = reports.building_hours(current_user, first, last)
        columns = [Column(_("Gebäude"), lambda r: r.address), Column(_("Stunden"), lambda r: r.hours),
                   Column(_("Personen"), lambda r: r.people)]
    elif which == "packages":
        rows = reports.package_hours(current_user, first, last)
        columns = [Column(_("Projekt"), lambda r: r.project_name), Column(_("Gewerk"), lambda r: r.trade),
                   Column(_("Beschreibung"), lambda r: r.description),
                   Column(_("Geplante Stunden"), lambda r: r.planned_hours),
                   Column(_("Geleistete Stunden"), lambda r: r.booked), Column(_("Anteil (%)"), lambda r: r.share)]
    columns, values = read_now(columns, rows)
    db.session.commit()
    name = f"viertelwerk-{which}-{today().isoformat()}"
    return export_response(fmt, name, _("Auswertung"), columns, values)


@bp.route("/months/<month>/timesheets", methods=["POST"])
@roles_required(*CREW_ROLES)
def month_timesheets(month):
    """Every timesheet of a month in one PDF, for one project or all the user runs, built in the background."""
    from ..documents.services import start

    first = _month_or_404(month)
    if not EmptyForm().validate_on_submit():
        abort(400)
    project_id = request.form.get("project_id", type=int)
    if project_id:
        if not 0 < project_id <= MAX_ID:
            abort(404)
        projects = [get_project_or_404(project_id, crew=True)]
    else:
        projects = [project for project in services.projects_for(current_user)
                    if project.can_record_hours(current_user)]
    if not projects:
        abort(404)
    month_title = fmt_month(first)
    title = (_("Stundennachweise %(month)s – %(project)s", month=month_title, project=projects[0].name)
             if len(projects) == 1 else _("Stundennachweise %(month)s – alle Projekte", month=month_title))
    build = start("timesheets", {"month": month, "project_ids": [project.id for project in projects]}, title=title,
                  download_name=f"stundennachweise-{month}.pdf", actor=current_user)
    return redirect(url_for("documents.status", build_id=build.id))


def build_month_timesheets(params: dict, out, progress) -> None:
    reports.month_timesheets(params["project_ids"], hours.parse_month(params["month"]), out, progress)
