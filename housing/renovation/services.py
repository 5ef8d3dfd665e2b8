"""Renovation projects. Functions validate, change, audit and flush; the caller commits."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from ..audit.services import record
from ..errors import Conflict, FieldErrors
from ..extensions import db
from ..properties.models import PIPELINE, CaseStatus, Property
from .models import RenovationProject


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
    budgets = {}
    for field in ("labour_budget", "material_budget"):
        value = data.get(field)
        if value is not None and Decimal(value) < 0:
            errors.add(field, _("Der Wert darf nicht negativ sein."))
        budgets[field] = value if value is not None else Decimal("0")
    errors.raise_if_any()
    project = RenovationProject(property_id=prop.id, name=name[:160], starts_on=starts_on,
                                planned_end_on=planned_end_on, **budgets)
    db.session.add(project)
    db.session.flush()
    record("renovation_project.create", project, actor=actor, summary=f"{prop.short_address}: {project.name}")
    return project
