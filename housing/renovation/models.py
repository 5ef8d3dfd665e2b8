from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Index,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..auth.roles import Role
from ..database import PersonName, UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
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
    supervisors: Mapped[list[User]] = relationship(secondary="project_supervisors", lazy="selectin",
                                                   order_by=User.name)
    work_packages: Mapped[list["WorkPackage"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="WorkPackage.position", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<RenovationProject {self.id} {self.name!r}>"

    def is_supervised_by(self, user) -> bool:
        return any(supervisor.id == user.id for supervisor in self.supervisors)

    def can_record_hours(self, user) -> bool:
        """Admins everywhere; a supervisor on the projects they run."""
        return user.has_role(Role.ADMIN) or (user.has_role(Role.SUPERVISOR) and self.is_supervised_by(user))


project_supervisors = db.Table(
    "project_supervisors",
    db.Column("project_id", ForeignKey("renovation_projects.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id"), primary_key=True),
    # A supervisor's projects (every crew page starts there); the primary key leads with the project.
    Index("ix_project_supervisors_user_id", "user_id"),
)


class WorkPackage(db.Model):
    """A trade's share of a project (Gewerk) with planned hours and progress."""

    __tablename__ = "work_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    trade: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(300))
    planned_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    progress_percent: Mapped[int] = mapped_column(SmallInteger, default=0)
    by_specialist_firm: Mapped[bool] = mapped_column(default=False)

    project: Mapped[RenovationProject] = relationship(back_populates="work_packages")

    def __repr__(self) -> str:
        return f"<WorkPackage {self.id} {self.trade!r}>"

    @property
    def title(self) -> str:
        return f"{self.trade}: {self.description}" if self.description else self.trade


class WorkPackageHours(db.Model):
    """The hours worked on a work package so far (absences do not count), kept by the database itself.

    Triggers on ``hour_entries`` (migrations/versions/0012_work_package_hours.py, SQLite and PostgreSQL) keep it in
    the same transaction as every insert, update and delete of an entry, whoever writes: the services, an import,
    the bench data generator. Progress against plan reads these rows instead of every entry of a project's years
    (2 million at city scale for the project list)."""

    __tablename__ = "work_package_hours"

    work_package_id: Mapped[int] = mapped_column(ForeignKey("work_packages.id", ondelete="CASCADE"),
                                                 primary_key=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))

    def __repr__(self) -> str:
        return f"<WorkPackageHours {self.work_package_id}: {self.hours}>"


class ProjectMonthHours(db.Model):
    """The hours a person worked on a project in a month (absences do not count) and how many entries they come from,
    kept by the database itself, as ``WorkPackageHours`` (migrations/versions/0014_project_month_hours.py).

    The reports page's hours and people per project and building read these rows for the months of a period (a few
    hundred a month at city scale) instead of every entry (30,000 a month). Rows counting nothing stay (zero)."""

    __tablename__ = "project_month_hours"
    # A period's rows are one range of the key, whichever projects the user works on, and are read from the key
    # alone: on PostgreSQL it carries the figures (INCLUDE), on SQLite the rows are stored in its order (WITHOUT ROWID).
    __table_args__ = (PrimaryKeyConstraint("month", "project_id", "participant_id",
                                           postgresql_include=["hours", "entries"]),
                      Index("ix_project_month_hours_participant_id", "participant_id"),  # a person's deletion
                      {"sqlite_with_rowid": False})

    month: Mapped[date]  # the first day of the month
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_projects.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    hours: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    entries: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ProjectMonthHours {self.project_id} {self.month:%Y-%m} {self.participant_id}: {self.hours}>"


class MaterialCost(db.Model):
    __tablename__ = "material_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_projects.id", ondelete="CASCADE"), index=True)
    work_package_id: Mapped[int | None] = mapped_column(ForeignKey("work_packages.id", ondelete="SET NULL"))
    booked_on: Mapped[date]
    description: Mapped[str] = mapped_column(String(200))
    supplier: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work_package: Mapped[WorkPackage | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<MaterialCost {self.id} {self.amount}>"


class FundingBasis(LabelledEnum):
    SGB2_16I = "sgb2_16i"
    SGB2_16E = "sgb2_16e"
    SGB2_16D = "sgb2_16d"
    OTHER = "other"


FundingBasis.LABELS = {
    FundingBasis.SGB2_16I: _l("Teilhabe am Arbeitsmarkt (§ 16i SGB II)"),
    FundingBasis.SGB2_16E: _l("Eingliederung von Langzeitarbeitslosen (§ 16e SGB II)"),
    FundingBasis.SGB2_16D: _l("Arbeitsgelegenheit (§ 16d SGB II)"),
    FundingBasis.OTHER: _l("sonstige Förderung"),
}


class Participant(PersonName, db.Model):
    """A person in an employment measure (Teilnehmende): social data, seen only by their supervisors and admins."""

    __tablename__ = "participants"
    __table_args__ = (Index("ix_participants_name", "last_name", "first_name"),)  # the list's order

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    jobcenter_ref: Mapped[str | None] = mapped_column(String(40))
    funding_basis: Mapped[FundingBasis] = mapped_column(str_enum(FundingBasis))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_projects.id"), index=True)
    default_work_package_id: Mapped[int | None] = mapped_column(ForeignKey("work_packages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[RenovationProject] = relationship(lazy="joined")
    default_work_package: Mapped[WorkPackage | None] = relationship(lazy="joined")
    qualifications: Mapped[list["Qualification"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="Qualification.obtained_on",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"

    @property
    def daily_hours(self) -> Decimal:
        """A fifth of the weekly hours, to the nearest quarter hour (39 h a week: 7,75 h a day)."""
        return (self.weekly_hours * 4 / 5).to_integral_value() / 4

    @property
    def safety_briefing_on(self) -> date | None:
        dates = [q.obtained_on for q in self.qualifications if q.kind == QualificationKind.SAFETY_BRIEFING]
        return min(dates) if dates else None

    def can_be_seen_by(self, user) -> bool:
        """Need-to-know: admins, and the supervisors of the participant's project."""
        return self.project.can_record_hours(user)


class QualificationKind(LabelledEnum):
    SAFETY_BRIEFING = "safety_briefing"
    CERTIFICATE = "certificate"
    OTHER = "other"


QualificationKind.LABELS = {
    QualificationKind.SAFETY_BRIEFING: _l("Sicherheitsunterweisung"),
    QualificationKind.CERTIFICATE: _l("Zertifikat/Schein"),
    QualificationKind.OTHER: _l("Sonstiges"),
}


class Qualification(db.Model):
    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QualificationKind] = mapped_column(str_enum(QualificationKind))
    name: Mapped[str] = mapped_column(String(120))
    obtained_on: Mapped[date]
    valid_until: Mapped[date | None]

    participant: Mapped[Participant] = relationship(back_populates="qualifications")

    def __repr__(self) -> str:
        return f"<Qualification {self.kind} {self.obtained_on}>"


class Absence(LabelledEnum):
    SICK = "sick"
    VACATION = "vacation"
    TRAINING = "training"
    UNEXCUSED = "unexcused"


Absence.LABELS = {
    Absence.SICK: _l("krank"), Absence.VACATION: _l("Urlaub"), Absence.TRAINING: _l("Schulung"),
    Absence.UNEXCUSED: _l("unentschuldigt"),
}
# One-letter codes for the crew sheet (K = krank, U = Urlaub, S = Schulung, F = Fehlzeit).
ABSENCE_CODES = {"k": Absence.SICK, "u": Absence.VACATION, "s": Absence.TRAINING, "f": Absence.UNEXCUSED}


class HourEntry(db.Model):
    """Hours a participant worked on a work package on a day, or a day's absence.

    ``slot`` makes "one entry per participant, day and work package" (and one absence per day) a
    unique key on every database: the work package id, or "absence"."""

    __tablename__ = "hour_entries"
    __table_args__ = (
        UniqueConstraint("participant_id", "worked_on", "slot"),
        # A project's entries by day, with every column the sums over them read (hours per work package, person
        # and building; progress against plan): a period's or a project's sums never read the table itself.
        Index("ix_hour_entries_project_sums", "project_id", "worked_on", "work_package_id", "participant_id",
              "absence", "hours"),
        Index("ix_hour_entries_package", "work_package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    worked_on: Mapped[date]
    project_id: Mapped[int] = mapped_column(ForeignKey("renovation_projects.id"))
    work_package_id: Mapped[int | None] = mapped_column(ForeignKey("work_packages.id"))
    slot: Mapped[str] = mapped_column(String(20))
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    activity: Mapped[str | None] = mapped_column(String(200))
    absence: Mapped[Absence | None] = mapped_column(str_enum(Absence))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship(lazy="raise")
    work_package: Mapped[WorkPackage | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<HourEntry {self.participant_id} {self.worked_on} {self.slot}: {self.hours}>"

    @property
    def is_present(self) -> bool:
        return self.absence is None


class MonthLock(db.Model):
    """A participant's approved month: locked for edits until an admin unlocks it (with a reason)."""

    __tablename__ = "month_locks"
    __table_args__ = (UniqueConstraint("participant_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    month: Mapped[date]  # the first day of the month
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unlock_reason: Mapped[str | None] = mapped_column(Text)

    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<MonthLock {self.participant_id} {self.month:%Y-%m} {'locked' if self.is_locked else 'open'}>"

    @property
    def is_locked(self) -> bool:
        return self.unlocked_at is None


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
