"""The inbox (badge in the header, unread first, open, mark all read) and the admin's jobs page."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs.models import JobRun, Notification
from housing.jobs.registry import JOBS, Job, Outcome
from housing.jobs.runner import run_by_hand, run_scheduled
from housing.properties import services as cases

from ..factories import UserFactory, notification
from .conftest import START, local


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").replace("\u202f", " ")


def badge(response) -> str | None:
    found = re.search(r'class="inbox-link__count"[^>]*>(\d+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def titles(response) -> list[str]:
    return [html.unescape(title) for title in
            re.findall(r'<strong class="inbox__title">(.*?)</strong>', response.get_data(as_text=True))]


def flashes(response) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(r'<div class="flash flash--\w+"[^>]*>(.*?)</div>',
                                                         response.get_data(as_text=True), flags=re.S)]


def fresh(notification_id) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


# --- the inbox ----------------------------------------------------------------------------------------------------


def test_the_header_shows_the_number_of_unread_messages(clock, officer_client):
    assert badge(officer_client.get("/")) is None
    first = notification(officer_client.user, key="a")
    notification(officer_client.user, key="b")
    first.read_at = first.created_at
    notification(UserFactory(), key="c")  # someone else's

    assert badge(officer_client.get("/")) == "1"
    assert badge(officer_client.get("/inbox")) == "1"


def test_the_header_count_is_read_with_the_user_not_in_a_query_of_its_own(clock, officer_client):
    notification(officer_client.user, key="a")
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = officer_client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert badge(response) == "1"
    assert [s for s in statements if "FROM notifications" in s] == [
        s for s in statements if "FROM notifications" in s and "FROM user_sessions" in s] != []


def test_the_inbox_lists_unread_first_then_the_newest(clock, officer_client):
    user = officer_client.user
    old_unread = notification(user, key="1", title="Alt, ungelesen")
    old_unread.created_at -= timedelta(hours=2)
    read = notification(user, key="2", title="Gelesen")
    read.created_at -= timedelta(hours=1)
    read.read_at = read.created_at
    notification(user, key="3", title="Neu, ungelesen", body="Ionuț Ştefan")
    notification(UserFactory(), key="4", title="Fremd")

    response = officer_client.get("/inbox")

    assert response.status_code == 200
    assert titles(response) == ["Neu, ungelesen", "Alt, ungelesen", "Gelesen"]
    assert "Ionuț Ştefan" in text_of(response)


def test_opening_a_message_marks_it_read_and_goes_to_its_page(clock, officer_client):
    message = notification(officer_client.user, link="/properties/7?tab=defects")

    response = officer_client.post(f"/inbox/{message.id}/open")

    assert response.status_code == 302 and response.headers["Location"] == "/properties/7?tab=defects"
    assert fresh(message.id).read_at is not None
    assert badge(officer_client.get("/")) is None


@pytest.mark.parametrize("link", ["https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:x",
                                  None])
def test_a_message_never_leads_off_site(clock, officer_client, link):
    message = notification(officer_client.user, link=link)

    response = officer_client.post(f"/inbox/{message.id}/open")

    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    assert fresh(message.id).read_at is not None


def test_another_users_message_is_not_found(clock, officer_client):
    theirs = notification(UserFactory(), link="/properties/1")

    assert officer_client.post(f"/inbox/{theirs.id}/open").status_code == 404
    assert officer_client.post("/inbox/999999/open").status_code == 404
    assert fresh(theirs.id).read_at is None


def test_mark_all_read_touches_only_my_unread_messages(clock, officer_client):
    mine = [notification(officer_client.user, key=str(n)) for n in range(2)]
    theirs = notification(UserFactory(), key="x")

    response = officer_client.post("/inbox/read", follow_redirects=True)

    assert flashes(response) == ["2 Nachrichten als gelesen markiert."]
    assert all(fresh(n.id).read_at for n in mine) and fresh(theirs.id).read_at is None
    assert badge(response) is None and "Alle als gelesen markieren" not in text_of(response)


def test_the_inbox_needs_a_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_inbox_costs_the_same_queries_for_3_or_30_messages(clock, officer_client, count_queries):
    for n in range(3):
        notification(officer_client.user, key=f"a{n}")
    with count_queries() as few:
        officer_client.get("/inbox")
    for n in range(27):
        notification(officer_client.user, key=f"b{n}")
    with count_queries() as many:
        response = officer_client.get("/inbox")

    assert len(titles(response)) == 30 and len(many) == len(few)


# --- the jobs page ------------------------------------------------------------------------------------------------


def test_the_jobs_page_lists_every_job_with_its_last_runs(clock, admin_client):
    run_scheduled("property-deadlines", local(START, 6))
    run_by_hand("overcrowding")
    JOBS["zz-broken"] = Job("zz-broken", "Kaputt", "Testjob", {"hour": 5},
                                                     lambda on: 1 / 0)
    try:
        run_by_hand("zz-broken")
        response = admin_client.get("/admin/jobs")
    finally:
        JOBS.pop("zz-broken")

    page = text_of(response)
    assert response.status_code == 200
    for job in JOBS.values():
        assert str(job.label) in page and f'<code class="job__name">{job.name}</code>' in page
    assert "2026-11-02 06:00" in page and "von Hand" in page
    assert "fehlgeschlagen" in page and "ZeroDivisionError" in page
    assert "täglich um 06:00 Uhr" in page and "monatlich am 3. um 06:15 Uhr" in page


def test_the_jobs_page_costs_the_same_queries_with_many_runs(clock, admin_client, count_queries):
    with count_queries() as few:
        admin_client.get("/admin/jobs")
    for name in JOBS:
        for _n in range(3):
            run_by_hand(name)
    with count_queries() as many:
        admin_client.get("/admin/jobs")

    assert len(many) == len(few)


def test_run_now_runs_the_job_and_says_what_it_delivered(clock, admin_client):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    prop = cases.create_property({"street": "Schützenstraße", "house_number": "3", "postcode": "44147",
                                  "social_area": "nordmarkt"}, actor=officer)
    cases.record_inspection(prop, inspected_on=START, condition_rating=4, officer_ids=[officer.id],
                            defects=[cases.DefectInput("heating", "major", "Heizung aus", deadline=START)],
                            actor=officer)
    db.session.commit()

    response = admin_client.post("/admin/jobs/property-deadlines/run", follow_redirects=True)

    assert response.request.path == "/admin/jobs"
    assert flashes(response)[0].startswith("„Fristen von Mängeln und Anordnungen“ ausgeführt: 1 neue Nachricht.")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == officer.id)) == 1
    assert admin_client.post("/admin/jobs/no-such-job/run").status_code == 404


def test_run_now_reports_a_failure(clock, admin_client):
    JOBS["zz-broken"] = Job("zz-broken", "Kaputt", "Testjob", {"hour": 5},
                                                     lambda on: Outcome(summary=str(1 / 0)))
    try:
        response = admin_client.post("/admin/jobs/zz-broken/run", follow_redirects=True)
    finally:
        JOBS.pop("zz-broken")

    assert flashes(response) == ["„Kaputt“ ist fehlgeschlagen; Einzelheiten stehen in der Liste."]
    assert db.session.scalar(select(JobRun.status).where(JobRun.job == "zz-broken")) == "failed"


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMIN])
def test_only_admins_see_and_start_jobs(clock, role_client, role):
    client = role_client(role)

    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/property-deadlines/run").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    assert client.get("/inbox").status_code == 200
