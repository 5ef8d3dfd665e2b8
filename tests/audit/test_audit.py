"""The append-only audit log: what ``record`` writes, and the admin page that reads it."""

import html
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from housing.audit.models import AppendOnlyError, AuditEvent
from housing.audit.services import pending_changes, record
from housing.auth.models import User
from housing.auth.roles import Role
from housing.database import commit_after_reading
from housing.extensions import db

from ..conftest import expiring_commits
from ..factories import UserFactory


def body(response) -> str:
    return response.get_data(as_text=True)


def stored(event_id) -> AuditEvent:
    db.session.expire_all()
    return db.session.get(AuditEvent, event_id)


def rows(page: str) -> list[str]:
    """The audit table's body rows, so a test can see which events a page shows."""
    tbody = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", tbody, flags=re.S)


def summaries(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<td class="audit-details">\s*<div>([^<]*)</div>', page)]


def add_event(action="test.event", *, summary, actor=None, occurred_at=None, **kwargs):
    event = record(action, actor=actor, summary=summary, **kwargs)
    if occurred_at is not None:
        event.occurred_at = occurred_at
    return event


# --- the model -----------------------------------------------------------------------------


def test_an_audit_event_cannot_be_updated_through_the_orm(app):
    event = record("test.event", summary="Original")
    db.session.commit()

    event.summary = "Geändert"
    with pytest.raises(AppendOnlyError):
        db.session.flush()

    db.session.rollback()
    assert stored(event.id).summary == "Original"


def test_an_audit_event_cannot_be_deleted_through_the_orm(app):
    event = record("test.event", summary="Bleibt")
    db.session.commit()

    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()

    db.session.rollback()
    assert stored(event.id) is not None


# --- record() ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["password", "password_hash", "token", "token_hash", "session_token"])
def test_record_masks_secret_values(app, key):
    event = record("test.event", changes={key: ["alt-geheim", "neu-geheim"], "name": ["Alt", "Neu"]})
    db.session.commit()

    assert stored(event.id).changes == {key: "***", "name": ["Alt", "Neu"]}


def test_record_names_the_object_by_table_and_id_and_keeps_the_actors_email(app):
    actor = UserFactory(email="handelnde@housing.example")
    user = UserFactory()

    event = record("test.event", user, actor=actor, summary="Etwas geschah")
    db.session.commit()

    saved = stored(event.id)
    assert (saved.object_type, saved.object_id) == ("users", str(user.id))
    assert (saved.actor_id, saved.actor_label) == (actor.id, "handelnde@housing.example")
    assert saved.occurred_at.tzinfo is not None


def test_record_turns_enums_dates_and_sets_into_json(app):
    event = record("test.event", changes={"roles": [None, {Role.ADMIN}], "on": [date(2025, 3, 5), None]})
    db.session.commit()

    assert stored(event.id).changes == {"roles": [None, ["admin"]], "on": ["2025-03-05", None]}


def test_record_in_a_request_takes_the_logged_in_user_and_the_address(app):
    actor = UserFactory()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        from flask_login import login_user

        login_user(actor)
        event = record("test.event", summary="Im Request")
    db.session.commit()

    saved = stored(event.id)
    assert (saved.actor_id, saved.ip_address) == (actor.id, "10.1.2.3")


# --- pending_changes -----------------------------------------------------------------------


def test_pending_changes_returns_old_and_new_of_changed_attributes_only(app):
    user = db.session.get(User, UserFactory(name="Alter Name", language="de").id)

    user.name = "Neuer Name"
    user.language = "en"
    user.is_active = True  # unchanged value

    assert pending_changes(user) == {"name": ["Alter Name", "Neuer Name"], "language": ["de", "en"]}


def test_pending_changes_knows_the_old_value_of_an_object_expired_by_a_commit(app):
    """After a commit the session expires its objects; a change made then must still show the old value."""
    user = db.session.get(User, UserFactory(name="Alter Name").id)
    db.session.commit()

    user.name = "Neuer Name"

    assert pending_changes(user) == {"name": ["Alter Name", "Neuer Name"]}


def test_pending_changes_is_empty_when_nothing_changed(app):
    user = db.session.get(User, UserFactory(name="Gleich").id)

    user.name = "Gleich"

    assert pending_changes(user) == {}


def test_pending_changes_is_empty_after_the_flush(app):
    user = db.session.get(User, UserFactory(name="Alter Name").id)
    user.name = "Neuer Name"

    db.session.flush()

    assert pending_changes(user) == {}


# --- the audit page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HOUSING_OFFICER, Role.SUPERVISOR, Role.TENANT_ADVISOR, Role.MANAGEMENT])
def test_audit_page_is_forbidden_for_non_admins(role_client, role):
    assert role_client(role).get("/admin/audit/").status_code == 403


def test_audit_page_sends_anonymous_users_to_login(client):
    response = client.get("/admin/audit/")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_audit_page_shows_events_newest_first_with_changes(admin_client):
    add_event("user.update", summary="Erstes", changes={"name": ["Alt", "Neu"]})
    add_event("user.update", summary="Zweites")
    db.session.commit()

    page = body(admin_client.get("/admin/audit/"))

    assert summaries(page) == ["Zweites", "Erstes"]
    assert "Alt → Neu" in page


def test_audit_page_filters_by_action_prefix(admin_client):
    add_event("user.create", summary="Anlegen")
    add_event("user.update", summary="Ändern")
    add_event("login.failed", summary="Fehlversuch")
    add_event("users.other", summary="Andere Aktion")
    db.session.commit()

    page = body(admin_client.get("/admin/audit/?action=user."))

    assert sorted(summaries(page)) == ["Anlegen", "Ändern"]


def test_audit_page_says_when_the_period_is_the_wrong_way_round(admin_client):
    page = body(admin_client.get("/admin/audit/?date_from=2026-03-10&date_to=2026-03-01"))

    assert "„Bis“ liegt vor „Von“." in page


def test_audit_page_filters_by_actor_email_in_any_case(admin_client):
    anna = UserFactory(email="anna@housing.example")
    bert = UserFactory(email="bert@housing.example")
    add_event(summary="Von Anna", actor=anna)
    add_event(summary="Von Bert", actor=bert)
    add_event(summary="Vom System")
    db.session.commit()

    page = body(admin_client.get("/admin/audit/?actor=+Anna@Housing.Example+"))

    assert summaries(page) == ["Von Anna"]


def test_audit_page_filters_by_object_type_and_id(admin_client):
    add_event(summary="Haus 7", object_type="properties", object_id=7)
    add_event(summary="Haus 8", object_type="properties", object_id=8)
    add_event(summary="Person 7", object_type="users", object_id=7)
    db.session.commit()

    assert sorted(summaries(body(admin_client.get("/admin/audit/?object_type=properties")))) == ["Haus 7", "Haus 8"]
    assert summaries(body(admin_client.get("/admin/audit/?object_type=properties&object_id=7"))) == ["Haus 7"]
    assert sorted(summaries(body(admin_client.get("/admin/audit/?object_id=7")))) == ["Haus 7", "Person 7"]


def test_audit_page_filters_by_dortmund_calendar_days(admin_client):
    # 5 March 2025, 00:30 in Dortmund is 4 March 23:30 UTC; the filter works on Dortmund's days.
    add_event(summary="4.3. spät", occurred_at=datetime(2025, 3, 4, 22, 30, tzinfo=UTC))  # 23:30 local
    add_event(summary="5.3. früh", occurred_at=datetime(2025, 3, 4, 23, 30, tzinfo=UTC))  # 00:30 local
    add_event(summary="6.3. spät", occurred_at=datetime(2025, 3, 6, 22, 30, tzinfo=UTC))  # 23:30 local
    add_event(summary="7.3. früh", occurred_at=datetime(2025, 3, 6, 23, 30, tzinfo=UTC))  # 00:30 local
    db.session.commit()

    between = body(admin_client.get("/admin/audit/?date_from=2025-03-05&date_to=2025-03-06"))
    from_only = body(admin_client.get("/admin/audit/?date_from=2025-03-06"))
    to_only = body(admin_client.get("/admin/audit/?date_to=2025-03-04"))

    assert sorted(summaries(between)) == ["5.3. früh", "6.3. spät"]
    assert sorted(summaries(from_only)) == ["6.3. spät", "7.3. früh"]
    assert summaries(to_only) == ["4.3. spät"]


def test_audit_page_with_no_matching_events_says_so(admin_client):
    add_event(summary="Irgendwas")
    db.session.commit()

    page = body(admin_client.get("/admin/audit/?action=gibt.es.nicht"))

    assert rows(page) == []
    assert "Keine Einträge für diese Auswahl." in page


def test_audit_page_pages_with_before_and_a_weiter_link(admin_client):
    for number in range(53):
        add_event(summary=f"Ereignis-{number:03d}")
    db.session.commit()

    first = body(admin_client.get("/admin/audit/"))
    link = re.search(r'<a class="button button--ghost" href="([^"]+)">Weiter', first)
    assert link, "a 'Weiter' link to the next page"
    second = body(admin_client.get(html.unescape(link.group(1))))

    assert summaries(first) == [f"Ereignis-{n:03d}" for n in range(52, 2, -1)]
    assert summaries(second) == ["Ereignis-002", "Ereignis-001", "Ereignis-000"]
    assert "before=" in link.group(1)
    assert "Weiter" not in second


def test_audit_page_with_exactly_50_events_has_no_weiter_link(admin_client):
    for number in range(50):
        add_event(summary=f"Ereignis-{number:03d}")
    db.session.commit()

    page = body(admin_client.get("/admin/audit/"))

    assert len(summaries(page)) == 50
    assert "Weiter" not in page


def test_audit_page_keeps_the_filter_on_the_next_page(admin_client):
    for number in range(55):
        add_event("paging.keep", summary=f"Treffer-{number:03d}")
        add_event("other.drop", summary=f"Anderes-{number:03d}")
    db.session.commit()

    first = body(admin_client.get("/admin/audit/?action=paging."))
    link = html.unescape(re.search(r'href="([^"]+)">Weiter', first).group(1))
    second = body(admin_client.get(link))

    assert "action=paging." in link
    assert summaries(first) == [f"Treffer-{n:03d}" for n in range(54, 4, -1)]
    assert summaries(second) == [f"Treffer-{n:03d}" for n in range(4, -1, -1)]



def test_a_reading_pages_audit_commits_without_expiring_what_it_read(app):
    """commit_after_reading stores the page's audit event and leaves the rows it read loaded (nothing reads them
    again); the session expires on its next commits as it did before."""
    user = UserFactory(name="Lesende")
    db.session.commit()
    with expiring_commits():
        record("user.view", user, actor=user)
        commit_after_reading()
        assert "name" in user.__dict__  # not expired
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))) == "user.view"
        db.session.commit()
        assert "name" not in user.__dict__  # an ordinary commit still expires
