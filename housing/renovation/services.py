"""Renovation projects. Functions validate, change, audit and flush; the caller commits."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ..audit.services import pending_changes, record
from ..auth.models import User
from ..auth.roles import Role
from ..clock import today
from ..database import fits
from ..errors import Conflict, FieldErrors
from ..extensions import db
from ..i18n import gettext as _
from ..properties.models import PIPELINE, CaseStatus, Property
from ..rules.registry import LABOUR_RATE
from ..rules.services import rule_value
from .models import (
    MaterialCost,
    ProjectStatus,
    RenovationProject,
    WorkPackage,
    WorkPackageHours,
    project_supervisors,
)


def hand_over(prop: Property, data: dict, *, actor) -> RenovationProject:
    """Hand an acquired building to Viertelwerk as a renovation project."""
    if prop.status not in PIPELINE or PIPELINE.index(prop.status) < PIPELINE.index(CaseStatus.ACQUIRED):
        raise Conflict(_("Ein Sanierungsprojekt gibt es erst für ein erworbenes Gebäude."))
    errors = FieldErrors()
    name = " ".join(str(data.get("name") or "").split()) or _("Sanierung %(address)s", address=prop.short_address)
    starts_on: date | None = data.get("starts_on")
    planned_end_on: date | None = data.get("planned_end_on")
    if starts_on is None:
        errors.add("starts_on", _("Pflichtangabe fehlt."))
    if planned_end_on is None:
        errors.add("planned_end_on", _("Pflichtangabe fehlt."))
    elif starts_on is not None and planned_end_on < starts_on:
        errors.add("planned_end_on", _("Das geplante Ende kann nicht vor dem Beginn liegen."))
    budgets = {field: _money(errors, field, data.get(field), getattr(RenovationProject, field))
               for field in ("labour_budget", "material_budget")}
    errors.raise_if_any()
    project = RenovationProject(property_id=prop.id, name=name[:160], starts_on=starts_on,
                                planned_end_on=planned_end_on, **budgets)
    db.session.add(project)
    db.session.flush()
    record("renovation_project.create", project, actor=actor, summary=f"{prop.short_address}: {project.name}")
    return project


# --- projects and work packages ------------------------------------------------------------------


def _money(errors: FieldErrors, field: str, value, column, default=Decimal("0")):
    """An amount (or hours) for ``column``: not negative, and small enough for the column."""
    if value in (None, ""):
        return default
    value = Decimal(value)
    if value < 0:
        errors.add(field, _("Der Wert darf nicht negativ sein."))
    elif not fits(value, column):
        errors.add(field, _("Der Wert ist zu groß."))
    return value


def update_project(project: RenovationProject, data: dict, *, actor) -> RenovationProject:
    """Change dates, budgets, status and supervisors of a project."""
    errors = FieldErrors()
    name = " ".join(str(data.get("name", project.name) or "").split())
    if not name:
        errors.add("name", _("Pflichtangabe fehlt."))
    starts_on = data.get("starts_on", project.starts_on)
    planned_end_on = data.get("planned_end_on", project.planned_end_on)
    if starts_on and planned_end_on and planned_end_on < starts_on:
        errors.add("planned_end_on", _("Das geplante Ende kann nicht vor dem Beginn liegen."))
    status = data.get("status", project.status)
    try:
        status = ProjectStatus(status)
    except ValueError:
        errors.add("status", _("Unbekannter Wert „%(value)s“.", value=status))
    completed_on = data.get("completed_on", project.completed_on)
    if status == ProjectStatus.COMPLETED and not completed_on:
        errors.add("completed_on", _("Ein abgeschlossenes Projekt braucht ein Abschlussdatum."))
    labour = _money(errors, "labour_budget", data.get("labour_budget", project.labour_budget),
                    RenovationProject.labour_budget)
    material = _money(errors, "material_budget", data.get("material_budget", project.material_budget),
                      RenovationProject.material_budget)
    supervisors = None
    if "supervisor_ids" in data:
        ids = {int(i) for i in data["supervisor_ids"] or []}
        supervisors = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
        if len(supervisors) != len(ids) or not all(u.has_role(Role.SUPERVISOR) for u in supervisors):
            errors.add("supervisor_ids", _("Nur Konten mit der Rolle Anleitung können ein Projekt betreuen."))
    errors.raise_if_any()
    project.name, project.starts_on, project.planned_end_on = name[:160], starts_on, planned_end_on
    project.status, project.completed_on = status, completed_on
    project.labour_budget, project.material_budget = labour, material
    changes = pending_changes(project)
    if supervisors is not None:
        old = sorted(u.email for u in project.supervisors)
        project.supervisors = supervisors
        if old != sorted(u.email for u in supervisors):
            changes["supervisors"] = [old, sorted(u.email for u in supervisors)]
    if changes:
        record("renovation_project.update", project, actor=actor, changes=changes)
    return project


def save_work_package(project: RenovationProject, package: WorkPackage | None, data: dict, *, actor) -> WorkPackage:
    errors = FieldErrors()
    trade = " ".join(str(data.get("trade") or "").split())
    if not trade:
        errors.add("trade", _("Pflichtangabe fehlt."))
    planned = _money(errors, "planned_hours", data.get("planned_hours"), WorkPackage.planned_hours)
    progress = data.get("progress_percent")
    progress = 0 if progress in (None, "") else int(progress)
    if not 0 <= progress <= 100:
        errors.add("progress_percent", _("Der Fortschritt liegt zwischen 0 und 100 %."))
    errors.raise_if_any()
    if package is None:
        package = WorkPackage(project=project, position=len(project.work_packages))
        db.session.add(package)
    package.trade, package.planned_hours, package.progress_percent = trade[:80], planned, progress
    package.description = (data.get("description") or "").strip()[:300] or None
    package.by_specialist_firm = bool(data.get("by_specialist_firm"))
    changes = pending_changes(package)
    db.session.flush()
    record("work_package.save", package, actor=actor, changes=changes)
    return package


def add_material_cost(project: RenovationProject, data: dict, *, actor) -> MaterialCost:
    errors = FieldErrors()
    amount = data.get("amount")
    if amount in (None, ""):
        errors.add("amount", _("Pflichtangabe fehlt."))
    elif Decimal(amount) <= 0:
        errors.add("amount", _("Der Betrag muss größer als 0 sein."))
    elif not fits(amount, MaterialCost.amount):
        errors.add("amount", _("Der Wert ist zu groß."))
    booked_on = data.get("booked_on")
    if booked_on is None:
        errors.add("booked_on", _("Pflichtangabe fehlt."))
    elif booked_on > today():
        errors.add("booked_on", _("Die Buchung darf nicht in der Zukunft liegen."))
    description = " ".join(str(data.get("description") or "").split())
    if not description:
        errors.add("description", _("Pflichtangabe fehlt."))
    package_id = data.get("work_package_id") or None
    if package_id and int(package_id) not in {p.id for p in project.work_packages}:
        errors.add("work_package_id", _("Dieses Arbeitspaket gehört nicht zum Projekt."))
    errors.raise_if_any()
    cost = MaterialCost(project_id=project.id, work_package_id=int(package_id) if package_id else None,
                        booked_on=booked_on, description=description[:200],
                        supplier=(data.get("supplier") or "").strip()[:120] or None, amount=Decimal(amount))
    db.session.add(cost)
    db.session.flush()
    record("material_cost.create", cost, actor=actor, summary=f"{cost.amount} {cost.description}")
    return cost


@dataclass
class PackageProgress:
    package: WorkPackage
    booked_hours: Decimal

    @property
    def hours_share(self) -> int | None:
        if not self.package.planned_hours:
            return None
        return int(self.booked_hours * 100 / self.package.planned_hours)


@dataclass
class ProjectProgress:
    project: RenovationProject
    packages: list[PackageProgress]
    booked_hours: Decimal
    planned_hours: Decimal
    labour_cost: Decimal
    material_cost: Decimal
    labour_rate: Decimal

    def share(self, part, whole) -> int | None:
        return int(part * 100 / whole) if whole else None


def progress(project: RenovationProject) -> ProjectProgress:
    """Hours and money against plan: booked working hours per work package, labour at the calculated
    hourly rate, material costs booked."""
    return progress_of([project])[0]


def progress_of(projects: list[RenovationProject]) -> list[ProjectProgress]:
    """``progress`` of many projects in three queries, however many there are and however many hours they have:
    the hours worked per package are those the database keeps (``WorkPackageHours``)."""
    ids = [project.id for project in projects]
    packages = [package.id for project in projects for package in project.work_packages]
    booked = dict(db.session.execute(
        select(WorkPackageHours.work_package_id, WorkPackageHours.hours)
        .where(WorkPackageHours.work_package_id.in_(packages))).all()) if packages else {}
    material = dict(db.session.execute(
        select(MaterialCost.project_id, func.sum(MaterialCost.amount))
        .where(MaterialCost.project_id.in_(ids)).group_by(MaterialCost.project_id)).all()) if ids else {}
    rate = rule_value(LABOUR_RATE)
    result = []
    for project in projects:
        packages = [PackageProgress(p, Decimal(booked.get(p.id) or 0)) for p in project.work_packages]
        total_hours = sum((p.booked_hours for p in packages), Decimal("0"))
        result.append(ProjectProgress(project, packages, total_hours,
                                      sum((p.planned_hours for p in project.work_packages), Decimal("0")),
                                      (total_hours * rate).quantize(Decimal("0.01")),
                                      Decimal(material.get(project.id) or 0), rate))
    return result


def projects_for(user) -> list[RenovationProject]:
    """The projects a user works on: all for admins and officers (progress only), their own for supervisors."""
    stmt = select(RenovationProject).order_by(RenovationProject.status, RenovationProject.name)
    return list(db.session.scalars(visible_to(user, stmt)).unique())


def visible_to(user, stmt):
    """``stmt``, which reads renovation_projects, narrowed to the projects the user works on (as ``projects_for``):
    all for admins, officers and management, their own for supervisors."""
    if user.has_role(Role.ADMIN, Role.HOUSING_OFFICER, Role.MANAGEMENT):
        return stmt
    return stmt.join(project_supervisors, project_supervisors.c.project_id == RenovationProject.id).where(
        project_supervisors.c.user_id == user.id)
