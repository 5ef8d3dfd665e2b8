from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, String, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..properties.models import CaseStatus, LabelledEnum, Property, register_guard


class ProjectStatus(LabelledEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ProjectStatus.LABELS = {
    ProjectStatus.PLANNED: _l("geplant"), ProjectStatus.ACTIVE: _l("laufend"),
    ProjectStatus.COMPLETED: _l("abgeschlossen"), ProjectStatus.CANCELLED: _l("abgebrochen"),
}


class RenovationProject(db.Model):
    """Viertelwerk's renovation of an acquired building, handed over from the Ankauf case."""

    __tablename__ = "renovation_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    starts_on: Mapped[date]
    planned_end_on: Mapped[date]
    completed_on: Mapped[date | None]
    labour_budget: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    material_budget: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus), default=ProjectStatus.PLANNED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Property] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RenovationProject {self.id} {self.name!r}>"


def _needs_project(prop):
    if not db.session.scalar(select(exists().where(RenovationProject.property_id == prop.id,
                                                   RenovationProject.status != ProjectStatus.CANCELLED))):
        return _("Für „in Sanierung“ fehlt ein Sanierungsprojekt.")
    return None


def _needs_completed_project(prop):
    if not db.session.scalar(select(exists().where(RenovationProject.property_id == prop.id,
                                                   RenovationProject.status == ProjectStatus.COMPLETED))):
        return _("Für „vermietungsbereit“ fehlt ein abgeschlossenes Sanierungsprojekt.")
    return None


register_guard(CaseStatus.IN_RENOVATION, _needs_project)
register_guard(CaseStatus.READY_FOR_LETTING, _needs_completed_project)
