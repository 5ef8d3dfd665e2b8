"""The programme report through its page: a period is asked for, the build is recorded and (inline in the tests)
done, the requester finds it on the progress page and in the inbox, and only they may open it.

The report's figures are tested in tests/reports/test_programme.py; here only the way to it and back.
"""

import os

import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.extensions import db

from ..factories import UserFactory, document_build
from .conftest import build_count, builds_of, inbox, page_text, pdf_text


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    return frozen_clock


def ask_for_report(client, start="2026-01-01", end="2026-03-13"):
    return client.post("/documents/programme", data={"start": start, "end": end})


def test_the_page_offers_this_year_so_far(management_client):
    response = management_client.get("/documents/programme")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'value="2026-01-01"' in text
    assert 'value="2026-03-18"' in text
    assert "Bericht erstellen" in text


def test_a_period_leads_to_the_progress_page_and_a_pdf_of_that_period(management_client):
    response = ask_for_report(management_client)

    [build] = builds_of(management_client.user.id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{build.id}"
    assert build.kind == "programme"
    assert build.params == {"start": "2026-01-01", "end": "2026-03-13"}
    assert build.status == "done"
    assert build.done == build.total and build.total >= 1
    assert build.title == "Programmbericht 01.01.2026 – 13.03.2026"

    status = management_client.get(f"/documents/{build.id}")
    text = page_text(status)
    assert status.status_code == 200
    assert "Programmbericht 01.01.2026 – 13.03.2026" in text
    assert "fertig" in text
    assert f'href="/documents/{build.id}/download"' in text
    assert 'http-equiv="refresh"' not in text  # a finished build no longer reloads itself

    download = management_client.get(f"/documents/{build.id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    assert "programmbericht-20260101-20260313.pdf" in download.headers["Content-Disposition"]
    report = pdf_text(download.data)
    assert "Programmbericht Ankauf- und Wohnungszugangsstrategie" in report
    assert "Berichtszeitraum 01.01.2026 bis 13.03.2026" in report
    for heading in ("1. Ankaufstrategie: Problemimmobilien", "2. Viertelwerk: Sanierung als Beschäftigungsprojekt",
                    "3. Wohnraumvermittlung", "4. Nachbetreuung und Vermieterunterstützung"):
        assert heading in report
    assert build.size_bytes == len(download.data)


def test_the_request_and_each_download_are_audited(management_client):
    ask_for_report(management_client)
    [build] = builds_of(management_client.user.id)

    management_client.get(f"/documents/{build.id}/download")
    management_client.get(f"/documents/{build.id}/download")

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "document_builds",
                                                         AuditEvent.object_id == str(build.id))
                                .order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["document.requested", "document.download", "document.download"]
    assert {event.actor_id for event in events} == {management_client.user.id}


def test_the_requester_finds_the_document_in_the_inbox_with_the_link_to_it(management_client):
    ask_for_report(management_client)
    [build] = builds_of(management_client.user.id)

    [message] = inbox(management_client.user.id)
    assert message.title == "Dokument fertig: Programmbericht 01.01.2026 – 13.03.2026"
    assert message.link == f"/documents/{build.id}"
    assert message.kind == "document"
    assert message.read_at is None

    page = page_text(management_client.get("/inbox"))
    assert "Dokument fertig: Programmbericht 01.01.2026 – 13.03.2026" in page
    opened = management_client.post(f"/inbox/{message.id}/open")
    assert opened.headers["Location"] == f"/documents/{build.id}"


def test_the_admin_may_ask_for_the_report_too(admin_client):
    assert ask_for_report(admin_client).status_code == 302
    assert [build.status for build in builds_of(admin_client.user.id)] == ["done"]


def test_the_page_lists_the_users_own_documents_only(management_client):
    other = UserFactory(roles=[Role.MANAGEMENT])
    document_build(other).title = "Fremder Bericht"
    db.session.commit()
    ask_for_report(management_client)

    text = page_text(management_client.get("/documents/programme"))
    assert "Ihre zuletzt erstellten Dokumente" in text
    assert "Programmbericht 01.01.2026 – 13.03.2026" in text
    assert "Fremder Bericht" not in text


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-03-13", "2026-03-01", "Das Ende liegt vor dem Beginn."),
    ("2026-03-01", "2026-03-19", "Der Zeitraum darf nicht in der Zukunft enden."),
    ("2016-01-01", "2026-03-13", "Der Zeitraum darf höchstens zehn Jahre umfassen."),
    ("", "2026-03-13", "Bitte ein Datum angeben."),
    ("2026-03-01", "", "Bitte ein Datum angeben."),
])
def test_a_wrong_period_is_shown_on_the_field_in_german_and_nothing_is_built(management_client, start, end,
                                                                             message):
    before = build_count()

    response = ask_for_report(management_client, start, end)

    assert response.status_code == 200
    text = page_text(response)
    wrong = "start" if not start else "end"
    field = text[text.index(f'id="{wrong}"'):]
    field = field[:field.index("</div>")]
    assert f'<p class="field__error">{message}</p>' in field
    assert build_count() == before
    assert inbox(management_client.user.id) == []


def test_a_period_of_exactly_ten_years_and_ending_today_is_allowed(management_client):
    response = ask_for_report(management_client, "2016-03-18", "2026-03-18")

    assert response.status_code == 302
    assert [build.status for build in builds_of(management_client.user.id)] == ["done"]


def test_a_date_that_is_no_date_is_refused_in_german(management_client):
    response = ask_for_report(management_client, "2026-02-30", "2026-03-13")

    assert response.status_code == 200
    text = page_text(response)
    field = text[text.index('id="start"'):]
    field = field[:field.index("</div>")]
    assert '<p class="field__error">Bitte ein Datum angeben.</p>' in field
    assert "Not a valid" not in text
    assert build_count() == 0


@pytest.mark.parametrize("role", [Role.HOUSING_OFFICER, Role.SUPERVISOR, Role.TENANT_ADVISOR])
def test_other_roles_may_not_ask_for_the_report(role_client, role):
    client = role_client(role)

    assert ask_for_report(client).status_code == 403
    assert build_count() == 0


@pytest.mark.parametrize("role", [Role.MANAGEMENT, Role.ADMIN, Role.HOUSING_OFFICER])
def test_nobody_but_the_requester_sees_the_document_or_its_progress(management_client, role_client, role):
    ask_for_report(management_client)
    [build] = builds_of(management_client.user.id)
    other = role_client(role)

    assert other.get(f"/documents/{build.id}").status_code == 404
    assert other.get(f"/documents/{build.id}/download").status_code == 404
    assert management_client.get(f"/documents/{build.id}/download").status_code == 200


def test_an_unknown_build_is_404(management_client):
    assert management_client.get("/documents/999999").status_code == 404
    assert management_client.get("/documents/999999/download").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, management_client):
    ask_for_report(management_client)
    [build] = builds_of(management_client.user.id)

    for url in (f"/documents/{build.id}", f"/documents/{build.id}/download", "/documents/programme"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_an_unfinished_or_failed_document_cannot_be_downloaded(management_client, status):
    build = document_build(management_client.user, status=status)
    db.session.commit()

    assert management_client.get(f"/documents/{build.id}/download").status_code == 404


def test_a_running_build_shows_its_progress_and_reloads_itself(management_client):
    build = document_build(management_client.user, status="running")
    build.done, build.total = 3, 4
    db.session.commit()

    text = page_text(management_client.get(f"/documents/{build.id}"))
    assert '<meta http-equiv="refresh" content="2">' in text
    assert "wird erstellt: 75 %" in text
    assert '<progress class="progress" max="4" value="3">' in text
    assert "3 von 4 Schritten" in text
    assert "PDF öffnen" not in text


def test_a_document_whose_file_is_gone_is_404(management_client, app):
    ask_for_report(management_client)
    [build] = builds_of(management_client.user.id)
    os.remove(os.path.join(app.config["DOCUMENT_DIR"], build.file_name))

    assert management_client.get(f"/documents/{build.id}/download").status_code == 404
