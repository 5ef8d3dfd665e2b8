"""Retention on a frozen clock: records just past each period are anonymised (or, for the audit log, deleted), those
just inside stay untouched, the programme report's figures for past periods do not move, the audit log shows the
run's counts, and the preview lists exactly what the run then does."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.audit.services import record
from housing.auth.roles import Role
from housing.clock import LOCAL_TZ
from housing.extensions import db
from housing.jobs.housekeeping import run_retention
from housing.jobs.models import Notification
from housing.placement import services as placement
from housing.placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    LandlordSupportCase,
    Offer,
    SupportContact,
    Tenancy,
)
from housing.privacy import retention
from housing.privacy.models import AnonymisedRecord
from housing.renovation.models import HourEntry, MonthLock, Participant, Qualification
from housing.reports.programme import Period, aftercare_figures, placement_figures, viertelwerk_figures
from housing.rules.registry import RETENTION_UNSUCCESSFUL
from housing.rules.services import add_version

from .. import factories
from ..factories import UserFactory
from .conftest import placed_household

RUN_DAY = date(2031, 3, 15)


def at(day: date, hour: int = 12, minute: int = 0):
    """Travel to a Dortmund wall-clock time (noon by default, far from the day's edges in UTC)."""
    return time_machine.travel(datetime.combine(day, time(hour, minute), LOCAL_TZ), tick=False)


def _status(applicant: Applicant, target: str, actor, reason="Abschluss") -> None:
    placement.transition_applicant(applicant, target, actor=actor, reason=reason)
    db.session.commit()


def _resolve(case_: LandlordSupportCase, day: date, actor) -> None:
    placement.resolve_support_case(case_, {"resolved_on": day, "outcome": f"Einigung am {day}"}, actor=actor)
    db.session.commit()


@pytest.fixture
def world():
    """Records on both sides of every period's edge for a run on RUN_DAY (2031-03-15):
    unsuccessful applications 6 months (edge 2030-09-15), placements 72 months (2025-03-15), participants 120
    months (2021-03-15), audit log 24 months (2029-03-15, midnight in Dortmund)."""
    made = {}
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR], name="Berta Beratung")
    with at(date(2020, 6, 1)):
        crew = factories.viertelwerk_project(crew_size=2)
        supervisor = db.session.get(Participant, crew["participants"][0]).project.supervisors[0]
        for index, (participant_id, ends_on) in enumerate(zip(crew["participants"],
                                                              (date(2021, 3, 15), date(2021, 3, 16)), strict=True)):
            person = db.session.get(Participant, participant_id)
            person.first_name, person.last_name = ("Gheorghe", "Ţăranu") if index == 0 else ("Mirela", "Dumitrescu")
            person.birth_date, person.phone, person.jobcenter_ref = date(1979, 8, 23), "0176 111", f"JC-{index}"
            person.ends_on = ends_on
            for day in range(3):
                db.session.add(HourEntry(participant_id=person.id, worked_on=date(2020, 5, 11 + day),
                                         project_id=crew["project"], work_package_id=crew["package"],
                                         slot=str(crew["package"]), hours=Decimal("7.5"),
                                         activity=f"Wand bei {person.last_name}", recorded_by_id=supervisor.id))
            db.session.add(MonthLock(participant_id=person.id, month=date(2020, 5, 1), approved_by_id=supervisor.id,
                                     unlock_reason=f"Korrektur für {person.last_name}"))
            made[f"participant_{index}"] = person.id
        db.session.commit()

    with at(date(2024, 6, 1)):
        for name, street in (("due_stabilised", "Leopoldstraße"), ("kept_stabilised", "Mallinckrodtstraße"),
                             ("due_tenancy_end", "Bornstraße"), ("open_case", "Schützenstraße")):
            house = placed_household(advisor, first_name=f"Vorname {name}", last_name=f"Familie {name}",
                                     street=street, birth_date=date(1980, 1, 2), phone="0231 1",
                                     email=f"{name}@example.org", notes=f"Notiz {name}")
            placement.set_health_note(house.applicant, f"Gesundheit {name}", "consent", actor=advisor)
            made[name] = house
        db.session.commit()
        factories.notification(advisor, key="aftercare:due",
                               link=f"/placement/households/{made['due_stabilised'].applicant.id}")
        factories.notification(advisor, key="aftercare:kept",
                               link=f"/placement/households/{made['kept_stabilised'].applicant.id}")
        db.session.commit()
    with at(date(2024, 7, 1)):
        for name in ("due_stabilised", "kept_stabilised", "due_tenancy_end"):
            _resolve(made[name].case, date(2024, 7, 1), advisor)
    with at(date(2025, 1, 10)):
        _status(made["open_case"].applicant, "stabilised", advisor)
    with at(date(2025, 3, 15)):
        _status(made["due_stabilised"].applicant, "stabilised", advisor)
        made["due_tenancy_end"].tenancy.ends_on = date(2025, 3, 15)
        db.session.commit()
    with at(date(2025, 3, 16)):
        _status(made["kept_stabilised"].applicant, "stabilised", advisor)

    with at(date(2030, 6, 1)):
        for name in ("due_withdrawn", "kept_lost_contact", "still_searching"):
            made[name] = factories.household(advisor, first_name=f"Vorname {name}", last_name=f"Familie {name}",
                                             phone="0231 2", notes=f"Notiz {name}")
        db.session.commit()
    with at(date(2030, 9, 15), 23, 30):  # late in the evening: already the 15th in UTC too, still the 15th here
        _status(made["due_withdrawn"], "withdrawn", advisor, reason="Zieht zu Verwandten nach Köln")
    with at(date(2030, 9, 16), 0, 30):  # just after midnight here: still the 15th in UTC
        _status(made["kept_lost_contact"], "lost_contact", advisor, reason="Telefon abgemeldet")

    for name, moment in (("old_event", (date(2029, 3, 14), 23, 59)), ("edge_event", (date(2029, 3, 15), 0, 0))):
        with at(*moment):
            event = record(f"test.{name}", object_type="test", summary=name)
            db.session.flush()
            made[name] = event.id
    db.session.commit()
    return made


def _applicant(world, name) -> Applicant:
    value = world[name]
    return db.session.get(Applicant, value.applicant.id if hasattr(value, "applicant") else value.id,
                          populate_existing=True)


DUE_HOUSEHOLDS = ("due_withdrawn", "due_stabilised", "due_tenancy_end")
KEPT_HOUSEHOLDS = ("kept_lost_contact", "still_searching", "kept_stabilised", "open_case")


def test_the_run_anonymises_exactly_what_is_due_and_keeps_the_statistics(world):
    periods = [Period.of(date(2020, 1, 1), date(2020, 12, 31)), Period.of(date(2024, 1, 1), date(2025, 12, 31)),
               Period.of(date(2030, 1, 1), date(2030, 12, 31))]
    with at(RUN_DAY, 1, 30):
        before = [(placement_figures(p), aftercare_figures(p), viertelwerk_figures(p)) for p in periods]
        hours_before = db.session.scalar(select(func.sum(HourEntry.hours)))
        outcome = run_retention(RUN_DAY)
        db.session.commit()
        db.session.expire_all()  # the run changes rows by statement; read them afresh
        after = [(placement_figures(p), aftercare_figures(p), viertelwerk_figures(p)) for p in periods]

    assert after == before
    (_p2020, _a2020, hours2020), (placed, aftercare, _h), (_p2030, withdrawn, _h2030) = before
    assert hours2020.hours == 45 and hours2020.participants == 2  # the figures compared are not empty
    assert placed.placements == 4 and placed.households == {(2, 1): 4} and aftercare.contacts == 8
    assert aftercare.entered.get(ApplicantStatus.STABILISED) == 3
    assert db.session.scalar(select(func.sum(HourEntry.hours))) == hours_before

    for name in DUE_HOUSEHOLDS:
        applicant = _applicant(world, name)
        assert (applicant.first_name, applicant.last_name) == (f"Nr. {applicant.id}", "Anonymisiert"), name
        assert (applicant.birth_date, applicant.phone, applicant.email, applicant.notes, applicant.health_note,
                applicant.health_note_basis, applicant.languages) == (None, None, None, None, None, None, []), name
        assert applicant.adults == 2 and applicant.children == 1 and applicant.income_source.value == "sgb2"
        assert not [t for t in db.session.scalars(select(ApplicantTransition.reason)
                                                  .where(ApplicantTransition.applicant_id == applicant.id)) if t]
    for name in ("due_stabilised", "due_tenancy_end"):
        applicant = _applicant(world, name)
        [offer] = db.session.scalars(select(Offer).where(Offer.applicant_id == applicant.id)).all()
        assert offer.rule_snapshot and all(set(item) == {"rule", "passed"} for item in offer.rule_snapshot)
        [tenancy] = db.session.scalars(select(Tenancy).where(Tenancy.applicant_id == applicant.id)).all()
        assert tenancy.starts_on == date(2024, 6, 1) and tenancy.net_cold_rent == Decimal("500.00")
        contacts = db.session.scalars(select(SupportContact).where(SupportContact.tenancy_id == tenancy.id)).all()
        assert len(contacts) == 2 and {c.outcome for c in contacts} == {None}
        assert {tuple(c.topics) for c in contacts} == {("arrears",), ("neighbours",)}
        [case_] = db.session.scalars(select(LandlordSupportCase).where(LandlordSupportCase.tenancy_id
                                                                       == tenancy.id)).all()
        assert (case_.description, case_.outcome, case_.resolved_on) == ("(anonymisiert)", None, date(2024, 7, 1))
    for name in KEPT_HOUSEHOLDS:
        applicant = _applicant(world, name)
        assert applicant.last_name == f"Familie {name}" and applicant.notes == f"Notiz {name}", name

    gone, kept = (db.session.get(Participant, world[f"participant_{n}"], populate_existing=True) for n in (0, 1))
    assert (gone.first_name, gone.last_name, gone.birth_date) == (f"Nr. {gone.id}", "Anonymisiert", date(1979, 1, 1))
    assert (gone.phone, gone.email, gone.jobcenter_ref) == (None, None, None)
    assert gone.ends_on == date(2021, 3, 15) and gone.weekly_hours == Decimal("30.00")
    assert db.session.scalar(select(func.count()).select_from(Qualification)
                             .where(Qualification.participant_id == gone.id)) == 0
    entries = db.session.scalars(select(HourEntry).where(HourEntry.participant_id == gone.id)).all()
    assert len(entries) == 3 and {e.activity for e in entries} == {None} and sum(e.hours for e in entries) == 22.5
    assert db.session.scalar(select(MonthLock.unlock_reason).where(MonthLock.participant_id == gone.id)) is None
    assert (kept.last_name, kept.phone, kept.birth_date) == ("Dumitrescu", "0176 111", date(1979, 8, 23))
    assert db.session.scalar(select(func.count()).select_from(Qualification)
                             .where(Qualification.participant_id == kept.id)) == 1
    assert db.session.scalar(select(MonthLock.unlock_reason).where(MonthLock.participant_id == kept.id))

    assert db.session.get(AuditEvent, world["old_event"]) is None
    assert db.session.get(AuditEvent, world["edge_event"]) is not None
    assert db.session.scalar(select(func.min(AuditEvent.occurred_at))) >= datetime(2029, 3, 15, tzinfo=LOCAL_TZ)

    # Reminders that named an anonymised household go with it.
    assert set(db.session.scalars(select(Notification.key))) == {"aftercare:kept"}

    summary = str(outcome.summary)
    for part in ("erfolglose Bewerbungen anonymisiert: 1", "Vermittlungen und Nachbetreuung anonymisiert: 2",
                 "Teilnehmende anonymisiert: 1"):
        assert part in summary
    assert "Audit-Log-Einträge gelöscht: 0" not in summary


def test_the_audit_log_shows_the_runs_counts_and_no_personal_data(world):
    with at(RUN_DAY, 1, 30):
        run_retention(RUN_DAY)
        db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["privacy.retention", "privacy.audit_purge", "retention.run"])).order_by(AuditEvent.id)).all()
    by_type = {(e.action, e.object_type): e for e in events}
    households = [e for e in events if e.action == "privacy.retention" and e.object_type == "applicants"]
    assert sorted(e.changes["households"] for e in households) == [1, 2]
    assert by_type[("privacy.retention", "participants")].changes == {
        "participants": 1, "qualifications_deleted": 1, "hour_entries_cleared": 3, "files": 0, "messages": 0}
    purge = by_type[("privacy.audit_purge", "audit_events")]
    assert purge.changes["deleted"] > 0 and purge.changes["before"].startswith("2029-03-1")
    marks = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.anonymise")).all()
    assert sorted((e.object_type, e.summary) for e in marks) == sorted(
        [("applicants", "unsuccessful_applications"), ("applicants", "placements"), ("applicants", "placements"),
         ("participants", "participants")])
    everything = " ".join(f"{e.summary} {e.changes}" for e in [*events, *marks])
    for name in ("Familie", "Vorname", "Ţăranu", "Gheorghe", "Köln", "example.org"):
        assert name not in everything
    assert all(e.actor_id is None for e in [*events, *marks])


def test_the_preview_lists_exactly_what_the_run_then_does(world):
    with at(RUN_DAY - timedelta(days=1), 15):
        shown = {item.retention_class.key: item for item in retention.preview(RUN_DAY)}
        audit_count = shown["audit_log"].count
        changed = db.session.scalar(select(func.count()).select_from(AnonymisedRecord))
    assert changed == 0  # the preview changes nothing
    assert {key: sorted(d.record_id for d in item.items) for key, item in shown.items()} == {
        "unsuccessful_applications": [world["due_withdrawn"].id],
        "placements": sorted(_applicant(world, name).id for name in ("due_stabilised", "due_tenancy_end")),
        "participants": [world["participant_0"]],
        "audit_log": [],
    }
    assert [(d.ended_on, d.due_on) for d in shown["unsuccessful_applications"].items] == [
        (date(2030, 9, 15), date(2031, 3, 15))]
    assert sorted(d.ended_on for d in shown["placements"].items) == [date(2025, 3, 15)] * 2
    assert audit_count > 0

    with at(RUN_DAY, 1, 30):
        run_retention(RUN_DAY)
        db.session.commit()
    done = {}
    for row in db.session.scalars(select(AnonymisedRecord)):
        done.setdefault(row.retention_class, []).append(row.record_id)
    assert {key: sorted(ids) for key, ids in done.items()} == {
        key: sorted(d.record_id for d in item.items) for key, item in shown.items() if item.items}
    purge = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.audit_purge"))
    assert purge.changes["deleted"] == audit_count


def test_a_second_run_finds_nothing_and_a_day_later_nothing_more(world):
    with at(RUN_DAY, 1, 30):
        run_retention(RUN_DAY)
        db.session.commit()
        assert [item.count for item in retention.preview(RUN_DAY)] == [0, 0, 0, 0]
    with at(RUN_DAY + timedelta(days=1), 1, 30):
        counts = {item.retention_class.key: item.count for item in retention.preview(RUN_DAY + timedelta(days=1))}
    # The records just inside the periods are due one day later.
    assert counts["unsuccessful_applications"] == 1 and counts["placements"] == 1 and counts["participants"] == 1


def test_the_periods_are_rule_figures_an_admin_can_change_from_a_day_on(world):
    admin = UserFactory(roles=[Role.ADMIN])
    with at(date(2031, 3, 1)):
        add_version(RETENTION_UNSUCCESSFUL, date(2031, 3, 10), 12, actor=admin, note="Dienstanweisung 2031")
        db.session.commit()
    with at(RUN_DAY, 1, 30):
        counts = {item.retention_class.key: (item.months, item.count) for item in retention.preview(RUN_DAY)}
        earlier = {item.retention_class.key: item.months for item in retention.preview(date(2031, 3, 9))}
    assert counts["unsuccessful_applications"] == (12, 0)
    assert earlier["unsuccessful_applications"] == 6


def test_the_seeded_periods_are_the_domains_defaults(app):
    from housing.rules.models import RuleValue

    seeded = dict(db.session.execute(select(RuleValue.key, RuleValue.value)
                                     .where(RuleValue.key.like("retention_%"))).all())
    assert seeded == {"retention_unsuccessful_applications_months": 6, "retention_placement_aftercare_months": 72,
                      "retention_participants_months": 120, "retention_audit_log_months": 24}


@pytest.mark.parametrize("policy", [(Applicant, retention.APPLICANT_KEEP, retention.APPLICANT_REPLACE),
                                    (Participant, retention.PARTICIPANT_KEEP, retention.PARTICIPANT_REPLACE)],
                         ids=["applicants", "participants"])
def test_every_column_is_kept_replaced_or_cleared(policy):
    """A column added to a model later must be decided: a nullable one is cleared by default, a non-nullable one
    stops here."""
    model, keep, replace = policy
    replaced, cleared = retention.scrub_plan(model, keep, replace)
    assert set(replaced) | set(cleared) | keep == {column.name for column in model.__table__.columns}
    assert {"first_name", "last_name", "birth_date", "phone", "email"} <= set(replaced) | set(cleared)


def test_the_subject_access_tells_the_person_how_long_and_after_the_run_that_it_happened(world, as_user):
    from .conftest import fetch_exports

    admin = UserFactory(roles=[Role.ADMIN])
    applicant_id = world["due_withdrawn"].id
    with at(RUN_DAY - timedelta(days=30)):
        data, text = fetch_exports(as_user(admin), "applicant", applicant_id)
    assert data["retention"]["ended_on"] == "2030-09-15" and data["retention"]["due_on"] == "2031-03-15"
    assert "ab dem 15.03.2031" in text
    with at(RUN_DAY, 1, 30):
        run_retention(RUN_DAY)
        db.session.commit()
    with at(RUN_DAY, 9):
        data, text = fetch_exports(as_user(admin), "applicant", applicant_id)
    assert data["retention"]["anonymised_on"] == "2031-03-15" and data["record"]["last_name"] == "Anonymisiert"
    assert "Am 15.03.2031 haben wir Ihren Namen" in text and "Familie due_withdrawn" not in text


def test_the_retention_page_previews_a_chosen_day_and_tomorrow_by_default(world, as_user):
    with at(RUN_DAY - timedelta(days=1), 15):
        admin = as_user(UserFactory(roles=[Role.ADMIN]))
        tomorrow = admin.get("/admin/privacy/retention").get_data(as_text=True)
        earlier = admin.get("/admin/privacy/retention?on=2030-01-01").get_data(as_text=True)
    withdrawn, participant = world["due_withdrawn"].id, world["participant_0"]
    assert 'value="2031-03-15"' in tomorrow
    assert f"/admin/privacy/applicant/{withdrawn}" in tomorrow
    assert f"/admin/privacy/participant/{participant}" in tomorrow
    assert "15.09.2030" in tomorrow and "15.03.2031" in tomorrow  # the end and the day the period ran out
    assert "Familie" not in tomorrow  # references, not names
    assert f"/admin/privacy/applicant/{withdrawn}" not in earlier and 'value="2030-01-01"' in earlier
    assert db.session.scalar(select(func.count()).select_from(AnonymisedRecord)) == 0
