"""The status graph of a problem case (DOMAIN.md section 3): guards, skips, steps back, exits, history."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.clock import today
from housing.errors import Conflict, ValidationFailed
from housing.extensions import db
from housing.properties import services
from housing.properties.models import GUARDS, CaseStatus, Property, StatusTransition, register_guard
from housing.renovation.models import ProjectStatus, RenovationProject
from housing.renovation.services import hand_over

from .conftest import acquired_case

GUARD_INSPECTED = "Für „kontrolliert“ fehlt eine Hauskontrolle."
GUARD_ORDER = "Für „Anordnung erlassen“ fehlt eine erlassene Anordnung."
GUARD_ACQUIRING = "Für „im Erwerb“ fehlt ein Erwerbsvorgang."
GUARD_ACQUIRED = "Für „erworben“ fehlen Übergabedatum und Kaufpreis des Erwerbs."
GUARD_PROJECT = "Für „in Sanierung“ fehlt ein Sanierungsprojekt."
GUARD_COMPLETED = "Für „vermietungsbereit“ fehlt ein abgeschlossenes Sanierungsprojekt."
GUARD_UNITS = "Für „vermietungsbereit“ braucht jede Wohnung Fläche und Miete."
GUARD_LET = "Für „vermietet“ braucht jede Wohnung ein Mietverhältnis."
REASON_BACK = "Für einen Schritt zurück ist eine Begründung nötig."
REASON_EXIT = "Bitte begründen Sie, warum der Fall endet."


def transitions_of(prop) -> list[StatusTransition]:
    return list(db.session.scalars(select(StatusTransition).where(StatusTransition.property_id == prop.id)
                                   .order_by(StatusTransition.id)))


def refused(prop, target, actor, **kwargs) -> Conflict:
    """Try the move, expect a Conflict, and check that nothing moved."""
    before_status, before_moves = prop.status, len(transitions_of(prop))
    with pytest.raises(Conflict) as info:
        services.transition(prop, target, actor=actor, **kwargs)
    assert prop.status == before_status
    assert len(transitions_of(prop)) == before_moves
    return info.value


def project_for(prop, actor, status=None) -> RenovationProject:
    project = hand_over(prop, {"starts_on": today() - timedelta(days=100),
                               "planned_end_on": today() + timedelta(days=100)}, actor=actor)
    if status is not None:
        project.status = status
        db.session.flush()
    return project


# --- guards, one by one: refused with the German message, allowed once the record exists -----------------


def test_inspected_is_refused_without_an_inspection_and_allowed_with_one(make_case, officer):
    prop = make_case()

    error = refused(prop, "inspected", officer)

    assert error.message == GUARD_INSPECTED
    assert error.fields == {"to": [GUARD_INSPECTED]}
    services.record_inspection(prop, inspected_on=today(), condition_rating=3, actor=officer)
    services.transition(prop, "inspected", actor=officer)
    assert prop.status == CaseStatus.INSPECTED


def test_order_issued_is_refused_with_only_a_draft_order_and_allowed_with_an_issued_one(make_case, officer):
    prop = make_case()
    assert refused(prop, "order_issued", officer).message == GUARD_ORDER
    draft = services.create_order(prop, {"type": "repair_order"}, actor=officer)

    assert refused(prop, "order_issued", officer).message == GUARD_ORDER

    services.update_order(draft, {"status": "issued", "issued_on": today()}, actor=officer)
    services.transition(prop, "order_issued", actor=officer)
    assert prop.status == CaseStatus.ORDER_ISSUED


@pytest.mark.parametrize("status", ["complied", "enforced"])
def test_order_issued_also_counts_an_order_that_was_complied_with_or_enforced(make_case, officer, status):
    prop = make_case()
    services.create_order(prop, {"type": "repair_order", "status": status, "issued_on": today()}, actor=officer)

    services.transition(prop, "order_issued", actor=officer)

    assert prop.status == CaseStatus.ORDER_ISSUED


def test_a_withdrawn_order_does_not_satisfy_order_issued(make_case, officer):
    prop = make_case()
    services.create_order(prop, {"type": "repair_order", "status": "withdrawn", "issued_on": today()}, actor=officer)

    assert refused(prop, "order_issued", officer).message == GUARD_ORDER


def test_acquiring_is_refused_without_an_acquisition_and_allowed_with_one(make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)

    assert refused(prop, "acquiring", officer).message == GUARD_ACQUIRING

    services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
    services.transition(prop, "acquiring", actor=officer)
    assert prop.status == CaseStatus.ACQUIRING


def test_acquired_needs_both_transfer_date_and_agreed_price(make_case, officer):
    prop = make_case()
    acquisition = services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
    services.transition(prop, "acquiring", actor=officer)
    assert refused(prop, "acquired", officer).message == GUARD_ACQUIRED

    services.update_acquisition(acquisition, {"notarised_on": today() - timedelta(days=20),
                                              "transferred_on": today() - timedelta(days=1)}, actor=officer)
    assert refused(prop, "acquired", officer).message == GUARD_ACQUIRED

    services.update_acquisition(acquisition, {"transferred_on": None, "agreed_price": Decimal("250000")},
                                actor=officer)
    assert refused(prop, "acquired", officer).message == GUARD_ACQUIRED

    services.update_acquisition(acquisition, {"transferred_on": today() - timedelta(days=1)}, actor=officer)
    services.transition(prop, "acquired", actor=officer)
    assert prop.status == CaseStatus.ACQUIRED


def test_in_renovation_is_refused_without_a_project_and_allowed_after_the_hand_over(make_case, officer):
    prop = acquired_case(make_case(), officer)

    assert refused(prop, "in_renovation", officer).message == GUARD_PROJECT

    project_for(prop, officer)
    services.transition(prop, "in_renovation", actor=officer)
    assert prop.status == CaseStatus.IN_RENOVATION


def test_a_cancelled_project_does_not_satisfy_in_renovation(make_case, officer):
    prop = acquired_case(make_case(), officer)
    project_for(prop, officer, status=ProjectStatus.CANCELLED)

    assert refused(prop, "in_renovation", officer).message == GUARD_PROJECT


def test_hand_over_is_refused_before_the_building_is_acquired(make_case, officer):
    prop = make_case()
    services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
    services.transition(prop, "acquiring", actor=officer)

    with pytest.raises(Conflict) as info:
        project_for(prop, officer)

    assert info.value.message == "Ein Sanierungsprojekt gibt es erst für ein erworbenes Gebäude."
    assert db.session.scalar(select(RenovationProject.id).where(RenovationProject.property_id == prop.id)) is None


def test_ready_for_letting_needs_a_completed_project_and_units_with_area_and_rent(make_case, officer):
    prop = acquired_case(make_case(), officer)
    project = project_for(prop, officer)
    services.transition(prop, "in_renovation", actor=officer)
    error = refused(prop, "ready_for_letting", officer)
    assert sorted(error.fields["to"]) == sorted([GUARD_COMPLETED, GUARD_UNITS])
    assert GUARD_COMPLETED in error.message and GUARD_UNITS in error.message

    project.status = ProjectStatus.COMPLETED
    db.session.flush()
    assert refused(prop, "ready_for_letting", officer).fields == {"to": [GUARD_UNITS]}  # no units at all

    unit = services.add_unit(prop, {"label": "EG links", "area_m2": Decimal("55")}, actor=officer)
    services.add_unit(prop, {"label": "1. OG", "area_m2": Decimal("62"), "planned_rent": Decimal("399")},
                      actor=officer)
    assert refused(prop, "ready_for_letting", officer).fields == {"to": [GUARD_UNITS]}  # one without rent

    services.update_unit(unit, {"planned_rent": Decimal("350.50")}, actor=officer)
    services.transition(prop, "ready_for_letting", actor=officer)
    assert prop.status == CaseStatus.READY_FOR_LETTING


def test_a_unit_without_area_blocks_ready_for_letting(make_case, officer):
    prop = acquired_case(make_case(), officer)
    project_for(prop, officer, status=ProjectStatus.COMPLETED)
    services.transition(prop, "in_renovation", actor=officer)
    services.add_unit(prop, {"label": "DG", "planned_rent": Decimal("300")}, actor=officer)

    assert refused(prop, "ready_for_letting", officer).fields == {"to": [GUARD_UNITS]}


def test_let_is_always_refused_for_now_even_when_everything_else_is_in_place(make_case, officer):
    prop = acquired_case(make_case(), officer)
    project_for(prop, officer, status=ProjectStatus.COMPLETED)
    services.add_unit(prop, {"label": "EG", "area_m2": Decimal("55"), "planned_rent": Decimal("300")}, actor=officer)
    services.transition(prop, "in_renovation", actor=officer)
    services.transition(prop, "ready_for_letting", actor=officer)

    assert refused(prop, "let", officer).message == GUARD_LET


def test_the_whole_pipeline_can_be_walked_step_by_step_when_every_record_exists(make_case, officer):
    prop = make_case()
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("55")}, actor=officer)
    steps = ["registered", "inspected", "owner_engaged", "order_issued", "acquisition_review", "acquiring",
             "acquired", "in_renovation", "ready_for_letting"]
    needs = {
        "inspected": lambda: services.record_inspection(prop, inspected_on=today(), condition_rating=4, actor=officer),
        "order_issued": lambda: services.create_order(prop, {"type": "repair_order", "status": "issued",
                                                             "issued_on": today()}, actor=officer),
        "acquiring": lambda: services.create_acquisition(
            prop, {"method": "purchase", "buyer": "dogewo21", "notarised_on": today() - timedelta(days=9),
                   "transferred_on": today(), "agreed_price": Decimal("1")}, actor=officer),
        "in_renovation": lambda: project_for(prop, officer),
        "ready_for_letting": lambda: (
            setattr(db.session.scalar(select(RenovationProject).where(RenovationProject.property_id == prop.id)),
                    "status", ProjectStatus.COMPLETED),
            services.update_unit(unit, {"planned_rent": Decimal("300")}, actor=officer)),
    }
    for step in steps:
        if step in needs:
            needs[step]()
        services.transition(prop, step, actor=officer)
        assert prop.status == CaseStatus(step)

    assert [move.to_status.value for move in transitions_of(prop)] == ["reported", *steps]


# --- skips ------------------------------------------------------------------------------------------------


def test_a_forward_skip_is_allowed_where_the_target_guard_holds(make_case, officer):
    prop = make_case()
    services.record_inspection(prop, inspected_on=today(), condition_rating=3, actor=officer)
    services.transition(prop, "inspected", actor=officer)

    services.transition(prop, "acquisition_review", actor=officer)

    assert prop.status == CaseStatus.ACQUISITION_REVIEW
    assert transitions_of(prop)[-1].from_status == CaseStatus.INSPECTED


def test_a_forward_skip_before_acquired_does_not_need_the_skipped_stages(make_case, officer):
    """No inspection and no order: skipping 'inspected' and 'order_issued' is still allowed."""
    prop = make_case()

    services.transition(prop, "acquisition_review", actor=officer)

    assert prop.status == CaseStatus.ACQUISITION_REVIEW


def test_a_forward_skip_to_a_guarded_status_is_refused_when_its_guard_fails(make_case, officer):
    prop = make_case()

    assert refused(prop, "order_issued", officer).message == GUARD_ORDER


def test_skipping_past_acquired_checks_the_guard_of_acquired(make_case, officer):
    prop = make_case()
    services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
    services.transition(prop, "acquiring", actor=officer)

    error = refused(prop, "in_renovation", officer)

    assert error.fields == {"to": [GUARD_ACQUIRED, GUARD_PROJECT]}


def test_skipping_to_ready_for_letting_checks_every_skipped_milestone(make_case, officer):
    prop = make_case()
    services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
    services.transition(prop, "acquiring", actor=officer)

    error = refused(prop, "ready_for_letting", officer)

    failures = error.fields["to"]
    assert failures[:2] == [GUARD_ACQUIRED, GUARD_PROJECT]  # the skipped milestones first, in pipeline order
    assert sorted(failures[2:]) == sorted([GUARD_COMPLETED, GUARD_UNITS])


def test_skipping_in_renovation_is_allowed_when_its_guard_holds(make_case, officer):
    prop = acquired_case(make_case(), officer)
    project_for(prop, officer, status=ProjectStatus.COMPLETED)
    services.add_unit(prop, {"label": "EG", "area_m2": Decimal("55"), "planned_rent": Decimal("300")}, actor=officer)

    services.transition(prop, "ready_for_letting", actor=officer)

    assert prop.status == CaseStatus.READY_FOR_LETTING


def test_skipping_from_acquisition_review_to_acquired_works_once_the_transfer_is_recorded(make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)
    acquired_case(prop, officer)

    assert prop.status == CaseStatus.ACQUIRED
    assert transitions_of(prop)[-1].from_status == CaseStatus.ACQUISITION_REVIEW


# --- steps back -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_step_back_without_a_reason_is_refused_on_the_reason_field(make_case, officer, reason):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.transition(prop, "registered", actor=officer, reason=reason)

    assert info.value.fields == {"reason": [REASON_BACK]}
    assert prop.status == CaseStatus.ACQUISITION_REVIEW
    assert len(transitions_of(prop)) == 2


def test_a_step_back_with_a_reason_is_stored_with_the_reason(make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)

    services.transition(prop, "registered", actor=officer, reason="  Ankauf vorerst zurückgestellt  ")

    assert prop.status == CaseStatus.REGISTERED
    move = transitions_of(prop)[-1]
    assert (move.from_status, move.to_status, move.reason) == (
        CaseStatus.ACQUISITION_REVIEW, CaseStatus.REGISTERED, "Ankauf vorerst zurückgestellt")


def test_a_forward_move_needs_no_reason_but_keeps_one_given(make_case, officer):
    prop = make_case()

    services.transition(prop, "registered", actor=officer, reason="Akte angelegt")

    assert transitions_of(prop)[-1].reason == "Akte angelegt"


# --- exits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exit_status", ["resolved_by_owner", "demolished", "delisted"])
def test_an_exit_from_an_open_status_needs_a_reason(make_case, officer, exit_status):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.transition(prop, exit_status, actor=officer)
    assert info.value.fields == {"reason": [REASON_EXIT]}
    assert prop.status == CaseStatus.ACQUISITION_REVIEW

    services.transition(prop, exit_status, actor=officer, reason="Eigentümer hat saniert / Abriss / Dublette")
    assert prop.status == CaseStatus(exit_status)
    assert transitions_of(prop)[-1].from_status == CaseStatus.ACQUISITION_REVIEW


@pytest.mark.parametrize("exit_status", ["resolved_by_owner", "demolished", "delisted"])
def test_an_exit_is_possible_from_every_open_status(make_case, exit_status):
    prop = make_case()
    for status in ["reported", "registered", "inspected", "owner_engaged", "order_issued", "acquisition_review",
                   "acquiring", "acquired", "in_renovation", "ready_for_letting"]:
        prop.status = CaseStatus(status)
        assert prop.move_kind(CaseStatus(exit_status)) == "exit"


@pytest.mark.parametrize("exit_status", ["resolved_by_owner", "demolished", "delisted"])
def test_no_exit_from_a_let_case(make_case, exit_status):
    prop = make_case()
    prop.status = CaseStatus.LET

    with pytest.raises(Conflict) as info:
        prop.move_kind(CaseStatus(exit_status))

    assert "ist nur aus einem offenen Verfahrensstand möglich" in info.value.message


@pytest.mark.parametrize(("first", "second"), [("delisted", "resolved_by_owner"), ("resolved_by_owner", "demolished"),
                                               ("delisted", "demolished")])
def test_no_exit_from_an_exit(make_case, officer, first, second):
    prop = make_case()
    services.transition(prop, first, actor=officer, reason="erledigt")

    error = refused(prop, second, officer, reason="doch anders")

    assert error.message == f"„{CaseStatus(second).label}“ ist nur aus einem offenen Verfahrensstand möglich."


@pytest.mark.parametrize("target", ["reported", "registered", "inspected", "delisted", "resolved_by_owner"])
def test_demolished_is_terminal(make_case, officer, target):
    prop = make_case()
    services.transition(prop, "demolished", actor=officer, reason="Abrissverfügung vollzogen")

    error = refused(prop, target, officer, reason="Versehen")

    assert error.message == "Das Gebäude ist abgerissen; der Fall ist abgeschlossen."


def test_reopening_a_delisted_case_is_a_back_move_that_needs_a_reason(make_case, officer):
    prop = make_case()
    services.transition(prop, "delisted", actor=officer, reason="Dublette")
    assert prop.move_kind(CaseStatus.REGISTERED) == "back"
    assert prop.move_kind(CaseStatus.REPORTED) == "back"

    with pytest.raises(ValidationFailed) as info:
        services.transition(prop, "registered", actor=officer)
    assert info.value.fields == {"reason": [REASON_BACK]}

    services.transition(prop, "registered", actor=officer, reason="Neue Meldung der Polizei")
    assert prop.status == CaseStatus.REGISTERED
    move = transitions_of(prop)[-1]
    assert (move.from_status, move.to_status) == (CaseStatus.DELISTED, CaseStatus.REGISTERED)


def test_reopening_a_delisted_case_still_checks_the_guard_of_the_status_it_reopens_to(make_case, officer):
    prop = make_case()
    services.transition(prop, "delisted", actor=officer, reason="Dublette")

    error = refused(prop, "let", officer, reason="wieder offen")

    assert GUARD_LET in error.fields["to"]


def test_moving_to_the_current_status_is_refused(make_case, officer):
    prop = make_case()

    assert refused(prop, "reported", officer).message == "Der Fall steht bereits auf „gemeldet“."


def test_an_unknown_status_is_refused_on_the_to_field(make_case, officer):
    prop = make_case()

    with pytest.raises(ValidationFailed) as info:
        services.transition(prop, "sold", actor=officer)

    assert list(info.value.fields) == ["to"]
    assert prop.status == CaseStatus.REPORTED


def test_an_ordinary_building_has_no_status_to_move(make_case, officer):
    prop = make_case(problem_case=False)

    error = refused(prop, "registered", officer)

    assert error.message == "Dieses Gebäude ist kein Problemfall und hat keinen Verfahrensstand."
    assert prop.status is None


# --- history, audit and locking ---------------------------------------------------------------------------


def test_every_transition_is_stored_with_actor_from_to_reason_and_time(make_case, officer):
    from ..factories import UserFactory

    colleague = UserFactory()
    prop = make_case()
    services.transition(prop, "registered", actor=officer)
    services.transition(prop, "reported", actor=colleague, reason="Falsch erfasst")
    db.session.commit()

    moves = transitions_of(db.session.get(Property, prop.id))
    assert [(m.from_status, m.to_status, m.actor_id, m.reason) for m in moves] == [
        (None, CaseStatus.REPORTED, officer.id, None),
        (CaseStatus.REPORTED, CaseStatus.REGISTERED, officer.id, None),
        (CaseStatus.REGISTERED, CaseStatus.REPORTED, colleague.id, "Falsch erfasst"),
    ]
    assert all(m.occurred_at is not None and m.occurred_at.tzinfo is not None for m in moves)
    assert moves[-1].actor.email == colleague.email


def test_every_transition_writes_an_audit_event(make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)
    services.transition(prop, "registered", actor=officer, reason="zurückgestellt")
    db.session.flush()

    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "property.transition",
                                                              AuditEvent.object_id == str(prop.id))
                                     .order_by(AuditEvent.id)))
    assert [(e.object_type, e.actor_id, e.changes) for e in events] == [
        ("properties", officer.id, {"status": ["reported", "acquisition_review"]}),
        ("properties", officer.id, {"status": ["acquisition_review", "registered"]}),
    ]
    assert events[-1].summary == "zurückgestellt"


def test_a_refused_transition_writes_no_audit_event(make_case, officer):
    prop = make_case()

    refused(prop, "inspected", officer)

    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "property.transition")) is None


def test_a_transition_moves_status_changed_at_and_the_version(make_case, officer):
    prop = make_case()
    db.session.flush()
    version = prop.version
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    with time_machine.travel(moment, tick=False):
        services.transition(prop, "registered", actor=officer, version=version)

    assert prop.version == version + 1
    assert prop.status_changed_at == moment
    assert transitions_of(prop)[-1].occurred_at == moment


def test_a_transition_with_a_stale_version_is_a_conflict(make_case, officer):
    prop = make_case()
    services.transition(prop, "registered", actor=officer)
    db.session.flush()
    stale = prop.version - 1

    error = refused(prop, "acquisition_review", officer, version=stale)

    assert "inzwischen von jemand anderem geändert" in error.message
    assert list(error.fields) == ["version"]
    services.transition(prop, "acquisition_review", actor=officer, version=prop.version)
    assert prop.status == CaseStatus.ACQUISITION_REVIEW


def test_register_guard_adds_a_guard_once_and_it_is_checked(make_case, officer, monkeypatch):
    monkeypatch.setitem(GUARDS, CaseStatus.OWNER_ENGAGED, list(GUARDS.get(CaseStatus.OWNER_ENGAGED, [])))

    def needs_a_letter(prop):
        return "Für „Eigentümer angesprochen“ fehlt ein Anschreiben."

    register_guard(CaseStatus.OWNER_ENGAGED, needs_a_letter)
    register_guard(CaseStatus.OWNER_ENGAGED, needs_a_letter)
    prop = make_case()

    assert GUARDS[CaseStatus.OWNER_ENGAGED].count(needs_a_letter) == 1
    assert refused(prop, "owner_engaged", officer).message == "Für „Eigentümer angesprochen“ fehlt ein Anschreiben."
    assert prop.guard_failures(CaseStatus.REGISTERED) == []
