from datetime import datetime
from functools import cache

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Bundle, contains_eager, lazyload

from ..attachments import services as files
from ..audit.services import record
from ..auth.decorators import roles_required
from ..auth.models import User, UserRole
from ..auth.roles import Role
from ..clock import today
from ..database import commit_after_reading
from ..errors import DomainError, FieldErrors, ValidationFailed
from ..extensions import db
from ..forms import choices, move_choices, save_form, show_domain_error, submitted_version
from ..i18n import gettext as _
from ..pagination import InvalidCursor, SortKey, keyset_page
from ..reports.exports import Column, export_response, require_format
from ..reports.pdf import pdf_response
from . import bp, reports, services
from .counts import board_sums
from .forms import (
    AcquisitionForm,
    CaseFilterForm,
    HandOverForm,
    InspectionForm,
    NewCaseForm,
    OrderForm,
    OwnershipForm,
    PropertyForm,
    ReferralForm,
    ResolveDefectForm,
    SocialAreaForm,
    TransitionForm,
    UnitForm,
)
from .models import (
    EXITS,
    PIPELINE,
    Acquisition,
    Agency,
    CaseStatus,
    Defect,
    Inspection,
    Order,
    Ownership,
    Priority,
    Property,
    SocialArea,
)
from .permissions import BOARD_ROLES, CASE_ROLES

PAGE_SIZE = 50
# Each sort has an index that gives its order (issue 9; tests/main/test_query_plans.py).
SORTS = {
    # The address key (street, number, postcode; lower case, "str" for "straße") is unique and indexed: the list in
    # address order, and an address search in it, read one index range.
    "address": [SortKey(Property.address_key, kind=str)],
    "status": [SortKey(Property.status_rank), SortKey(Property.street, kind=str), SortKey(Property.id)],
    "priority": [SortKey(Property.priority, descending=True, kind=str), SortKey(Property.id)],
    "updated": [SortKey(Property.updated_at, descending=True, kind=datetime), SortKey(Property.id, descending=True)],
}
SORT_VALUES = {
    "address": lambda p: [p.address_key],
    "status": lambda p: [p.status_rank, p.street, p.id],
    "priority": lambda p: [p.priority.value, p.id],
    "updated": lambda p: [p.updated_at, p.id],
}
# The list's columns (with what each sort continues after): rows, not cases, as a page of fifty cases with their
# social areas costs more to load as entities than to show.
CASE_ROW = Bundle(
    "case", Property.id, Property.street, Property.house_number, Property.postcode, SocialArea.name.label("area"),
    Property.status, Property.priority, Property.condition_rating, Property.is_overcrowded,
    Property.status_changed_at, Property.address_key, Property.status_rank, Property.updated_at)


def get_property_or_404(property_id: int) -> Property:
    prop = db.session.get(Property, property_id)
    if prop is None:
        abort(404)
    return prop


def get_child_or_404(model, child_id: int, prop: Property):
    child = db.session.get(model, child_id)
    if child is None or child.property_id != prop.id:
        abort(404)
    return child


def _area_choices(blank=None, areas=None):
    """The active social areas as a select's choices (``areas``: every area, already read)."""
    active = services.active_social_areas() if areas is None else [area for area in areas if area.is_active]
    return choices(([("", blank)] if blank else []) + [(area.slug, area.name) for area in active])


# --- list, board, export --------------------------------------------------------------------------


def _filtered_cases(form: CaseFilterForm, stmt):
    """``stmt`` (a select of cases or of their list columns, with their social areas joined) narrowed to the
    form's filters."""
    stmt = stmt.where(Property.is_problem_case.is_(True))
    if form.status.data:
        stmt = stmt.where(Property.status == CaseStatus(form.status.data))
    if form.social_area.data:
        stmt = stmt.where(SocialArea.slug == form.social_area.data)
    if form.priority.data:
        stmt = stmt.where(Property.priority == Priority(form.priority.data))
    if form.overcrowded.data:
        stmt = stmt.where(Property.is_overcrowded.is_(True))
    if form.overdue.data:
        stmt = stmt.where(services.overdue_property_ids_clause(today()))
    if form.q.data:
        stmt = stmt.where(services.address_search_clause(form.q.data))
    return stmt


def _filter_form(areas=None) -> CaseFilterForm:
    form = CaseFilterForm(request.args)
    form.social_area.choices = _area_choices(blank=_("alle"), areas=areas)
    if not form.validate():
        for field in (form.status, form.social_area, form.priority, form.sort):
            if field.errors:
                field.data = None
    return form


@bp.route("/cases")
@roles_required(*CASE_ROLES)
def cases():
    form = _filter_form()
    sort = form.sort.data if form.sort.data in SORTS else "address"
    try:
        rows, next_cursor = keyset_page(_filtered_cases(form, select(CASE_ROW).join(Property.social_area)),
                                        SORTS[sort], PAGE_SIZE, request.args.get("after"),
                                        row_values=SORT_VALUES[sort])
    except InvalidCursor:
        abort(400)
    args = {key: value for key, value in request.args.items() if key != "after"}
    next_url = url_for("properties.cases", **args, after=next_cursor) if next_cursor else None
    first_url = url_for("properties.cases", **args) if request.args.get("after") else None
    return render_template("properties/cases.html", form=form, rows=rows, next_url=next_url, first_url=first_url,
                           export_args=args, today=today())


def export_columns() -> list[Column]:
    """Built per request, so the headers speak the user's language."""
    return [
        Column(_("Straße"), lambda p: p.street),
        Column(_("Hausnummer"), lambda p: p.house_number),
        Column(_("PLZ"), lambda p: p.postcode),
        Column(_("Sozialraum"), lambda p: p.social_area.name),
        Column(_("Stand"), lambda p: p.status.label if p.status else ""),
        Column(_("Priorität"), lambda p: p.priority.label),
        Column(_("Zustand"), lambda p: p.condition_rating),
        Column(_("Überbelegt"), lambda p: p.is_overcrowded),
        Column(_("Baujahr"), lambda p: p.year_built),
        Column(_("Wohnfläche (m²)"), lambda p: p.floor_area_m2),
        Column(_("Stand seit"), lambda p: p.status_changed_at),
    ]


@bp.route("/cases/export.<fmt>")
@roles_required(*CASE_ROLES)
def export_cases(fmt):
    require_format(fmt)
    form = _filter_form()
    stmt = _filtered_cases(form, select(Property).join(Property.social_area).options(
        contains_eager(Property.social_area))).order_by(
        Property.street, Property.house_number, Property.id)
    record("property.export", object_type="properties", summary=f"{fmt}: {request.query_string.decode()[:400]}")
    db.session.commit()
    def rows():
        return db.session.scalars(stmt.execution_options(yield_per=1000))

    name = f"faelle-{today().isoformat()}"
    return export_response(fmt, name, _("Fälle"), export_columns(), rows)


@bp.route("/cases/board")
@roles_required(*BOARD_ROLES)
def board():
    """How many cases stand where: by status and social area, and by status and priority, for the city or one
    social area; read from the counts the database keeps (counts.py), not by counting the cases."""
    every_area = services.social_areas()
    form = _filter_form(every_area)
    selected = next((area for area in every_area if area.slug == form.social_area.data), None)
    area_counts, priority_counts = board_sums(selected.id if selected else None)
    totals = {}
    for (status, _area_id), n in area_counts.items():
        totals[status] = totals.get(status, 0) + n
    area_ids = {area_id for _status, area_id in area_counts}
    areas = [selected] if selected else [area for area in every_area if area.id in area_ids]
    # Each cell is (count, link to the cases it counts), made here: the tables have several hundred cells.
    link = url_for("properties.cases") + "?" if current_user.has_role(*CASE_ROLES) else None
    area_query = f"&social_area={selected.slug}" if selected else ""

    def cell(n, query):
        return n, link and n and link + query

    by_area = [(status, [cell(area_counts.get((status, area.id)), f"status={status}&social_area={area.slug}")
                         for area in areas], cell(totals.get(status), f"status={status}"))
               for status in PIPELINE + EXITS]
    priorities = list(reversed(Priority))
    by_priority = [(status, [cell(priority_counts.get((status, priority)),
                                  f"status={status}&priority={priority}{area_query}") for priority in priorities])
                   for status in PIPELINE + EXITS if totals.get(status)]
    return render_template("properties/board.html", form=form, selected_area=selected, areas=areas,
                           by_area=by_area, by_priority=by_priority, priorities=priorities,
                           total=sum(totals.values()))


# --- the case file --------------------------------------------------------------------------------


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_case():
    form = NewCaseForm()
    form.social_area.choices = _area_choices(blank=_("– bitte wählen –"))
    if request.method == "GET":
        form.received_on.data = today()
    def save():
        prop = services.create_property(form.data, actor=current_user)
        services.add_referral(prop, form.data, actor=current_user)
        return prop

    done = save_form(form, save, success=lambda prop: _("Der Fall %(address)s ist angelegt.",
                                                         address=prop.short_address),
                     redirect_to=lambda prop: url_for("properties.detail", property_id=prop.id))
    return done or render_template("properties/case_form.html", form=form, prop=None)


_OWNERSHIPS_OF = select(Ownership).where(Ownership.property_id == bindparam("property_id")).order_by(
    Ownership.registered_on.desc())


@cache
def _projects_of_statement():
    from ..renovation.models import RenovationProject  # the area after this one; imported late to avoid a cycle

    return select(RenovationProject).where(RenovationProject.property_id == bindparam("property_id")).order_by(
        RenovationProject.id).options(lazyload(RenovationProject.supervisors))  # not shown here


@bp.route("/properties/<int:property_id>")
@roles_required(*CASE_ROLES)
def detail(property_id):
    prop = get_property_or_404(property_id)
    transition_form = TransitionForm(version=prop.version)
    transition_form.to.choices = _transition_choices(prop)
    return _detail_page(prop, transition_form)


def _detail_page(prop: Property, transition_form: TransitionForm):
    """The case file, with the status form as given (a refused change comes back with what was chosen)."""
    from ..renovation.services import progress_of  # the area after this one; imported late to avoid a cycle

    records = services.case_records(prop)
    case = {"property_id": prop.id}
    ownerships = list(db.session.scalars(_OWNERSHIPS_OF, case))
    projects = progress_of(list(db.session.scalars(_projects_of_statement(), case)))
    page = render_template(
        "properties/detail.html", prop=prop, units=services.units_of(prop), inspections=records.inspections,
        orders=records.orders, acquisitions=records.acquisitions, ownerships=ownerships, referrals=records.referrals,
        projects=projects, attachments=records.files_by_record(), deadlines=services.deadlines_of(prop),
        timeline=services.timeline(prop, records),
        transition_form=transition_form, today=today(), resolve_form=ResolveDefectForm(),
    )
    # Recorded once the page is made (committing first would expire everything read and read it all again).
    record("property.view", prop)
    commit_after_reading()
    return page


def _transition_choices(prop: Property):
    if prop.status is None or prop.status == CaseStatus.DEMOLISHED:
        return []
    return move_choices(prop, PIPELINE + EXITS)


@bp.route("/properties/<int:property_id>/transition", methods=["POST"])
@roles_required(*CASE_ROLES)
def transition(property_id):
    prop = get_property_or_404(property_id)
    form = TransitionForm()
    form.to.choices = _transition_choices(prop)
    done = save_form(form, lambda: services.transition(prop, form.to.data, actor=current_user,
                                                       reason=form.reason.data, version=submitted_version(form)),
                     success=lambda _move: _("Neuer Stand: %(status)s.", status=prop.status.label),
                     redirect_to=url_for("properties.detail", property_id=prop.id) + "#status")
    # Refused: the case file again, the choice and the reason kept and the message at the field (the form's
    # address ends in #status, so the browser shows the box).
    return done or (_detail_page(prop, form), 422)


@bp.route("/properties/<int:property_id>/edit", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def edit(property_id):
    prop = get_property_or_404(property_id)
    form = PropertyForm(obj=prop, social_area=prop.social_area.slug, priority=prop.priority.value,
                        version=prop.version)
    form.social_area.choices = _area_choices()
    done = save_form(form, lambda: services.update_property(
        prop, form.data, actor=current_user, version=submitted_version(form)),
        success=_("Die Stammdaten sind gespeichert."), redirect_to=url_for("properties.detail", property_id=prop.id))
    return done or render_template("properties/case_form.html", form=form, prop=prop)


# --- units, owners, referrals --------------------------------------------------------------------------


def _simple_form_page(prop, form, template, save, success, **context):
    """GET shows the form; a valid POST calls ``save()``, commits once and returns to the case."""
    done = save_form(form, save, success=success, redirect_to=url_for("properties.detail", property_id=prop.id))
    return done or render_template(template, form=form, prop=prop, **context)


@bp.route("/properties/<int:property_id>/units/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_unit(property_id):
    prop = get_property_or_404(property_id)
    form = UnitForm()
    return _simple_form_page(prop, form, "properties/unit_form.html",
                             lambda: services.add_unit(prop, form.data, actor=current_user),
                             _("Die Wohnung ist angelegt."), unit=None)


@bp.route("/properties/<int:property_id>/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def edit_unit(property_id, unit_id):
    from .models import Unit

    prop = get_property_or_404(property_id)
    unit = get_child_or_404(Unit, unit_id, prop)
    form = UnitForm(obj=unit)
    return _simple_form_page(prop, form, "properties/unit_form.html",
                             lambda: services.update_unit(unit, form.data, actor=current_user),
                             _("Die Wohnung ist gespeichert."), unit=unit)


@bp.route("/properties/<int:property_id>/owners/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_ownership(property_id):
    prop = get_property_or_404(property_id)
    form = OwnershipForm()
    return _simple_form_page(prop, form, "properties/ownership_form.html",
                             lambda: services.add_ownership(prop, form.data, actor=current_user),
                             _("Die Eigentümerangabe ist gespeichert."))


@bp.route("/properties/<int:property_id>/referrals/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_referral(property_id):
    prop = get_property_or_404(property_id)
    form = ReferralForm()
    if request.method == "GET":
        form.received_on.data = today()
    return _simple_form_page(prop, form, "properties/referral_form.html",
                             lambda: services.add_referral(prop, form.data, actor=current_user),
                             _("Die Meldung ist gespeichert."))


# --- inspections ---------------------------------------------------------------------------------------


def _prepare_inspection_form(form: InspectionForm, prop: Property, units):
    officers = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.HOUSING_OFFICER, User.is_active.is_(True))
        .order_by(User.name)).unique().all()
    form.officer_ids.choices = choices((user.id, user.name) for user in officers)
    unit_choices = choices([("", _("ganzes Haus"))] + [(str(unit.id), unit.label) for unit in units])
    for row in form.defects:
        row.form.unit_id.choices = unit_choices


def _stage_uploads(form: InspectionForm, errors: FieldErrors) -> None:
    """Keep every acceptable photo right away (staged), so a rejected one costs only itself."""
    targets = [(form.photos, form.staged)] + [(row.form.photos, row.form.staged) for row in form.defects]
    for field, staged in targets:
        tokens = [token for token in (staged.data or "").split() if token]
        for upload in field.data or []:
            if not upload or not upload.filename:
                continue
            try:
                attachment = files.store(upload, actor=current_user, staged=True, allowed=("image",),
                                         field=field.name)
            except ValidationFailed as error:
                for message in error.fields[field.name]:
                    errors.add(field.name, message)
            else:
                tokens.append(attachment.staging_token)
        staged.data = " ".join(tokens)


@bp.route("/properties/<int:property_id>/inspections/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_inspection(property_id):
    """The on-site screen: rating, persons per unit, defects with photos, in one save."""
    prop = get_property_or_404(property_id)
    units = services.units_of(prop)
    form = InspectionForm()
    if request.method == "POST" and request.form.get("add_defect_row"):
        form.defects.append_entry()
    _prepare_inspection_form(form, prop, units)
    if request.method == "GET":
        form.inspected_on.data = today()
        if current_user.has_role(Role.HOUSING_OFFICER):
            form.officer_ids.data = [current_user.id]
    occupancy_values = {unit.id: request.form.get(f"occupancy-{unit.id}", "") for unit in units}
    extra_errors = {}
    if request.method == "POST":
        upload_errors = FieldErrors()
        _stage_uploads(form, upload_errors)  # also when a row is added: the photos chosen so far are kept
        db.session.commit()  # staged photos survive whatever happens to the rest of this form
        valid = not request.form.get("add_defect_row") and form.validate_on_submit()
        if upload_errors:
            extra_errors = show_domain_error(form, ValidationFailed(
                _("Einige Fotos wurden abgelehnt; alles andere ist noch da."), upload_errors.fields))
        elif valid:
            defect_rows = [entry for entry in form.defects if not entry.form.is_empty()]
            try:
                inspection = services.record_inspection(
                    prop, inspected_on=form.inspected_on.data, condition_rating=form.condition_rating.data,
                    officer_ids=form.officer_ids.data, agencies=form.agencies.data, notes=form.notes.data,
                    occupancy=occupancy_values,
                    defects=[_defect_input(entry) for entry in defect_rows], actor=current_user,
                )
            except DomainError as error:
                db.session.rollback()
                extra_errors = show_domain_error(form, error)
            else:
                _attach_staged(form, inspection, defect_rows, prop)
                db.session.commit()
                flash(_("Die Hauskontrolle ist gespeichert."), "success")
                return redirect(url_for("properties.inspection", property_id=prop.id, inspection_id=inspection.id))
    staged_counts = {field.name: len((field.data or "").split())
                     for field in [form.staged] + [row.form.staged for row in form.defects]}
    return render_template("properties/inspection_form.html", form=form, prop=prop, units=units,
                           occupancy_values=occupancy_values, extra_errors=extra_errors, staged_counts=staged_counts)


def _defect_input(entry) -> services.DefectInput:
    row = entry.form
    return services.DefectInput(
        category=row.category.data or None, severity=row.severity.data or None,
        description=row.description.data or "", deadline=row.deadline.data,
        unit_id=int(row.unit_id.data) if row.unit_id.data else None, field_prefix=f"{entry.name}-",
    )


def _attach_staged(form, inspection, defect_rows, prop):
    files.attach(files.staged_by_tokens((form.staged.data or "").split(), current_user),
                 subject_type="inspection", subject_id=inspection.id, property_id=prop.id, actor=current_user)
    # Defect rows were saved in form order, skipping empty rows.
    for entry, defect in zip(defect_rows, inspection.defects, strict=True):
        files.attach(files.staged_by_tokens((entry.form.staged.data or "").split(), current_user),
                     subject_type="defect", subject_id=defect.id, property_id=prop.id, actor=current_user)


@bp.route("/properties/<int:property_id>/inspections/<int:inspection_id>")
@roles_required(*CASE_ROLES)
def inspection(property_id, inspection_id):
    prop = get_property_or_404(property_id)
    return _inspection_page(prop, get_child_or_404(Inspection, inspection_id, prop))


def _inspection_page(prop: Property, item: Inspection, refused: tuple[int, ResolveDefectForm] | None = None):
    """The inspection with its defects; ``refused``: a defect whose "resolved" date was refused, with its form (the
    date typed and the message at it)."""
    return render_template(
        "properties/inspection.html", prop=prop, inspection=item, today=today(),
        resolve_forms={defect.id: refused[1] if refused and refused[0] == defect.id
                       else ResolveDefectForm(formdata=None, prefix=_resolve_prefix(defect.id), resolved_on=today())
                       for defect in item.defects},
        agency_labels={agency.value: agency.label for agency in Agency},
        photos=files.files_of("inspection", [item.id])[item.id],
        defect_photos=files.files_of("defect", [d.id for d in item.defects]),
    )


def _resolve_prefix(defect_id: int) -> str:
    """Each defect's form names its field on its own ("defect-12-resolved_on"): a label then finds its own input."""
    return f"defect-{defect_id}"


@bp.route("/properties/<int:property_id>/defects/<int:defect_id>/resolve", methods=["POST"])
@roles_required(*CASE_ROLES)
def resolve_defect(property_id, defect_id):
    prop = get_property_or_404(property_id)
    defect = get_child_or_404(Defect, defect_id, prop)
    form = ResolveDefectForm(prefix=_resolve_prefix(defect.id))
    done = save_form(form, lambda: services.resolve_defect(defect, form.resolved_on.data, actor=current_user),
                     success=_("Der Mangel ist als behoben vermerkt."),
                     redirect_to=url_for("properties.inspection", property_id=prop.id,
                                         inspection_id=defect.inspection_id) + f"#defect-{defect.id}")
    return done or (_inspection_page(prop, get_child_or_404(Inspection, defect.inspection_id, prop),
                                     refused=(defect.id, form)), 422)


# --- orders and acquisitions ------------------------------------------------------------------------


def _record_form_page(prop, form, template, save, success, subject_type, item=None):
    """Create or edit an order or acquisition, with documents; all or nothing."""

    def save_with_documents():
        saved = save()
        errors = FieldErrors()
        for upload in form.documents.data or []:
            if upload and upload.filename:
                try:
                    files.store(upload, actor=current_user, property_id=prop.id, subject_type=subject_type,
                                subject_id=saved.id, field="documents")
                except ValidationFailed as error:
                    for message in error.fields["documents"]:
                        errors.add("documents", message)
        errors.raise_if_any(_("Ein Dokument wurde abgelehnt; es wurde nichts gespeichert."))
        return saved

    done = save_form(form, save_with_documents, success=success,
                     redirect_to=url_for("properties.detail", property_id=prop.id))
    if done:
        return done
    existing = files.files_of(subject_type, [item.id])[item.id] if item is not None else []
    return render_template(template, form=form, prop=prop, item=item, existing_files=existing)


@bp.route("/properties/<int:property_id>/orders/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_order(property_id):
    prop = get_property_or_404(property_id)
    form = OrderForm()
    return _record_form_page(prop, form, "properties/order_form.html",
                             lambda: services.create_order(prop, form.data, actor=current_user),
                             _("Die Anordnung ist gespeichert."), "order")


@bp.route("/properties/<int:property_id>/orders/<int:order_id>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def edit_order(property_id, order_id):
    prop = get_property_or_404(property_id)
    order = get_child_or_404(Order, order_id, prop)
    form = OrderForm(obj=order, type=order.type.value, status=order.status.value)
    return _record_form_page(prop, form, "properties/order_form.html",
                             lambda: services.update_order(order, form.data, actor=current_user),
                             _("Die Anordnung ist gespeichert."), "order", item=order)


@bp.route("/properties/<int:property_id>/acquisitions/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_acquisition(property_id):
    prop = get_property_or_404(property_id)
    form = AcquisitionForm()
    return _record_form_page(prop, form, "properties/acquisition_form.html",
                             lambda: services.create_acquisition(prop, form.data, actor=current_user),
                             _("Der Erwerbsvorgang ist gespeichert."), "acquisition")


@bp.route("/properties/<int:property_id>/acquisitions/<int:acquisition_id>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def edit_acquisition(property_id, acquisition_id):
    prop = get_property_or_404(property_id)
    acquisition = get_child_or_404(Acquisition, acquisition_id, prop)
    form = AcquisitionForm(obj=acquisition, method=acquisition.method.value, buyer=acquisition.buyer.value,
                           transfer_type=acquisition.transfer_type.value if acquisition.transfer_type else "")
    return _record_form_page(prop, form, "properties/acquisition_form.html",
                             lambda: services.update_acquisition(acquisition, form.data, actor=current_user),
                             _("Der Erwerbsvorgang ist gespeichert."), "acquisition", item=acquisition)



# --- hand-over to Viertelwerk -----------------------------------------------------------------------


@bp.route("/properties/<int:property_id>/hand-over", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def hand_over(property_id):
    """Hand the acquired building to Viertelwerk as a renovation project."""
    from ..renovation.services import hand_over as create_project

    prop = get_property_or_404(property_id)
    form = HandOverForm()
    if request.method == "GET":
        form.starts_on.data = today()
    return _simple_form_page(prop, form, "properties/hand_over_form.html",
                             lambda: create_project(prop, form.data, actor=current_user),
                             _("Das Sanierungsprojekt ist angelegt; Viertelwerk kann beginnen."))


# --- the admin's list of social areas -------------------------------------------------------------


@bp.route("/admin/social-areas", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def social_areas():
    form = SocialAreaForm()
    if form.validate_on_submit():
        try:
            services.save_social_area(None, form.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Der Sozialraum ist angelegt."), "success")
            return redirect(url_for("properties.social_areas"))
    areas = db.session.scalars(select(SocialArea).order_by(SocialArea.district, SocialArea.name)).all()
    return render_template("properties/social_areas.html", areas=areas, form=form)


@bp.route("/admin/social-areas/<int:area_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_social_area(area_id):
    area = db.session.get(SocialArea, area_id) or abort(404)
    form = SocialAreaForm(obj=area)
    if form.validate_on_submit():
        try:
            services.save_social_area(area, form.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Der Sozialraum ist gespeichert."), "success")
            return redirect(url_for("properties.social_areas"))
    return render_template("properties/social_area_form.html", area=area, form=form)


# --- documents --------------------------------------------------------------------------------------------


@bp.route("/properties/<int:property_id>/dossier.pdf")
@roles_required(*CASE_ROLES)
def dossier(property_id):
    prop = get_property_or_404(property_id)
    data = reports.dossier_pdf(prop)
    record("property.dossier", prop)
    db.session.commit()
    return pdf_response(data, f"fallakte-{prop.id}.pdf")


@bp.route("/properties/<int:property_id>/inspections/<int:inspection_id>/protocol.pdf")
@roles_required(*CASE_ROLES)
def protocol(property_id, inspection_id):
    prop = get_property_or_404(property_id)
    item = get_child_or_404(Inspection, inspection_id, prop)
    data = reports.inspection_protocol_pdf(prop, item)
    record("inspection.protocol", item)
    db.session.commit()
    return pdf_response(data, f"protokoll-{prop.id}-{item.inspected_on.isoformat()}.pdf")
