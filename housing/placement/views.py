from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Bundle, joinedload, raiseload

from ..audit.services import record
from ..auth.decorators import roles_required
from ..auth.models import User
from ..auth.roles import Role
from ..clock import today
from ..database import MAX_ID, commit_after_reading
from ..errors import DomainError
from ..extensions import db
from ..forms import EmptyForm, choices, move_choices, run_action, save_form, show_domain_error, submitted_version
from ..i18n import gettext as _
from ..pagination import InvalidCursor, SortKey, encode_cursor, keyset_page
from ..properties.models import Property, SocialArea, Unit
from ..properties.services import active_social_areas
from ..properties.views import get_property_or_404
from ..reports.exports import Column, export_response, read_now, require_format
from ..reports.pdf import pdf_response
from . import bp, matching, overview, reports, services
from .counts import households_by_status
from .forms import (
    ApplicantForm,
    ConsentForm,
    HealthNoteForm,
    LandlordForm,
    OfferStatusForm,
    ResolveCaseForm,
    StatusForm,
    SupportCaseForm,
    SupportContactForm,
    VacancyForm,
    VacancyTermsForm,
)
from .models import (
    APPLICANT_FLOW,
    OFFER_MOVES,
    SIDE_EXITS,
    Applicant,
    ApplicantStatus,
    Consent,
    HealthNoteBasis,
    Landlord,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportContact,
    SupportTopic,
    Tenancy,
    Vacancy,
    VacancyStatus,
)
from .permissions import (
    CASEWORK_ROLES,
    FLAT_ROLES,
    OVERVIEW_ROLES,
    can_see_health_note,
    may_see_applicant,
    own_caseload_of,
    within_caseload,
)

PAGE_SIZE = 50
# Matches are shown ten at a time, each explained rule by rule; the ranking offers fifty in all, as one page did.
MATCH_PAGE = 10
MATCH_RANKS = 50


def _match_page(endpoint: str, **values):
    """The page of matches asked for (1 to 5) and its ranking's slice: (skip, limit, pager urls for the page with
    ``more`` matches after it). The next page's link needs to know whether there is one: one match more is read."""
    pages = MATCH_RANKS // MATCH_PAGE
    number = min(max(request.args.get("page", 1, type=int), 1), pages)
    args = {key: value for key, value in request.args.items() if key != "page"}

    def urls(more: bool) -> dict:
        return {"next_url": url_for(endpoint, **values, **args, page=number + 1) if more and number < pages else None,
                "prev_url": url_for(endpoint, **values, **args, page=number - 1) if number > 2 else None,
                "first_url": url_for(endpoint, **values, **args) if number > 1 else None}

    return (number - 1) * MATCH_PAGE, MATCH_PAGE + 1, urls


def _load(model, object_id, options=()):
    """The record, or 404; a household (or its consent, offer, tenancy) outside the user's caseload is 404 too."""
    obj = db.session.get(model, object_id, options=options)
    if obj is None:
        abort(404)
    applicant = obj if isinstance(obj, Applicant) else getattr(obj, "applicant", None)
    if isinstance(applicant, Applicant) and not may_see_applicant(current_user, applicant):
        abort(404)
    return obj


# A flat's page and its candidates need its building (the address, the social area, whether it was acquired): read
# with the flat and its unit, not in a query of its own.
WITH_BUILDING = (joinedload(Vacancy.unit).joinedload(Unit.building),)


def _area_choices():
    return choices((area.slug, area.name) for area in active_social_areas())


def _officer_may_see(vacancy: Vacancy) -> bool:
    """Housing officers see the flats of problem-case buildings (the acquired ones), not landlords' stock."""
    return current_user.has_role(*CASEWORK_ROLES) or vacancy.unit.building.is_problem_case


# --- households ----------------------------------------------------------------------------------------


@bp.route("/households")
@roles_required(*CASEWORK_ROLES)
def households():
    """The advisor's caseload (or everyone's), most urgent and longest waiting first."""
    mine, status, statuses = _household_filters()
    try:
        rows, next_cursor = _list_page(
            ("households", mine, statuses[0] if statuses else None),
            lambda: _household_rows(_caseload(mine, statuses)), HOUSEHOLD_ORDER, {"advisor_id": current_user.id})
    except InvalidCursor:
        abort(400)
    args = {key: value for key, value in request.args.items() if key != "after"}
    limited = own_caseload_of(current_user) is not None
    counts = households_by_status(current_user.id if limited else None)  # kept by the database, not counted here
    page = render_template("placement/households.html", rows=rows, mine=mine, status=status, counts=counts,
                           statuses=list(ApplicantStatus), today=today(), limited=limited, export_args=args,
                           next_url=url_for("placement.households", **args, after=next_cursor) if next_cursor else None,
                           first_url=url_for("placement.households", **args) if request.args.get("after") else None)
    record("applicant.list", object_type="applicants", summary=f"{len(rows)} rows")
    db.session.commit()  # after rendering: the commit expires every row read
    return page


# The lists' pages (50 rows each, continued after the last row's sort values) in the order of their indexes.
HOUSEHOLD_ORDER = [SortKey(Applicant.urgency_rank, descending=True), SortKey(Applicant.registered_on, kind=date),
                   SortKey(Applicant.id)]
FLAT_ORDER = [SortKey(Vacancy.available_from, kind=date), SortKey(Vacancy.id)]


def _household_rows(stmt):
    """The list's columns of the households ``stmt`` selects, with their advisor's name: rows, not households (a
    page of fifty households with their advisors costs more to load than to show)."""
    return stmt.with_only_columns(Bundle(
        "household", Applicant.id, Applicant.last_name, Applicant.first_name, Applicant.interpreter_needed,
        Applicant.status, Applicant.urgency, Applicant.urgency_rank, (Applicant.adults + Applicant.children).label(
            "persons"), Applicant.housing_situation, Applicant.registered_on, User.name.label("advisor_name"),
    )).outerjoin(User, User.id == Applicant.advisor_id)


def _list_page(key: tuple, build, order: list[SortKey], params: dict):
    """``keyset_page`` of the statement ``build()`` makes for ``key`` (its per-request values bound from ``params``):
    built once per key, and for the first page, the one asked for most, ordered and limited once too, rather than
    built and keyed for SQLAlchemy's statement cache on every request."""
    found = _LIST_STATEMENTS.get(key)
    if found is None:
        base = build()
        found = _LIST_STATEMENTS[key] = (base, base.order_by(
            *[sort.column.desc() if sort.descending else sort.column.asc() for sort in order]).limit(PAGE_SIZE + 1))
    base, first_page = found
    cursor = request.args.get("after")
    if cursor:
        return keyset_page(base.params(**params), order, PAGE_SIZE, cursor)
    rows = db.session.scalars(first_page, params).all()
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    return rows, encode_cursor([getattr(rows[-1], sort.column.key) for sort in order])


_LIST_STATEMENTS: dict[tuple, tuple] = {}  # a few dozen: by list, status and whose (the key's values are checked)


def _caseload(mine: bool, statuses: list | None):
    """The list's households (as services.caseload selects them): the advisor's own (``advisor_id`` bound per
    request) or everyone's, of the statuses asked for."""
    stmt = select(Applicant)
    if mine:
        stmt = stmt.where(Applicant.advisor_id == bindparam("advisor_id"))
    if statuses:
        stmt = stmt.where(Applicant.status.in_(statuses))
    return stmt


def _household_filters():
    """The caseload filters of the list and its export: own households (always, when the admin limited advisors
    to their caseload) or everyone's, and a status (the one asked for, and as a list of the valid one or None)."""
    mine = request.args.get("all") != "1" or own_caseload_of(current_user) is not None
    status = request.args.get("status")
    statuses = [ApplicantStatus(status)] if status in {s.value for s in ApplicantStatus} else None
    return mine, status, statuses


def _household_list():
    """The list's households for the export."""
    mine, status, statuses = _household_filters()
    # The list shows neither consents nor areas: none of them is loaded (and touching one would fail a test).
    stmt = services.caseload(current_user, statuses=statuses, everyone=not mine).options(
        raiseload(Applicant.consents), raiseload(Applicant.preferred_areas), raiseload(Applicant.excluded_areas))
    return mine, status, stmt


def _applicant_form(applicant=None, formdata=None):
    kwargs = {}
    if applicant is not None and formdata is None:
        kwargs = dict(preferred_areas=[a.slug for a in applicant.preferred_areas],
                      excluded_areas=[a.slug for a in applicant.excluded_areas],
                      languages=", ".join(applicant.languages or []), version=applicant.version,
                      housing_situation=applicant.housing_situation.value if applicant.housing_situation else "",
                      income_source=applicant.income_source.value if applicant.income_source else "",
                      urgency=applicant.urgency.value)
    form = ApplicantForm(formdata=formdata, obj=applicant, **kwargs) if formdata is not None or applicant \
        else ApplicantForm()
    form.preferred_areas.choices = form.excluded_areas.choices = _area_choices()
    return form


@bp.route("/households/new", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def new_household():
    form = _applicant_form()
    if request.method == "GET":
        form.registered_on.data = today()
    done = save_form(form, lambda: services.create_applicant(form.data, actor=current_user),
                     success=lambda applicant: _("Der Haushalt %(name)s ist aufgenommen.", name=applicant.name),
                     redirect_to=lambda applicant: url_for("placement.household", applicant_id=applicant.id))
    return done or render_template("placement/household_form.html", form=form, applicant=None)


@bp.route("/households/<int:applicant_id>/edit", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def edit_household(applicant_id):
    applicant = _load(Applicant, applicant_id)
    form = _applicant_form(applicant, request.form if request.method == "POST" else None)
    done = save_form(form, lambda: services.update_applicant(
        applicant, form.data, actor=current_user, version=submitted_version(form)),
        success=_("Die Angaben sind gespeichert."),
        redirect_to=url_for("placement.household", applicant_id=applicant.id))
    return done or render_template("placement/household_form.html", form=form, applicant=applicant)


def _status_choices(applicant: Applicant):
    return move_choices(applicant, APPLICANT_FLOW + SIDE_EXITS + [ApplicantStatus.AT_RISK])


# The household page's statements, built once and bound per request. The household comes with its consents and
# its advisor (whose name it shows, not their roles); its areas are read apart, both kinds in one query.
_HOUSEHOLD = (select(Applicant).where(Applicant.id == bindparam("applicant_id"))
              .options(joinedload(Applicant.advisor).lazyload(User.role_links), joinedload(Applicant.consents),
                       raiseload(Applicant.preferred_areas), raiseload(Applicant.excluded_areas)))
# Its offers and tenancies as the columns the page shows (rows, not offers with flats, units and buildings).
_HOUSEHOLD_OFFERS = (select(Offer.id, Offer.status, Offer.status_changed_at, Property.street, Property.house_number,
                            Unit.label, Unit.area_m2, Unit.rooms, SocialArea.name.label("area_name"))
                     .join(Vacancy, Vacancy.id == Offer.vacancy_id).join(Unit, Unit.id == Vacancy.unit_id)
                     .join(Property, Property.id == Unit.property_id)
                     .join(SocialArea, SocialArea.id == Property.social_area_id)
                     .where(Offer.applicant_id == bindparam("applicant_id")).order_by(Offer.created_at.desc()))
_HOUSEHOLD_TENANCIES = (select(Tenancy.id, Tenancy.starts_on, Tenancy.net_cold_rent, Property.street,
                               Property.house_number, Unit.label)
                        .join(Unit, Unit.id == Tenancy.unit_id).join(Property, Property.id == Unit.property_id)
                        .where(Tenancy.applicant_id == bindparam("applicant_id")).order_by(Tenancy.starts_on.desc()))


@bp.route("/households/<int:applicant_id>")
@roles_required(*CASEWORK_ROLES)
def household(applicant_id):
    return _household_page(applicant_id)


def _household_page(applicant_id: int, *, status_form: StatusForm | None = None,
                    consent_form: ConsentForm | None = None):
    """The household's page; a refused status change or consent comes back in its form, as typed, with the
    message at the field."""
    applicant = db.session.execute(_HOUSEHOLD, {"applicant_id": applicant_id}).unique().scalar_one_or_none()
    if applicant is None or not may_see_applicant(current_user, applicant):
        abort(404)
    areas = matching.AreaChoices.of(applicant.id)
    near = request.args.get("near") == "1"
    skip, limit, pager = _match_page("placement.household", applicant_id=applicant.id)
    flats = matching.vacancies_for(applicant, near_misses=near, limit=limit, skip=skip, areas=areas) \
        if applicant.status in (ApplicantStatus.SEARCHING, ApplicantStatus.OFFER) else []
    pager_urls, flats = pager(len(flats) > MATCH_PAGE), flats[:MATCH_PAGE]
    offers = db.session.execute(_HOUSEHOLD_OFFERS, {"applicant_id": applicant.id}).all()
    tenancies = db.session.execute(_HOUSEHOLD_TENANCIES, {"applicant_id": applicant.id}).all()
    # The page's forms are drawn with the page's CSRF field (the same token), not each with one of its own.
    drawn = {"csrf": False}
    if status_form is None:
        status_form = StatusForm(version=applicant.version, meta=drawn)
    status_form.to.choices = _status_choices(applicant)
    page = render_template("placement/household.html", applicant=applicant, flats=flats, near=near, offers=offers,
                           pager_urls=pager_urls, tenancies=tenancies, status_form=status_form,
                           consent_form=consent_form or ConsentForm(given_on=today(), meta=drawn), today=today(),
                           preferred_areas=[name for _id, name in areas.preferred],
                           excluded_areas=[name for _id, name in areas.excluded],
                           health_form=_health_note_form(applicant, drawn)
                           if can_see_health_note(current_user, applicant) else None)
    record("applicant.view", applicant)
    commit_after_reading()  # after rendering
    return page


@bp.route("/households/<int:applicant_id>/status", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def household_status(applicant_id):
    applicant = _load(Applicant, applicant_id)
    form = StatusForm()
    form.to.choices = _status_choices(applicant)
    done = save_form(form, lambda: services.transition_applicant(
        applicant, form.to.data, actor=current_user, reason=form.reason.data, version=submitted_version(form)),
        success=lambda _moved: _("Neuer Stand: %(status)s.", status=applicant.status.label),
        redirect_to=url_for("placement.household", applicant_id=applicant.id))
    return done or (_household_page(applicant.id, status_form=form), 422)


@bp.route("/households/<int:applicant_id>/health-note", methods=["POST"])
@roles_required(Role.TENANT_ADVISOR)
def health_note(applicant_id):
    applicant = _load(Applicant, applicant_id)
    if not can_see_health_note(current_user, applicant):
        abort(404)
    form = _health_note_form(applicant)
    if form.validate_on_submit():
        run_action(lambda: services.set_health_note(applicant, form.health_note.data, form.health_note_basis.data,
                                                    actor=current_user),
                   _("Die gesundheitlichen Angaben sind gespeichert."))
    return redirect(url_for("placement.household", applicant_id=applicant.id) + "#health")


def _health_note_form(applicant, meta=None):
    form = HealthNoteForm(obj=applicant, meta=meta)
    form.health_note_basis.choices = choices([("", _("– bitte wählen –"))] + HealthNoteBasis.choices())
    return form


@bp.route("/households/<int:applicant_id>/consents", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def add_consent(applicant_id):
    applicant = _load(Applicant, applicant_id)
    form = ConsentForm()
    done = save_form(form, lambda: services.add_consent(applicant, form.data, actor=current_user),
                     success=_("Die Einwilligung ist eingetragen."),
                     redirect_to=url_for("placement.household", applicant_id=applicant.id) + "#consents")
    return done or (_household_page(applicant.id, consent_form=form), 422)


@bp.route("/consents/<int:consent_id>/revoke", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def revoke_consent(consent_id):
    consent = _load(Consent, consent_id)
    if EmptyForm().validate_on_submit():
        run_action(lambda: services.revoke_consent(consent, actor=current_user), _("Die Einwilligung ist widerrufen."))
    return redirect(url_for("placement.household", applicant_id=consent.applicant_id) + "#consents")


# --- landlords -----------------------------------------------------------------------------------------


def _landlord_list():
    """The landlords by name, with their open flats and open support cases counted per landlord id."""
    rows = db.session.scalars(select(Landlord).order_by(Landlord.name)).all()
    open_cases = dict(db.session.execute(select(LandlordSupportCase.landlord_id, func.count()).where(
        LandlordSupportCase.resolved_on.is_(None)).group_by(LandlordSupportCase.landlord_id)).all())
    flats = dict(db.session.execute(select(Vacancy.landlord_id, func.count()).where(
        Vacancy.status == VacancyStatus.OPEN).group_by(Vacancy.landlord_id)).all())
    return rows, open_cases, flats


@bp.route("/landlords")
@roles_required(*CASEWORK_ROLES)
def landlords():
    rows, open_cases, flats = _landlord_list()
    return render_template("placement/landlords.html", rows=rows, open_cases=open_cases, flats=flats)


@bp.route("/landlords/new", methods=["GET", "POST"])
@bp.route("/landlords/<int:landlord_id>/edit", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def landlord_form(landlord_id=None):
    landlord = _load(Landlord, landlord_id) if landlord_id else None
    form = LandlordForm(obj=landlord, kind=landlord.kind.value if landlord else None)
    done = save_form(form, lambda: services.save_landlord(landlord, form.data, actor=current_user),
                     success=_("Gespeichert."),
                     redirect_to=lambda saved: url_for("placement.landlord", landlord_id=saved.id))
    return done or render_template("placement/landlord_form.html", form=form, landlord=landlord)


@bp.route("/landlords/<int:landlord_id>", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def landlord(landlord_id):
    landlord = _load(Landlord, landlord_id)
    tenancies = db.session.scalars(within_caseload(select(Tenancy).join(Vacancy, Vacancy.id == Tenancy.vacancy_id)
                                                   .where(Vacancy.landlord_id == landlord.id), current_user,
                                                   Tenancy.applicant_id)).all()
    form = SupportCaseForm(opened_on=today())
    form.tenancy_id.choices = choices([("", _("– keins –"))] + [
        (str(t.id), f"{t.unit.building.short_address}, {t.unit.label}: {t.applicant.name}") for t in tenancies])
    done = save_form(form, lambda: services.open_support_case(landlord, form.data, actor=current_user),
                     success=_("Der Unterstützungsfall ist angelegt."),
                     redirect_to=url_for("placement.landlord", landlord_id=landlord.id))
    if done:
        return done
    vacancies = db.session.scalars(select(Vacancy).where(Vacancy.landlord_id == landlord.id)
                                   .order_by(Vacancy.available_from.desc())).all()
    cases = db.session.scalars(select(LandlordSupportCase).where(LandlordSupportCase.landlord_id == landlord.id)
                               .order_by(LandlordSupportCase.opened_on.desc())).all()
    return render_template("placement/landlord.html", landlord=landlord, vacancies=vacancies, cases=cases,
                           form=form, resolve_form=ResolveCaseForm(resolved_on=today()))


@bp.route("/support-cases/<int:case_id>/resolve", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def resolve_case(case_id):
    case_ = _load(LandlordSupportCase, case_id)
    form = ResolveCaseForm()
    if form.validate_on_submit():
        run_action(lambda: services.resolve_support_case(case_, form.data, actor=current_user),
                   _("Der Fall ist geklärt."))
    else:
        flash(_("Bitte Datum und Ergebnis angeben."), "error")
    return redirect(url_for("placement.landlord", landlord_id=case_.landlord_id))


# --- flats on offer ---------------------------------------------------------------------------------------


@bp.route("/flats")
@roles_required(*FLAT_ROLES)
def flats():
    status = request.args.get("status") or VacancyStatus.OPEN.value
    try:
        rows, next_cursor = _list_page(
            ("flats", status if status in {s.value for s in VacancyStatus} else None,
             current_user.has_role(*CASEWORK_ROLES)), lambda: _flat_rows(status), FLAT_ORDER, {})
    except InvalidCursor:
        abort(400)
    args = {key: value for key, value in request.args.items() if key != "after"}
    return render_template("placement/flats.html", rows=rows, status=status, statuses=list(VacancyStatus),
                           next_url=url_for("placement.flats", **args, after=next_cursor) if next_cursor else None,
                           first_url=url_for("placement.flats", **args) if request.args.get("after") else None)


def _flat_rows(status: str):
    """The page's flats (the list's filters, as the export's) as the columns it shows, with their unit's,
    building's, area's and landlord's: rows, not flats with units, buildings and landlords."""
    stmt = select(Bundle(
        "flat", Vacancy.id, Property.street, Property.house_number, Unit.label, Vacancy.rent_capped, Unit.step_free,
        SocialArea.name.label("area_name"), Unit.area_m2, Unit.rooms, Vacancy.net_cold_rent, Vacancy.service_charges,
        Vacancy.available_from, Landlord.name.label("landlord_name"), Vacancy.status,
    )).join(Unit, Unit.id == Vacancy.unit_id).join(Property, Property.id == Unit.property_id).join(
        SocialArea, SocialArea.id == Property.social_area_id).join(Landlord, Landlord.id == Vacancy.landlord_id)
    return stmt.where(*_flat_filter(status))


def _flat_filter(status: str) -> list:
    """The list's conditions: the status asked for; housing officers see the flats of acquired buildings only
    (on ``Property``, which the statement joins)."""
    conditions = []
    if status in {s.value for s in VacancyStatus}:
        conditions.append(Vacancy.status == VacancyStatus(status))
    if not current_user.has_role(*CASEWORK_ROLES):
        conditions.append(Property.is_problem_case.is_(True))
    return conditions


def _flat_list():
    """The flats the user may see with the list's status filter, for the export."""
    status = request.args.get("status") or VacancyStatus.OPEN.value
    stmt = select(Vacancy).options(joinedload(Vacancy.unit).joinedload(Unit.building)).order_by(
        Vacancy.available_from, Vacancy.id).join(Unit, Unit.id == Vacancy.unit_id).join(
        Property, Property.id == Unit.property_id)
    return status, stmt.where(*_flat_filter(status))


@bp.route("/flats/new", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def new_flat():
    form = VacancyForm()
    form.landlord_id.choices = _landlord_choices()
    form.social_area.choices = choices([("", _("– bitte wählen –"))] + [
        (a.slug, a.name) for a in active_social_areas()])
    if request.method == "GET":
        form.available_from.data = today()
        form.postcode.data = "44147"
    done = save_form(form, lambda: services.offer_flat(form.data, actor=current_user),
                     success=_("Die Wohnung ist im Angebot."),
                     redirect_to=lambda vacancy: url_for("placement.flat", vacancy_id=vacancy.id))
    return done or render_template("placement/flat_form.html", form=form)


def _landlord_choices():
    return choices([("", _("– bitte wählen –"))] + [
        (str(owner.id), owner.name) for owner in db.session.scalars(select(Landlord).order_by(Landlord.name))])


@bp.route("/flats/<int:vacancy_id>/edit", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def edit_flat(vacancy_id):
    """Correct an offer's terms (rent, from when, landlord); the flat's own size and floor belong to the unit."""
    vacancy = _load(Vacancy, vacancy_id)
    form = VacancyTermsForm(obj=vacancy, landlord_id=str(vacancy.landlord_id), version=vacancy.version)
    form.landlord_id.choices = _landlord_choices()
    done = save_form(form, lambda: services.update_vacancy(vacancy, form.data, actor=current_user,
                                                          version=submitted_version(form)),
                     success=_("Das Angebot ist geändert."),
                     redirect_to=url_for("placement.flat", vacancy_id=vacancy.id))
    return done or render_template("placement/flat_edit.html", form=form, vacancy=vacancy)


@bp.route("/flats/<int:vacancy_id>/withdraw", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def withdraw_flat(vacancy_id):
    """Take a flat off the market (let elsewhere, the landlord changed their mind); its open offers end with it."""
    vacancy = _load(Vacancy, vacancy_id)
    if EmptyForm().validate_on_submit():
        reason = (request.form.get("reason") or "").strip()[:500] or None
        run_action(lambda: services.update_vacancy(vacancy, {"status": VacancyStatus.WITHDRAWN.value,
                                                             "reason": reason}, actor=current_user),
                   _("Die Wohnung ist zurückgezogen; offene Angebote sind beendet."))
    return redirect(url_for("placement.flat", vacancy_id=vacancy.id))


# A flat's page: the flat with its unit, building (and its social area) and landlord in one statement; its offers'
# columns with their households' names, everyone's or one advisor's. Built once, bound per request.
_FLAT = select(Vacancy).where(Vacancy.id == bindparam("vacancy_id")).options(*WITH_BUILDING)
_FLAT_OFFERS = (select(Offer.id, Offer.status, Offer.status_changed_at, Applicant.last_name, Applicant.first_name)
                .join(Applicant, Applicant.id == Offer.applicant_id).where(Offer.vacancy_id == bindparam("vacancy_id"))
                .order_by(Offer.created_at.desc(), Offer.id))
_FLAT_OFFERS_OF_ADVISOR = _FLAT_OFFERS.where(Applicant.advisor_id == bindparam("advisor_id"))


@bp.route("/flats/<int:vacancy_id>")
@roles_required(*FLAT_ROLES)
def flat(vacancy_id):
    vacancy = db.session.scalar(_FLAT, {"vacancy_id": vacancy_id})
    if vacancy is None or not _officer_may_see(vacancy):
        abort(404)
    casework = current_user.has_role(*CASEWORK_ROLES)
    near = request.args.get("near") == "1"
    skip, limit, pager = _match_page("placement.flat", vacancy_id=vacancy.id)
    candidates = matching.candidates(vacancy, near_misses=near, on=today(), limit=limit, skip=skip,
                                     advisor_id=own_caseload_of(current_user)) \
        if casework and vacancy.status == VacancyStatus.OPEN else []
    pager_urls, candidates = pager(len(candidates) > MATCH_PAGE), candidates[:MATCH_PAGE]
    # Where advisors see their own caseload only, another advisor's household is not named here. The list names
    # the households only: the offers' columns and their households' names are read, not the entities.
    offers = []
    if casework:
        caseload = own_caseload_of(current_user)
        offers = db.session.execute(_FLAT_OFFERS if caseload is None else _FLAT_OFFERS_OF_ADVISOR,
                                    {"vacancy_id": vacancy.id, "advisor_id": caseload}).all()
    return render_template("placement/flat.html", vacancy=vacancy, candidates=candidates, near=near, offers=offers,
                           pager_urls=pager_urls,
                           mix=matching.tenant_mix(vacancy.unit.property_id, today()), casework=casework)


@bp.route("/flats/<int:vacancy_id>/offers", methods=["POST"])
@roles_required(*CASEWORK_ROLES)
def propose(vacancy_id):
    vacancy = _load(Vacancy, vacancy_id)
    applicant_id = request.form.get("applicant_id", type=int) or 0
    applicant = _load(Applicant, applicant_id if 0 < applicant_id <= MAX_ID else 0)
    if EmptyForm().validate_on_submit():
        done, offer = run_action(lambda: services.propose(applicant, vacancy, actor=current_user),
                                 _("%(name)s ist für die Wohnung vorgeschlagen.", name=applicant.name))
        if done:
            return redirect(url_for("placement.offer", offer_id=offer.id))
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("placement.flat", vacancy_id=vacancy.id))


@bp.route("/properties/<int:property_id>/offer-units", methods=["POST"])
@roles_required(*FLAT_ROLES)
def offer_units(property_id):
    prop = get_property_or_404(property_id)
    if EmptyForm().validate_on_submit():
        done, _created = run_action(lambda: services.offer_renovated_units(prop, {}, actor=current_user),
                                    lambda created: _("%(n)s Wohnungen sind im Angebot.", n=len(created)))
        if done:
            return redirect(url_for("placement.flats"))
    return redirect(url_for("properties.detail", property_id=prop.id))


# --- offers, tenancies, aftercare --------------------------------------------------------------------------


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def offer(offer_id):
    offer = _load(Offer, offer_id)
    form = OfferStatusForm()
    form.to.choices = choices([("", _("– bitte wählen –"))] + [(s.value, s.label) for s in OFFER_MOVES[offer.status]])
    if form.validate_on_submit():
        try:
            services.transition_offer(offer, form.to.data, actor=current_user, reason=form.reason.data,
                                      viewing_on=form.viewing_on.data, starts_on=form.starts_on.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Neuer Stand des Angebots: %(status)s.", status=offer.status.label), "success")
            if offer.status == OfferStatus.CONTRACT_SIGNED:
                tenancy = db.session.scalar(select(Tenancy).where(Tenancy.offer_id == offer.id))
                return redirect(url_for("placement.tenancy", tenancy_id=tenancy.id))
            return redirect(url_for("placement.offer", offer_id=offer.id))
    return render_template("placement/offer.html", offer=offer, form=form)


@bp.route("/tenancies/<int:tenancy_id>", methods=["GET", "POST"])
@roles_required(*CASEWORK_ROLES)
def tenancy(tenancy_id):
    tenancy = _load(Tenancy, tenancy_id)
    form = SupportContactForm(contact_on=today())
    done = save_form(form, lambda: services.add_support_contact(tenancy, form.data, actor=current_user),
                     success=_("Der Kontakt ist festgehalten."),
                     redirect_to=url_for("placement.tenancy", tenancy_id=tenancy.id))
    if done:
        return done
    contacts = db.session.scalars(select(SupportContact).where(SupportContact.tenancy_id == tenancy.id)
                                  .order_by(SupportContact.contact_on.desc())).all()
    status_form = StatusForm(version=tenancy.applicant.version)
    status_form.to.choices = _status_choices(tenancy.applicant)
    landlord = db.session.get(Vacancy, tenancy.vacancy_id).landlord if tenancy.vacancy_id else None
    return render_template("placement/tenancy.html", tenancy=tenancy, contacts=contacts, form=form,
                           status_form=status_form, landlord=landlord, today=today())


@bp.route("/overview")
@roles_required(*OVERVIEW_ROLES)
def overview_page():
    """Placements per month, time to contract, open flats, aftercare due; by social area. Aggregates only."""
    data = overview.figures(today())
    areas = {area.id: area for area in db.session.scalars(select(SocialArea))}
    return render_template("placement/overview.html", data=data, areas=areas, shown=overview.shown,
                           small=overview.SMALL, today=today())


@bp.app_template_filter("topic_label")
def topic_label(value: str) -> str:
    try:
        return SupportTopic(value).label
    except ValueError:
        return value


@bp.route("/offers/<int:offer_id>/letter.pdf")
@roles_required(*CASEWORK_ROLES)
def offer_letter(offer_id):
    offer = _load(Offer, offer_id)
    data = reports.offer_letter_pdf(offer, current_user.name)
    record("offer.letter", offer)
    db.session.commit()
    return pdf_response(data, f"angebot-{offer.id}.pdf")


# --- exports of the lists -------------------------------------------------------------------------------------


def _household_columns():
    return [Column(_("Nachname"), lambda a: a.last_name), Column(_("Vorname"), lambda a: a.first_name),
            Column(_("Stand"), lambda a: a.status.label), Column(_("Dringlichkeit"), lambda a: a.urgency.label),
            Column(_("Erwachsene"), lambda a: a.adults), Column(_("Kinder"), lambda a: a.children),
            Column(_("Wohnsituation"), lambda a: a.housing_situation.label if a.housing_situation else ""),
            Column(_("Einkommen"), lambda a: a.income_source.label if a.income_source else ""),
            Column(_("Aufgenommen am"), lambda a: a.registered_on),
            Column(_("Beratung"), lambda a: a.advisor.name if a.advisor else "")]


def _flat_columns():
    return [Column(_("Straße"), lambda v: v.unit.building.street),
            Column(_("Hausnummer"), lambda v: v.unit.building.house_number),
            Column(_("Wohnung"), lambda v: v.unit.label),
            Column(_("Sozialraum"), lambda v: v.unit.building.social_area.name),
            Column(_("Fläche (m²)"), lambda v: v.unit.area_m2), Column(_("Zimmer"), lambda v: v.unit.rooms),
            Column(_("Nettokaltmiete (€)"), lambda v: v.net_cold_rent),
            Column(_("Bruttokalt (€)"), lambda v: v.gross_cold_rent),
            Column(_("preisgebunden"), lambda v: v.rent_capped), Column(_("frei ab"), lambda v: v.available_from),
            Column(_("Vermieter"), lambda v: v.landlord.name), Column(_("Stand"), lambda v: v.status.label)]


def _landlord_columns(open_cases, flats):
    return [Column(_("Name"), lambda row: row.name), Column(_("Art"), lambda row: row.kind.label),
            Column(_("Ansprechperson"), lambda row: row.contact_person), Column(_("Telefon"), lambda row: row.phone),
            Column(_("E-Mail"), lambda row: row.email), Column(_("Anschrift"), lambda row: row.address),
            Column(_("Kooperation seit"), lambda row: row.cooperation_since),
            Column(_("freie Wohnungen"), lambda row: flats.get(row.id, 0)),
            Column(_("offene Fälle"), lambda row: open_cases.get(row.id, 0))]


@bp.route("/households/export.<fmt>")
@roles_required(*CASEWORK_ROLES)
def export_households(fmt):
    """The caseload as the list shows it (same filters), for work in a spreadsheet; the export is audited."""
    require_format(fmt)
    _mine, _status, stmt = _household_list()
    rows = db.session.scalars(stmt).all()
    columns, values = read_now(_household_columns(), rows)
    record("applicant.export", object_type="applicants", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"haushalte-{today().isoformat()}"
    return export_response(fmt, name, _("Haushalte"), columns, values)


@bp.route("/flats/export.<fmt>")
@roles_required(*FLAT_ROLES)
def export_flats(fmt):
    require_format(fmt)
    _status, stmt = _flat_list()
    rows = db.session.scalars(stmt).all()
    columns, values = read_now(_flat_columns(), rows)
    record("vacancy.export", object_type="vacancies", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"wohnungen-{today().isoformat()}"
    return export_response(fmt, name, _("Wohnungen"), columns, values)


@bp.route("/landlords/export.<fmt>")
@roles_required(*CASEWORK_ROLES)
def export_landlords(fmt):
    """The landlords with their contacts and counts, as the list shows them; audited."""
    require_format(fmt)
    rows, open_cases, flats = _landlord_list()
    columns, values = read_now(_landlord_columns(open_cases, flats), rows)
    record("landlord.export", object_type="landlords", summary=f"{fmt}: {len(rows)} rows")
    db.session.commit()
    name = f"vermietende-{today().isoformat()}"
    return export_response(fmt, name, _("Vermietende"), columns, values)
