"""Subject access (Art. 15 GDPR): everything the system holds about one person, and to whom it was disclosed.

``collect`` gathers, for an applicant household, a participant or an owner: every column of the record, the
related records, the metadata of attached files, every audit event about the record or its related records
(views, changes, documents, exports) with who and when, the collective documents that contained the person
(a month's timesheets), and the list exports of the whole record class that may have. ``as_json`` renders it
machine-readable (ISO dates), ``documents.subject_access_pdf`` in plain German for the person.

Other people's personal data stays out: staff appear by name and e-mail (that is the disclosure), a private
landlord as "Privatperson", co-owners and other households not at all, staff IP addresses not at all.
"""

import ast
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import abort
from sqlalchemy import String, and_, cast, inspect, or_, select

from ..attachments.models import Attachment
from ..audit.models import AuditEvent
from ..auth.models import User
from ..clock import today, utcnow
from ..documents.models import DocumentBuild
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    HealthNoteBasis,
    LandlordKind,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportContact,
    SupportTopic,
    Tenancy,
)
from ..properties.models import Owner, Ownership, Property
from ..renovation.hours import month_end
from ..renovation.models import HourEntry, MonthLock, Participant, Qualification
from .retention import retention_status


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    label: object  # lazy, for the pages
    record_type: str  # the table name, as the audit log names records
    attachment_types: tuple[str, ...]  # attachment subject types that belong to this person's records


KINDS = {
    "applicant": Kind("applicant", Applicant, _l("Haushalt (Wohnungszugang)"), "applicants",
                      ("applicant", "consent", "offer", "tenancy", "support_contact", "landlord_support_case")),
    "participant": Kind("participant", Participant, _l("Teilnehmende (Viertelwerk)"), "participants",
                        ("participant", "qualification", "hour_entry")),
    "owner": Kind("owner", Owner, _l("Eigentümer (Ankauf)"), "owners", ("owner", "ownership")),
}
KIND_OF_TYPE = {kind.record_type: kind for kind in KINDS.values()}


def get_subject_or_404(slug: str, subject_id: int):
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    subject = db.session.get(kind.model, subject_id)
    if subject is None:
        abort(404)
    return kind, subject


def display_name(subject) -> str:
    return subject.name


# --- search ------------------------------------------------------------------------------------------------

_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})


def fold(text: str | None) -> str:
    """Lower case without accents, so "Stefan" finds "Ştefan" and "lukasz" finds "Łukasz" on every database."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_FOLD))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass
class SearchHit:
    kind: Kind
    id: int
    name: str
    detail: str


SEARCH_LIMIT = 50


def search(slug: str, query: str) -> list[SearchHit]:
    """By record number ("12", "#12", "Nr. 12") or by name: every word of the query in the name, ignoring case
    and accents. The names are compared here rather than in SQL, where SQLite folds only ASCII letters; an admin
    search over a few thousand names stays fast."""
    kind = KINDS[slug]
    model = kind.model
    text = " ".join((query or "").split())
    number = text.lower().removeprefix("nr.").removeprefix("#").strip()
    if number.isascii() and number.isdigit() and len(number) <= 9:
        subject = db.session.get(model, int(number))
        return [_hit(kind, subject)] if subject is not None else []
    words = fold(text).split()
    if not words:
        return []
    if model is Owner:
        rows = db.session.execute(select(Owner.id, Owner.name).order_by(Owner.name, Owner.id)).all()
        ids = [row.id for row in rows if all(word in fold(row.name) for word in words)]
    else:
        rows = db.session.execute(select(model.id, model.first_name, model.last_name)
                                  .order_by(model.last_name, model.first_name, model.id)).all()
        ids = [row.id for row in rows if all(word in fold(f"{row.first_name} {row.last_name}") for word in words)]
    ids = ids[:SEARCH_LIMIT]
    found = {subject.id: subject for subject in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return [_hit(kind, found[subject_id]) for subject_id in ids if subject_id in found]


def _hit(kind: Kind, subject) -> SearchHit:
    from ..reports.pdf import de_date

    if isinstance(subject, Applicant):
        detail = " · ".join(part for part in (de_date(subject.birth_date), str(subject.status.label)) if part)
    elif isinstance(subject, Participant):
        detail = f"{de_date(subject.birth_date)} · {de_date(subject.starts_on)} – {de_date(subject.ends_on)}"
    else:
        detail = " · ".join(part for part in (str(subject.kind.label), subject.address or "") if part)
    return SearchHit(kind, subject.id, subject.sort_name if hasattr(subject, "sort_name") else subject.name, detail)


# --- the collected data --------------------------------------------------------------------------------------


@dataclass
class Section:
    """A list of related records: ``columns`` are what the PDF shows (key, German label); the JSON has every key
    of the rows."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    intro: str | None = None
    empty: str = "Keine Einträge."
    layout: str = "table"  # or "records": one block per row


@dataclass
class SubjectAccess:
    kind: Kind
    subject_id: int
    name: str
    generated_at: datetime
    record: dict  # every column of the record (and a few resolved names), raw values
    fields: list[tuple[str, str]]  # (key, German label) of ``record`` for the PDF, in order
    sections: list[Section]
    attachments: list[dict]
    events: list[dict]  # every audit event about the record and its related records
    documents: list[dict]  # documents and exports that contained the person, as the audit log shows them
    list_exports: list[dict]  # exports of the whole list while the record existed (the log does not name rows)
    retention: dict | None = None
    notes: list[str] = field(default_factory=list)


def columns_of(obj, exclude=()) -> dict:
    """Every mapped column of ``obj`` by attribute name (so a column added later is never left out)."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs if attr.key not in exclude}


class _Users:
    """Staff names for the user ids met on the way, read in one query at the end."""

    def __init__(self):
        self.ids: set[int] = set()
        self.names: dict[int, tuple[str, str]] = {}

    def want(self, *ids) -> None:
        self.ids.update(i for i in ids if i is not None)

    def load(self) -> None:
        if self.ids:
            self.names = {row.id: (row.name, row.email) for row in
                          db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(self.ids)))}

    def name(self, user_id) -> str | None:
        return self.names.get(user_id, (None, None))[0] if user_id is not None else None


USER_COLUMNS = ("advisor_id", "actor_id", "created_by_id", "recorded_by_id", "approved_by_id", "unlocked_by_id",
                "uploaded_by_id")


def _resolve_users(rows: list[dict], users: _Users) -> None:
    for row in rows:
        for key in USER_COLUMNS:
            if key in row:
                row[key.removesuffix("_id") + "_name"] = users.name(row[key])


# --- labels for the PDF ------------------------------------------------------------------------------------------

APPLICANT_FIELDS = [
    ("id", "Aktenzeichen (Haushalt Nr.)"), ("first_name", "Vorname"), ("last_name", "Nachname"),
    ("birth_date", "Geburtsdatum"), ("phone", "Telefon"), ("email", "E-Mail"), ("languages", "Sprachen"),
    ("interpreter_needed", "Dolmetschen nötig"), ("adults", "Erwachsene im Haushalt"),
    ("children", "Kinder im Haushalt"), ("housing_situation", "Wohnsituation"), ("income_source", "Einkommen aus"),
    ("monthly_income", "Einkommen im Monat"), ("wbs_valid_until", "Wohnberechtigungsschein (WBS) gültig bis"),
    ("wbs_persons", "WBS für Personen"), ("urgency", "Dringlichkeit"), ("step_free_needed", "Stufenlose Wohnung nötig"),
    ("preferred_areas", "Wunschgebiete"), ("excluded_areas", "Ausgeschlossene Gebiete"),
    ("registered_on", "Aufgenommen am"), ("advisor_name", "Ihre Beratung"), ("status", "Stand"),
    ("status_changed_at", "Stand seit"), ("notes", "Notizen"),
    ("health_note", "Angaben zur Gesundheit"), ("health_note_basis", "Rechtsgrundlage der Gesundheitsangabe"),
    ("created_at", "Gespeichert seit"),
]
PARTICIPANT_FIELDS = [
    ("id", "Teilnehmenden-Nr."), ("first_name", "Vorname"), ("last_name", "Nachname"),
    ("birth_date", "Geburtsdatum"), ("phone", "Telefon"), ("email", "E-Mail"),
    ("jobcenter_ref", "Kundennummer beim Jobcenter"), ("funding_basis", "Förderung"),
    ("starts_on", "Beginn der Maßnahme"), ("ends_on", "Ende der Maßnahme"), ("weekly_hours", "Stunden pro Woche"),
    ("project_name", "Projekt"), ("project_building", "Baustelle"), ("supervisor_names", "Anleitung"),
    ("default_work_package", "Gewerk"), ("created_at", "Gespeichert seit"),
]
OWNER_FIELDS = [
    ("id", "Eigentümer-Nr."), ("kind", "Art"), ("name", "Name"), ("address", "Anschrift"), ("contact", "Kontakt"),
    ("notes", "Notizen"), ("created_at", "Gespeichert seit"),
]
# Technical columns the PDF leaves out (the JSON has them): the optimistic-lock counter, a sort helper, ids the
# PDF shows by name.
PDF_HIDDEN = {"version", "urgency_rank", "advisor_id", "project_id", "default_work_package_id"}


def labelled_fields(record: dict, known: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The known fields in order, then any column added since (by its name): the PDF never drops a field."""
    keys = {key for key, _label in known}
    extra = [(key, key) for key in record if key not in keys and key not in PDF_HIDDEN]
    return [(key, label) for key, label in known if key in record] + extra


# --- what the audit log's actions mean, in plain German ----------------------------------------------------------

ACTION_TEXT = {
    "applicant.create": "Akte angelegt", "applicant.update": "Angaben geändert",
    "applicant.transition": "Stand geändert", "applicant.view": "Akte angesehen",
    "applicant.health_note": "Angaben zur Gesundheit geändert",
    "consent.give": "Einwilligung eingetragen", "consent.revoke": "Einwilligung widerrufen",
    "offer.create": "Wohnungsangebot angelegt", "offer.transition": "Wohnungsangebot: Stand geändert",
    "offer.letter": "Angebotsschreiben erstellt (PDF)", "tenancy.create": "Mietverhältnis angelegt",
    "tenancy.move_in": "Einzug eingetragen", "support_contact.create": "Kontakt in der Nachbetreuung eingetragen",
    "landlord_support.open": "Anliegen der Vermieterseite aufgenommen",
    "landlord_support.resolve": "Anliegen der Vermieterseite erledigt",
    "applicant.export": "Liste der Haushalte exportiert (CSV/Excel)",
    "participant.create": "Akte angelegt", "participant.update": "Angaben geändert",
    "participant.view": "Akte angesehen", "participant.month_view": "Stunden eines Monats angesehen",
    "participant.timesheet": "Stundennachweis erstellt (PDF)",
    "participant.export": "Liste der Teilnehmenden exportiert (CSV/Excel)",
    "qualification.create": "Qualifikation eingetragen", "hour_entry.create": "Stunden eingetragen",
    "hour_entry.update": "Stunden geändert", "hour_entry.delete": "Stunden gelöscht",
    "month.approve": "Monat freigegeben", "month.unlock": "Freigabe eines Monats aufgehoben",
    "ownership.create": "Eigentum eingetragen", "property.view": "Akte des Gebäudes angesehen (mit Eigentümern)",
    "property.dossier": "Fallakte des Gebäudes erstellt (PDF, mit Eigentümern)",
    "acquisition.read": "Ankaufsdaten des Gebäudes abgerufen", "attachment.create": "Datei gespeichert",
    "document.requested": "Sammel-PDF erstellt", "document.download": "Sammel-PDF heruntergeladen",
    "privacy.subject_view": "Auskunftsseite geöffnet (Datenschutz)",
    "privacy.subject_access": "Auskunft erstellt (Datenschutz)",
    "privacy.anonymise": "Anonymisiert nach Ablauf der Aufbewahrungsfrist",
}
VIEW_SUFFIXES = (".view", ".month_view", ".read", ".list", ".subject_view")
DOCUMENT_SUFFIXES = (".letter", ".timesheet", ".dossier", ".protocol", ".export", ".subject_access", ".requested",
                     ".download")


FIELD_LABELS = {key: label for fields in (APPLICANT_FIELDS, PARTICIPANT_FIELDS, OWNER_FIELDS)
                for key, label in fields} | {"status": "Stand", "hours": "Stunden", "worked_on": "Tag",
                                             "work_package_id": "Gewerk", "absence": "Abwesenheit",
                                             "viewing_on": "Besichtigung", "ends_on": "Ende"}
STATUS_ENUMS = {"applicants": ApplicantStatus, "offers": OfferStatus}


def _status_label(record_type: str, value) -> str:
    try:
        return str(STATUS_ENUMS[record_type](value).label)
    except (KeyError, ValueError):
        return str(value or "–")


def describe(row: dict) -> str:
    """What an event did, in plain German: a status change with its two statuses, a change with the fields it
    touched (on a second line), a collective document by its name."""
    text = row.get("document") or row["description"]
    changes = dict(row.get("changes") or {})
    status = changes.pop("status", None)
    if isinstance(status, list) and len(status) == 2 and row["record_type"] in STATUS_ENUMS:
        old, new = (_status_label(row["record_type"], value) if value else "–" for value in status)
        text += f" ({old} → {new})"
    if changes and row["category"] == "change":
        text += "\nGeändert: " + ", ".join(FIELD_LABELS.get(key, key) for key in changes)
    return text


def category(action: str) -> str:
    """``view``, ``document`` (a document or export that carried the data) or ``change``."""
    if action.endswith(VIEW_SUFFIXES):
        return "view"
    if action.endswith(DOCUMENT_SUFFIXES):
        return "document"
    return "change"


# --- collecting ------------------------------------------------------------------------------------------------


def collect(kind: Kind, subject) -> SubjectAccess:
    """Everything about ``subject`` (a read only: the caller records the export and commits)."""
    users = _Users()
    collector = {"applicant": _applicant, "participant": _participant, "owner": _owner}[kind.slug]
    record, fields, sections, refs, related_events, exports = collector(subject, users)
    attachments = _attachments(kind, refs, users)
    refs.append(("attachments", [row["id"] for row in attachments]))
    events = [(event, {}) for event in _events(refs)] + related_events
    events.sort(key=lambda pair: (pair[0].occurred_at, pair[0].id))
    list_exports = _list_exports(exports, since=subject.created_at)
    users.want(*(event.actor_id for event, _extra in events), *(event.actor_id for event in list_exports))
    users.load()
    for section in sections:
        _resolve_users(section.rows, users)
    _resolve_users([record], users)
    _resolve_users(attachments, users)
    event_rows = [_event_row(event, users, extra) for event, extra in events]
    return SubjectAccess(kind=kind, subject_id=subject.id, name=display_name(subject), generated_at=utcnow(),
                         record=record, fields=fields, sections=sections, attachments=attachments, events=event_rows,
                         documents=[row for row in event_rows if row["category"] == "document"],
                         list_exports=[_event_row(event, users) for event in list_exports],
                         retention=retention_status(kind.slug, subject, today()))


def _event_row(event: AuditEvent, users: _Users, extra: dict | None = None) -> dict:
    row = {"id": event.id, "occurred_at": event.occurred_at, "actor_name": users.name(event.actor_id),
           "actor_email": event.actor_label, "action": event.action,
           "description": ACTION_TEXT.get(event.action, event.action), "category": category(event.action),
           "record_type": event.object_type, "record_id": event.object_id, "summary": event.summary,
           "changes": event.changes}
    row.update(extra or {})
    row["text"] = describe(row)
    return row


def _as_strings(ids):
    """Record ids as the audit log stores them (text): a list, or a select of integer ids."""
    if isinstance(ids, list):
        return [str(i) for i in ids]
    subquery = ids.subquery()
    return select(cast(list(subquery.c)[0], String))


def _events(refs: list[tuple[str, object]]) -> list[AuditEvent]:
    """Every event whose record is one of ``refs``: (record type, a list or a select of ids) pairs."""
    clauses = [and_(AuditEvent.object_type == record_type, AuditEvent.object_id.in_(_as_strings(ids)))
               for record_type, ids in refs if not (isinstance(ids, list) and not ids)]
    if not clauses:
        return []
    return list(db.session.scalars(select(AuditEvent).where(or_(*clauses))))


def _list_exports(actions: tuple[str, ...], since: datetime) -> list[AuditEvent]:
    """Exports of the whole list of the record class since the record was created: the log does not say which
    rows an export held, so the person learns of every export that may have held them."""
    if not actions:
        return []
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(actions), AuditEvent.object_id.is_(None),
                                 AuditEvent.occurred_at >= since)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))


def _attachments(kind: Kind, refs: list[tuple[str, object]], users: _Users) -> list[dict]:
    """Metadata of the files attached to the person's records (never their content)."""
    by_type = {"applicants": "applicant", "consents": "consent", "offers": "offer", "tenancies": "tenancy",
               "support_contacts": "support_contact", "landlord_support_cases": "landlord_support_case",
               "participants": "participant", "qualifications": "qualification", "hour_entries": "hour_entry",
               "owners": "owner", "ownerships": "ownership"}
    clauses = []
    for record_type, ids in refs:
        subject_type = by_type.get(record_type)
        if subject_type not in kind.attachment_types:
            continue
        if isinstance(ids, list) and not ids:
            continue
        clauses.append(and_(Attachment.subject_type == subject_type, Attachment.subject_id.in_(ids)))
    if not clauses:
        return []
    rows = []
    for attachment in db.session.scalars(select(Attachment).where(or_(*clauses)).order_by(Attachment.id)):
        users.want(attachment.uploaded_by_id)
        rows.append({"id": attachment.id, "record_type": attachment.subject_type, "record_id": attachment.subject_id,
                     "original_name": attachment.original_name, "content_type": attachment.content_type,
                     "size_bytes": attachment.size_bytes, "sha256": attachment.sha256,
                     "uploaded_at": attachment.uploaded_at, "uploaded_by_id": attachment.uploaded_by_id})
    return rows


def _landlord_name(landlord) -> str:
    """A company's name; a private landlord is a person of their own, named only as such."""
    return "Privatperson" if landlord.kind == LandlordKind.PRIVATE else landlord.name


def _flat(unit) -> str:
    building = unit.building
    return f"{building.street} {building.house_number}, {building.postcode} Dortmund, Wohnung {unit.label}"


def _applicant(applicant: Applicant, users: _Users):
    record = columns_of(applicant)
    record["preferred_areas"] = [area.name for area in applicant.preferred_areas]
    record["excluded_areas"] = [area.name for area in applicant.excluded_areas]
    if record.get("health_note_basis") in {basis.value for basis in HealthNoteBasis}:
        record["health_note_basis"] = HealthNoteBasis(record["health_note_basis"])
    users.want(applicant.advisor_id)

    transitions = db.session.scalars(select(ApplicantTransition).where(ApplicantTransition.applicant_id
                                                                       == applicant.id)
                                     .order_by(ApplicantTransition.occurred_at, ApplicantTransition.id)).all()
    history = [columns_of(t, exclude=("applicant_id",)) for t in transitions]
    users.want(*(t.actor_id for t in transitions))
    consents = [columns_of(c, exclude=("applicant_id",)) for c in applicant.consents]
    offers = db.session.scalars(select(Offer).where(Offer.applicant_id == applicant.id).order_by(Offer.id)).all()
    offer_rows = []
    for offer in offers:
        row = columns_of(offer, exclude=("applicant_id",))
        row["flat"] = _flat(offer.vacancy.unit)
        row["landlord"] = _landlord_name(offer.vacancy.landlord)
        row["gross_cold_rent"] = offer.vacancy.gross_cold_rent
        offer_rows.append(row)
        users.want(offer.created_by_id)
    tenancies = db.session.scalars(select(Tenancy).where(Tenancy.applicant_id == applicant.id)
                                   .order_by(Tenancy.starts_on, Tenancy.id)).all()
    tenancy_rows = []
    for tenancy in tenancies:
        row = columns_of(tenancy, exclude=("applicant_id",))
        row["flat"] = _flat(tenancy.unit)
        tenancy_rows.append(row)
    tenancy_ids = [t.id for t in tenancies]
    contacts = db.session.scalars(select(SupportContact).where(SupportContact.tenancy_id.in_(tenancy_ids))
                                  .order_by(SupportContact.contact_on, SupportContact.id)).all() if tenancy_ids else []
    contact_rows = []
    for contact in contacts:
        row = columns_of(contact)
        row["topics"] = [SupportTopic(topic) for topic in contact.topics or []]
        contact_rows.append(row)
        users.want(contact.created_by_id)
    cases = db.session.scalars(select(LandlordSupportCase).where(LandlordSupportCase.tenancy_id.in_(tenancy_ids))
                               .order_by(LandlordSupportCase.opened_on, LandlordSupportCase.id)).all() \
        if tenancy_ids else []
    case_rows = []
    for case_ in cases:
        row = columns_of(case_, exclude=("landlord_id",))
        row["landlord"] = _landlord_name(case_.landlord)
        case_rows.append(row)

    sections = [
        Section("status_history", "Verlauf Ihres Falls",
                [("occurred_at", "Wann"), ("from_status", "von"), ("to_status", "nach"), ("reason", "Begründung"),
                 ("actor_name", "Wer")], history),
        Section("consents", "Ihre Einwilligungen",
                [("purpose", "Wofür"), ("given_on", "Gegeben am"), ("expires_on", "Gültig bis"),
                 ("revoked_on", "Widerrufen am")], consents),
        Section("offers", "Wohnungsangebote",
                [("created_at", "Angebot vom"), ("flat", "Wohnung"), ("gross_cold_rent", "Miete bruttokalt"),
                 ("status", "Stand"), ("viewing_on", "Besichtigung"), ("decline_reason", "Grund der Absage"),
                 ("rule_snapshot", "Prüfung der Regeln")], offer_rows, layout="records"),
        Section("tenancies", "Mietverhältnisse",
                [("flat", "Wohnung"), ("starts_on", "Beginn"), ("ends_on", "Ende"),
                 ("net_cold_rent", "Miete netto kalt"), ("aftercare_until", "Nachbetreuung bis")], tenancy_rows),
        Section("support_contacts", "Nachbetreuung: Kontakte",
                [("contact_on", "Datum"), ("kind", "Art"), ("topics", "Themen"), ("outcome", "Ergebnis"),
                 ("next_due_on", "Nächster Kontakt"), ("created_by_name", "Wer")], contact_rows),
        Section("landlord_support_cases", "Anliegen Ihrer Vermieterin oder Ihres Vermieters",
                [("opened_on", "Seit"), ("landlord", "Vermieter"), ("kind", "Art"), ("description", "Beschreibung"),
                 ("resolved_on", "Erledigt am"), ("outcome", "Ergebnis")], case_rows),
    ]
    refs = [("applicants", [applicant.id]), ("offers", [o.id for o in offers]), ("tenancies", tenancy_ids),
            ("support_contacts", [c.id for c in contacts]), ("landlord_support_cases", [c.id for c in cases]),
            ("consents", [c.id for c in applicant.consents])]
    return record, labelled_fields(record, APPLICANT_FIELDS), sections, refs, [], ("applicant.export",)


def _participant(participant: Participant, users: _Users):
    record = columns_of(participant)
    project = participant.project
    record["project_name"] = project.name
    record["project_building"] = project.building.short_address
    record["supervisor_names"] = [supervisor.name for supervisor in project.supervisors]
    record["default_work_package"] = participant.default_work_package.title if participant.default_work_package \
        else None

    qualifications = db.session.scalars(select(Qualification).where(Qualification.participant_id == participant.id)
                                        .order_by(Qualification.obtained_on, Qualification.id)).all()
    entries = db.session.scalars(select(HourEntry).where(HourEntry.participant_id == participant.id)
                                 .order_by(HourEntry.worked_on, HourEntry.id)).all()
    entry_rows = []
    months: dict[date, dict] = {}
    for entry in entries:
        row = columns_of(entry, exclude=("participant_id",))
        row["work_package"] = entry.work_package.title if entry.work_package else None
        entry_rows.append(row)
        users.want(entry.recorded_by_id)
        month = months.setdefault(entry.worked_on.replace(day=1), {"month": entry.worked_on.replace(day=1),
                                                                    "present_hours": Decimal("0"),
                                                                    "absent_hours": Decimal("0"), "days": set()})
        month["present_hours" if entry.absence is None else "absent_hours"] += entry.hours
        month["days"].add(entry.worked_on)
    month_rows = [{"month": m["month"], "present_hours": m["present_hours"], "absent_hours": m["absent_hours"],
                   "days": len(m["days"])} for m in months.values()]
    locks = db.session.scalars(select(MonthLock).where(MonthLock.participant_id == participant.id)
                               .order_by(MonthLock.month)).all()
    lock_rows = [columns_of(lock, exclude=("participant_id",)) for lock in locks]
    users.want(*(lock.approved_by_id for lock in locks), *(lock.unlocked_by_id for lock in locks))

    sections = [
        Section("qualifications", "Qualifikationen und Unterweisungen",
                [("kind", "Art"), ("name", "Bezeichnung"), ("obtained_on", "Erworben am"),
                 ("valid_until", "Gültig bis")], [columns_of(q, exclude=("participant_id",)) for q in qualifications]),
        Section("months", "Ihre Stunden je Monat",
                [("month", "Monat"), ("days", "Tage mit Eintrag"), ("present_hours", "Gearbeitet (Std.)"),
                 ("absent_hours", "Abwesend (Std.)")], month_rows,
                intro="Die Summen der Einträge unten."),
        Section("month_locks", "Freigegebene Monate",
                [("month", "Monat"), ("approved_at", "Freigegeben am"), ("approved_by_name", "Von"),
                 ("unlocked_at", "Wieder geöffnet am"), ("unlock_reason", "Grund")], lock_rows),
        Section("hour_entries", "Alle Einträge Ihrer Arbeitszeit",
                [("worked_on", "Tag"), ("hours", "Stunden"), ("work_package", "Gewerk"), ("absence", "Abwesenheit"),
                 ("activity", "Tätigkeit")], entry_rows),
    ]
    refs = [("participants", [participant.id]), ("qualifications", [q.id for q in qualifications]),
            ("hour_entries", select(HourEntry.id).where(HourEntry.participant_id == participant.id)),
            ("month_locks", [lock.id for lock in locks])]
    return (record, labelled_fields(record, PARTICIPANT_FIELDS), sections, refs, _timesheet_builds(participant),
            ("participant.export",))


def _timesheet_builds(participant: Participant) -> list[tuple[AuditEvent, dict]]:
    """The month's timesheets built for a project hold every participant whose measure runs in that month (see
    ``renovation.reports.month_timesheets``): the request and each download of such a file."""
    requests = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.requested",
                                                           AuditEvent.summary.startswith("timesheets "),
                                                           AuditEvent.occurred_at >= participant.created_at)).all()
    found = []
    for event in requests:
        object_id = event.object_id or ""
        build = db.session.get(DocumentBuild, int(object_id)) \
            if object_id.isascii() and object_id.isdigit() and len(object_id) <= 9 else None
        params = build.params if build is not None else _params_of(event.summary)
        try:
            first = date.fromisoformat(f"{params['month']}-01")
            project_ids = set(params["project_ids"])
        except (KeyError, TypeError, ValueError):
            continue
        if participant.project_id in project_ids and participant.starts_on <= month_end(first) \
                and participant.ends_on >= first:
            found.append((event, {"document": f"Stundennachweise {first:%m/%Y} (alle Teilnehmenden des Projekts)"}))
    build_ids = [event.object_id for event, _extra in found]
    if build_ids:
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.download",
                                                                 AuditEvent.object_type == "document_builds",
                                                                 AuditEvent.object_id.in_(build_ids))):
            found.append((event, {"document": "Sammel-PDF der Stundennachweise heruntergeladen"}))
    return found


def _params_of(summary: str | None) -> dict:
    """The parameters as the request's summary wrote them (``"timesheets {'month': …}"``), once the build is gone."""
    try:
        value = ast.literal_eval((summary or "").partition(" ")[2])
    except (ValueError, SyntaxError):
        return {}
    return value if isinstance(value, dict) else {}


OWNER_DISCLOSING_ACTIONS = ("property.view", "property.dossier")


def _owner(owner: Owner, users: _Users):
    record = columns_of(owner)
    ownerships = db.session.scalars(select(Ownership).where(Ownership.owner_id == owner.id)
                                    .order_by(Ownership.registered_on, Ownership.id)).all()
    property_ids = sorted({o.property_id for o in ownerships})
    properties = {p.id: p for p in db.session.scalars(select(Property).where(Property.id.in_(property_ids)))} \
        if property_ids else {}
    ownership_rows = []
    for ownership in ownerships:
        row = columns_of(ownership, exclude=("owner_id",))
        row["building"] = properties[ownership.property_id].address
        ownership_rows.append(row)
    property_rows = [{"id": p.id, "address": p.address, "social_area": p.social_area.name, "parcel": p.parcel,
                      "year_built": p.year_built, "status": p.status, "is_problem_case": p.is_problem_case}
                     for p in properties.values()]
    sections = [
        Section("ownerships", "Eigentum laut Grundbuch",
                [("building", "Gebäude"), ("registered_on", "Eingetragen am"), ("ended_on", "Bis"),
                 ("land_register_ref", "Grundbuch")], ownership_rows),
        Section("properties", "Gebäude",
                [("address", "Anschrift"), ("social_area", "Sozialraum"), ("parcel", "Flurstück"),
                 ("year_built", "Baujahr"), ("status", "Verfahrensstand")], property_rows),
    ]
    refs = [("owners", [owner.id]), ("ownerships", [o.id for o in ownerships])]
    # The building's page and case file show its owners: each view and dossier since this owner was recorded.
    shown = []
    if property_ids:
        shown = [(event, {}) for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "properties", AuditEvent.object_id.in_([str(i) for i in property_ids]),
            AuditEvent.action.in_(OWNER_DISCLOSING_ACTIONS), AuditEvent.occurred_at >= owner.created_at))]
    return record, labelled_fields(record, OWNER_FIELDS), sections, refs, shown, ()


# --- JSON ------------------------------------------------------------------------------------------------------


def jsonable(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    return value


def as_json(access: SubjectAccess, *, generated_by: str | None) -> dict:
    """The complete export, machine-readable: ISO dates, enum values, amounts as decimal strings."""
    data = {
        "format": "housing.subject_access/1",
        "legal_basis": "Art. 15 DSGVO",
        "generated_at": access.generated_at,
        "generated_by": generated_by,
        "subject": {"type": access.kind.slug, "record_type": access.kind.record_type, "id": access.subject_id},
        "record": access.record,
        "related": {section.key: section.rows for section in access.sections},
        "attachments": access.attachments,
        "disclosures": {
            "audit_events": access.events,
            "documents": access.documents,
            "list_exports": access.list_exports,
        },
        "retention": access.retention,
    }
    return jsonable(data)
