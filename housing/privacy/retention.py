"""Retention periods per record class (DOMAIN.md section 7), run by the nightly retention job.

Each class finds what is due on the run's day (its period, a rule figure in months, has passed since the record's
end) and anonymises or deletes it. Anonymising keeps what the statistics count — a household's size, dates,
statuses, its offers and tenancies; the hours of a participant — and removes the identity: names, birth date,
contact data, notes, free texts, files. Deleting is for what nothing counts: a participant's qualifications, the
audit log's old entries. Each run writes its counts to the audit log, never a name.

A class's columns are sorted into kept, replaced and cleared (every nullable column neither kept nor replaced),
so a column added to a model later is cleared rather than forgotten; a new non-nullable column stops the run until
someone decides (the test suite checks the policies against the models).

``preview(on)`` lists exactly what a run on that day would do, without changing anything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta
from flask import current_app, has_request_context, url_for
from sqlalchemy import bindparam, case, delete, func, select, update

from ..attachments.models import Attachment
from ..audit.models import AuditEvent
from ..audit.services import record
from ..clock import LOCAL_TZ, today
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..jobs.models import Notification
from ..placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    LandlordSupportCase,
    Offer,
    SupportContact,
    Tenancy,
)
from ..renovation.models import HourEntry, MonthLock, Participant, Qualification
from ..rules.registry import RETENTION_AUDIT_LOG, RETENTION_PARTICIPANTS, RETENTION_PLACEMENT, RETENTION_UNSUCCESSFUL
from ..rules.services import rule_value
from .models import AnonymisedRecord

ANONYMISED_SURNAME = "Anonymisiert"
ANONYMISED_TEXT = "(anonymisiert)"


@dataclass(frozen=True)
class Due:
    """A record due on the run's day: its period began on ``ended_on`` and ran out on ``due_on``."""

    record_id: int
    ended_on: date
    due_on: date


@dataclass(frozen=True)
class RetentionClass:
    key: str  # the retention task's name
    title: object  # the record class, for the preview page
    label: object  # what the run did, for its summary ("… anonymisiert: 3")
    rule: str  # the rule figure holding the period in months
    record_type: str  # the table, as the audit log names records
    action: str  # "anonymise" or "delete"
    find: Callable[[date, int], list[Due]]  # (run day, months) -> what is due, oldest first
    apply: Callable[[list[Due], date], dict]  # -> counts of what was done, for the audit log

    def months(self, on: date) -> int:
        return int(rule_value(self.rule, on))

    def cutoff(self, on: date) -> date:
        """The latest end whose period has run out on ``on``: ``on`` minus the period."""
        return on - relativedelta(months=self.months(on))


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def _anonymised_ids(record_type: str):
    return select(AnonymisedRecord.record_id).where(AnonymisedRecord.record_type == record_type)


# --- applicant households ---------------------------------------------------------------------------------------

CLOSED = (ApplicantStatus.WITHDRAWN, ApplicantStatus.LOST_CONTACT)
ENDED = (*CLOSED, ApplicantStatus.STABILISED)
IN_TENANCY = (ApplicantStatus.CONTRACT_SIGNED, ApplicantStatus.MOVED_IN, ApplicantStatus.AFTERCARE,
              ApplicantStatus.AT_RISK)


@dataclass(frozen=True)
class HouseholdEnd:
    applicant_id: int
    retention_class: str  # "unsuccessful_applications" or "placements"
    ended_on: date


def household_ends(applicant_ids=None) -> list[HouseholdEnd]:
    """When each finished household's case ended, and under which rule; households still being worked on (or
    already anonymised) are not listed.

    - Never placed (no tenancy) and withdrawn or lost contact: an unsuccessful application; it ended when it was
      closed.
    - Placed: ended when the household was stabilised or closed, or when every tenancy has ended while it was
      still in the tenancy phase; the latest of that day, the last tenancy's end, the last aftercare contact and
      the last landlord's case counts. A landlord's case still open keeps the case running.
    """
    tenancies = (select(Tenancy.applicant_id, func.count().label("n"),
                        func.sum(case((Tenancy.ends_on.is_(None), 1), else_=0)).label("running"),
                        func.max(Tenancy.ends_on).label("last_end"))
                 .group_by(Tenancy.applicant_id).subquery())
    contacts = (select(Tenancy.applicant_id, func.max(SupportContact.contact_on).label("last_contact"))
                .join(SupportContact, SupportContact.tenancy_id == Tenancy.id)
                .group_by(Tenancy.applicant_id).subquery())
    cases = (select(Tenancy.applicant_id,
                    func.max(func.coalesce(LandlordSupportCase.resolved_on, LandlordSupportCase.opened_on))
                    .label("last_case"),
                    func.sum(case((LandlordSupportCase.resolved_on.is_(None), 1), else_=0)).label("open_cases"))
             .join(LandlordSupportCase, LandlordSupportCase.tenancy_id == Tenancy.id)
             .group_by(Tenancy.applicant_id).subquery())
    stmt = (select(Applicant.id, Applicant.status, Applicant.status_changed_at, tenancies.c.n, tenancies.c.running,
                   tenancies.c.last_end, contacts.c.last_contact, cases.c.last_case, cases.c.open_cases)
            .outerjoin(tenancies, tenancies.c.applicant_id == Applicant.id)
            .outerjoin(contacts, contacts.c.applicant_id == Applicant.id)
            .outerjoin(cases, cases.c.applicant_id == Applicant.id)
            .where(Applicant.status.in_(ENDED + IN_TENANCY), Applicant.id.not_in(_anonymised_ids("applicants")))
            .order_by(Applicant.id))
    if applicant_ids is not None:
        stmt = stmt.where(Applicant.id.in_(applicant_ids))
    ends = []
    for row in db.session.execute(stmt):
        status = ApplicantStatus(row.status)
        closed_on = _local_day(row.status_changed_at)
        if not row.n:
            if status in CLOSED:
                ends.append(HouseholdEnd(row.id, "unsuccessful_applications", closed_on))
            continue
        if row.open_cases:
            continue
        if status in ENDED:
            days = [closed_on]
        elif status in IN_TENANCY and not row.running:
            days = []
        else:
            continue
        days += [day for day in (row.last_end, row.last_contact, row.last_case) if day is not None]
        ends.append(HouseholdEnd(row.id, "placements", max(days)))
    return ends


def _households_due(retention_class: str):
    def find(on: date, months: int) -> list[Due]:
        cutoff = on - relativedelta(months=months)
        due = [Due(end.applicant_id, end.ended_on, end.ended_on + relativedelta(months=months))
               for end in household_ends() if end.retention_class == retention_class and end.ended_on <= cutoff]
        return sorted(due, key=lambda item: (item.ended_on, item.record_id))

    return find


# What stays of a household (the programme report and the overview count these) and what replaces a name.
APPLICANT_KEEP = {"id", "interpreter_needed", "adults", "children", "housing_situation", "income_source",
                  "wbs_persons", "urgency", "urgency_rank", "step_free_needed", "registered_on", "advisor_id",
                  "status", "status_changed_at", "created_at", "version"}
APPLICANT_REPLACE = {"first_name": lambda row: f"Nr. {row['id']}", "last_name": lambda row: ANONYMISED_SURNAME,
                     "languages": lambda row: []}
PARTICIPANT_KEEP = {"id", "funding_basis", "starts_on", "ends_on", "weekly_hours", "project_id",
                    "default_work_package_id", "created_at", "version"}
# The year of birth stays (age groups are part of the funding reports); the day and month go.
PARTICIPANT_REPLACE = {"first_name": lambda row: f"Nr. {row['id']}", "last_name": lambda row: ANONYMISED_SURNAME,
                       "birth_date": lambda row: row["birth_date"].replace(month=1, day=1)}


class RetentionPolicyError(RuntimeError):
    pass


def scrub_plan(model, keep: set[str], replace: dict) -> tuple[list[str], list[str]]:
    """(replaced, cleared) column names of ``model``; refuses a non-nullable column nobody decided about."""
    replaced, cleared = [], []
    for column in model.__table__.columns:
        if column.name in keep:
            continue
        if column.name in replace:
            replaced.append(column.name)
        elif column.nullable:
            cleared.append(column.name)
        else:
            raise RetentionPolicyError(f"{model.__tablename__}.{column.name} is neither kept, replaced nor nullable")
    return replaced, cleared


def _scrub(model, ids: list[int], keep: set[str], replace: dict) -> None:
    """Replace and clear the identifying columns of the rows ``ids``, row by row in one executemany."""
    replaced, cleared = scrub_plan(model, keep, replace)
    table = model.__table__
    needed = ["id", *replaced]
    rows = [dict(row._mapping) for row in db.session.execute(select(*[table.c[name] for name in needed])
                                                              .where(table.c.id.in_(ids)))]
    values = {name: bindparam(f"new_{name}") for name in replaced} | {name: None for name in cleared}
    if "version" in table.c:
        values["version"] = table.c.version + 1
    params = [{"row_id": row["id"], **{f"new_{name}": replace[name](row) for name in replaced}} for row in rows]
    if params:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id")).values(values), params)


def _delete_attachments(subject_types: tuple[str, ...], ids_by_type: dict[str, list[int]]) -> int:
    """Files attached to the person's records go with the identity: the file and its row."""
    from ..attachments.services import path_of

    removed = 0
    for subject_type in subject_types:
        ids = ids_by_type.get(subject_type) or []
        if not ids:
            continue
        for attachment in db.session.scalars(select(Attachment).where(Attachment.subject_type == subject_type,
                                                                      Attachment.subject_id.in_(ids))):
            for thumbnail in (False, True):
                path_of(attachment, thumbnail=thumbnail).unlink(missing_ok=True)
            removed += 1
        db.session.execute(delete(Attachment).where(Attachment.subject_type == subject_type,
                                                    Attachment.subject_id.in_(ids)))
    return removed


def _paths(endpoint: str, argument: str, ids: list[int]) -> list[str]:
    """The site-relative links reminders carry to these records (reminders name the person in their text)."""
    if not ids:
        return []
    if has_request_context():
        return [url_for(endpoint, **{argument: i}) for i in ids]
    with current_app.test_request_context("/"):
        return [url_for(endpoint, **{argument: i}) for i in ids]


def _delete_notifications(links: list[str]) -> int:
    if not links:
        return 0
    return db.session.execute(delete(Notification).where(Notification.link.in_(links))).rowcount


def _mark(record_type: str, due: list[Due], retention_class: str, on: date) -> None:
    db.session.add_all([AnonymisedRecord(record_type=record_type, record_id=item.record_id,
                                         retention_class=retention_class, ended_on=item.ended_on, anonymised_on=on)
                        for item in due])
    for item in due:
        record("privacy.anonymise", object_type=record_type, object_id=item.record_id, actor=None,
               summary=retention_class)


def _anonymise_households(retention_class: str):
    def apply(due: list[Due], on: date) -> dict:
        ids = [item.record_id for item in due]
        tenancy_ids = list(db.session.scalars(select(Tenancy.id).where(Tenancy.applicant_id.in_(ids))))
        offers = db.session.execute(select(Offer.id, Offer.rule_snapshot).where(Offer.applicant_id.in_(ids))).all()
        contact_ids = list(db.session.scalars(select(SupportContact.id).where(
            SupportContact.tenancy_id.in_(tenancy_ids))))
        case_ids = list(db.session.scalars(select(LandlordSupportCase.id).where(
            LandlordSupportCase.tenancy_id.in_(tenancy_ids))))
        files = _delete_attachments(
            ("applicant", "offer", "tenancy", "support_contact", "landlord_support_case"),
            {"applicant": ids, "offer": [o.id for o in offers], "tenancy": tenancy_ids,
             "support_contact": contact_ids, "landlord_support_case": case_ids})
        _scrub(Applicant, ids, APPLICANT_KEEP, APPLICANT_REPLACE)
        db.session.execute(update(ApplicantTransition).where(ApplicantTransition.applicant_id.in_(ids))
                           .values(reason=None), execution_options={"synchronize_session": False})
        # The rule check keeps which rules passed, not the figures (income, WBS dates) behind them.
        if offers:
            db.session.execute(
                update(Offer.__table__).where(Offer.__table__.c.id == bindparam("offer_id"))
                .values(decline_reason=None, rule_snapshot=bindparam("snapshot")),
                [{"offer_id": offer.id, "snapshot": [{"rule": item.get("rule"), "passed": item.get("passed")}
                                                     for item in offer.rule_snapshot or []]} for offer in offers])
        if contact_ids:
            db.session.execute(update(SupportContact).where(SupportContact.id.in_(contact_ids)).values(outcome=None),
                               execution_options={"synchronize_session": False})
        if case_ids:
            db.session.execute(update(LandlordSupportCase).where(LandlordSupportCase.id.in_(case_ids))
                               .values(description=ANONYMISED_TEXT, outcome=None),
                               execution_options={"synchronize_session": False})
        messages = _delete_notifications(_paths("placement.household", "applicant_id", ids)
                                         + _paths("placement.tenancy", "tenancy_id", tenancy_ids))
        _mark("applicants", due, retention_class, on)
        return {"households": len(ids), "offers": len(offers), "support_contacts": len(contact_ids),
                "landlord_cases": len(case_ids), "files": files, "messages": messages}

    return apply


# --- participants ------------------------------------------------------------------------------------------------


def _participants_due(on: date, months: int) -> list[Due]:
    cutoff = on - relativedelta(months=months)
    rows = db.session.execute(select(Participant.id, Participant.ends_on)
                              .where(Participant.ends_on <= cutoff,
                                     Participant.id.not_in(_anonymised_ids("participants")))
                              .order_by(Participant.ends_on, Participant.id)).all()
    return [Due(row.id, row.ends_on, row.ends_on + relativedelta(months=months)) for row in rows]


def _anonymise_participants(due: list[Due], on: date) -> dict:
    ids = [item.record_id for item in due]
    qualification_ids = list(db.session.scalars(select(Qualification.id)
                                                .where(Qualification.participant_id.in_(ids))))
    entry_ids = select(HourEntry.id).where(HourEntry.participant_id.in_(ids))
    files = _delete_attachments(("participant", "qualification", "hour_entry"),
                                {"participant": ids, "qualification": qualification_ids,
                                 "hour_entry": list(db.session.scalars(entry_ids))})
    _scrub(Participant, ids, PARTICIPANT_KEEP, PARTICIPANT_REPLACE)
    # Nothing counts the qualifications: they go. The hours stay for the sums, without what was done.
    db.session.execute(delete(Qualification).where(Qualification.id.in_(qualification_ids)))
    entries = db.session.execute(update(HourEntry).where(HourEntry.participant_id.in_(ids), HourEntry.activity
                                                         .is_not(None))
                                 .values(activity=None, recorded_at=HourEntry.recorded_at),
                                 execution_options={"synchronize_session": False}).rowcount
    db.session.execute(update(MonthLock).where(MonthLock.participant_id.in_(ids)).values(unlock_reason=None),
                       execution_options={"synchronize_session": False})
    messages = _delete_notifications(_paths("renovation.participant", "participant_id", ids))
    _mark("participants", due, "participants", on)
    return {"participants": len(ids), "qualifications_deleted": len(qualification_ids),
            "hour_entries_cleared": entries, "files": files, "messages": messages}


# --- the audit log -----------------------------------------------------------------------------------------------


def _audit_cutoff(on: date, months: int) -> datetime:
    return _midnight(on - relativedelta(months=months))


def _audit_events_due(on: date, months: int) -> list[Due]:
    """Not listed one by one (there can be millions): see ``audit_preview``; the run deletes by date."""
    return []


def audit_preview(on: date) -> dict:
    months = AUDIT_LOG.months(on)
    before = _audit_cutoff(on, months)
    count, first, last, oldest, newest = db.session.execute(
        select(func.count(), func.min(AuditEvent.id), func.max(AuditEvent.id), func.min(AuditEvent.occurred_at),
               func.max(AuditEvent.occurred_at)).where(AuditEvent.occurred_at < before)).one()
    return {"count": count, "before": before, "first_id": first, "last_id": last, "oldest": oldest,
            "newest": newest}


def _purge_audit_log(_due: list[Due], on: date) -> dict:
    from .audit_guard import retention_unlocked

    before = _audit_cutoff(on, AUDIT_LOG.months(on))
    with retention_unlocked():
        deleted = db.session.execute(delete(AuditEvent).where(AuditEvent.occurred_at < before)).rowcount
    return {"deleted": deleted, "before": before.isoformat()}


# --- the classes and the run -------------------------------------------------------------------------------------

UNSUCCESSFUL = RetentionClass(
    "unsuccessful_applications", _l("Erfolglose Bewerbungen"), _l("erfolglose Bewerbungen anonymisiert"),
    RETENTION_UNSUCCESSFUL, "applicants", "anonymise", _households_due("unsuccessful_applications"),
    _anonymise_households("unsuccessful_applications"))
PLACEMENTS = RetentionClass(
    "placements", _l("Vermittlung und Nachbetreuung"), _l("Vermittlungen und Nachbetreuung anonymisiert"),
    RETENTION_PLACEMENT, "applicants", "anonymise", _households_due("placements"),
    _anonymise_households("placements"))
PARTICIPANTS = RetentionClass(
    "participants", _l("Teilnehmende (Viertelwerk)"), _l("Teilnehmende anonymisiert"), RETENTION_PARTICIPANTS,
    "participants", "anonymise", _participants_due, _anonymise_participants)
AUDIT_LOG = RetentionClass(
    "audit_log", _l("Audit-Log"), _l("Audit-Log-Einträge gelöscht"), RETENTION_AUDIT_LOG, "audit_events", "delete",
    _audit_events_due, _purge_audit_log)
CLASSES = [UNSUCCESSFUL, PLACEMENTS, PARTICIPANTS, AUDIT_LOG]


def due(retention_class: RetentionClass, on: date) -> list[Due]:
    return retention_class.find(on, retention_class.months(on))


def run_class(retention_class: RetentionClass, on: date) -> int:
    """The retention task of one class: anonymise or delete what is due on ``on``, write the counts to the audit
    log. Flushes; the job commits.

    Never ahead of the real day: a run by hand "as of" a later day (``flask run-job retention --date …``) acts as
    of today, so nothing goes before its time and the log keeps what was just written; the preview shows later days.
    """
    on = min(on, today())
    items = due(retention_class, on)
    if retention_class is AUDIT_LOG:
        counts = retention_class.apply(items, on)
        done = counts["deleted"]
        if done:
            record("privacy.audit_purge", object_type="audit_events", actor=None,
                   summary=f"{done} Einträge vor {counts['before'][:10]} gelöscht", changes=counts)
        return done
    if not items:
        return 0
    counts = retention_class.apply(items, on)
    record("privacy.retention", object_type=retention_class.record_type, actor=None,
           summary=f"{retention_class.key}: {len(items)}", changes=counts)
    db.session.flush()
    return len(items)


@dataclass
class ClassPreview:
    retention_class: RetentionClass
    months: int
    cutoff: date
    items: list[Due]
    audit: dict | None = None

    @property
    def count(self) -> int:
        return self.audit["count"] if self.audit is not None else len(self.items)


def preview(on: date) -> list[ClassPreview]:
    """What a run on ``on`` would anonymise or delete, per class (reads only)."""
    result = []
    for retention_class in CLASSES:
        months = retention_class.months(on)
        result.append(ClassPreview(retention_class, months, retention_class.cutoff(on), due(retention_class, on),
                                   audit_preview(on) if retention_class is AUDIT_LOG else None))
    return result


def register_tasks() -> None:
    from functools import partial

    from ..jobs.housekeeping import register_retention_task

    for retention_class in CLASSES:
        register_retention_task(retention_class.key, retention_class.label, partial(run_class, retention_class))


# --- what the subject access tells the person ---------------------------------------------------------------------


def _months_text(months: int, *, dative: bool = False) -> str:
    """"72 Monate (6 Jahre)"; after "nach" the dative: "24 Monaten (2 Jahren)"."""
    if months == 1:
        return "1 Monat"
    text = f"{months} Monaten" if dative else f"{months} Monate"
    if months % 12 == 0 and months >= 24:
        text += f" ({months // 12} Jahren)" if dative else f" ({months // 12} Jahre)"
    return text


def retention_status(kind_slug: str, subject, on: date) -> dict:
    """How long the person's data is kept, in plain German, and the dates behind it (Art. 15 (1) d GDPR)."""
    audit_months = AUDIT_LOG.months(on)
    log_text = f" Einträge im Protokoll der Zugriffe löschen wir nach {_months_text(audit_months, dative=True)}."
    record_type = {"applicant": "applicants", "participant": "participants"}.get(kind_slug)
    done = db.session.scalar(select(AnonymisedRecord).where(AnonymisedRecord.record_type == record_type,
                                                            AnonymisedRecord.record_id == subject.id)) \
        if record_type else None
    status = {"retention_class": None, "months": None, "ended_on": None, "due_on": None,
              "anonymised_on": done.anonymised_on if done else None, "audit_log_months": audit_months}
    if done is not None:
        status["retention_class"] = done.retention_class
        status["text"] = (f"Die Aufbewahrungsfrist ist abgelaufen. Am {done.anonymised_on:%d.%m.%Y} haben wir "
                          "Ihren Namen, Ihre Kontaktdaten und alle Notizen gelöscht. Übrig sind nur Zahlen für die "
                          "Statistik, die niemand mehr mit Ihnen verbinden kann." + log_text)
        return status
    if kind_slug == "applicant":
        unsuccessful, placed = UNSUCCESSFUL.months(on), PLACEMENTS.months(on)
        [end] = household_ends([subject.id]) or [None]
        general = (f"Nach dem Ende Ihres Falls bewahren wir die Daten auf: {_months_text(unsuccessful)}, wenn "
                   f"wir Ihnen keine Wohnung vermittelt haben, sonst {_months_text(placed)}. Danach löschen wir "
                   "Ihren Namen, Ihre Kontaktdaten und alle Notizen. Zahlen für die Statistik bleiben, ohne Bezug "
                   "zu Ihnen.")
        if end is None:
            status["text"] = "Ihr Fall läuft noch. " + general + log_text
            return status
        months = unsuccessful if end.retention_class == "unsuccessful_applications" else placed
        status.update(retention_class=end.retention_class, months=months, ended_on=end.ended_on,
                      due_on=end.ended_on + relativedelta(months=months))
        status["text"] = (f"Ihr Fall endete am {end.ended_on:%d.%m.%Y}. " + general
                          + f" Für Sie heißt das: ab dem {status['due_on']:%d.%m.%Y}." + log_text)
        return status
    if kind_slug == "participant":
        months = PARTICIPANTS.months(on)
        due_on = subject.ends_on + relativedelta(months=months)
        status.update(retention_class="participants", months=months, ended_on=subject.ends_on, due_on=due_on)
        status["text"] = (f"Wir bewahren die Daten {_months_text(months)} nach dem Ende Ihrer Maßnahme auf, weil die "
                          f"Fördermittel so lange geprüft werden können. Ihre Maßnahme endet am "
                          f"{subject.ends_on:%d.%m.%Y}; ab dem {due_on:%d.%m.%Y} löschen wir Ihren Namen, Ihre "
                          "Kontaktdaten und Qualifikationen. Die Stunden bleiben für die Statistik, ohne Bezug zu "
                          "Ihnen." + log_text)
        return status
    status["text"] = ("Die Angaben zu Eigentümern bewahren wir auf, solange das Verfahren zum Gebäude läuft und die "
                      "Akte aufbewahrt werden muss." + log_text)
    return status
