"""The e-mail copy of each message, against a real SMTP server (aiosmtpd on 127.0.0.1): one mail per new
notification, only once it is committed, title and an absolute link but never a person's name."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs import notifications
from housing.jobs.models import Notification
from housing.jobs.notifications import notify, send_pending_emails
from housing.jobs.registry import JOBS, register_job
from housing.jobs.runner import run_by_hand
from housing.properties import services as cases

from ..factories import UserFactory, household
from .conftest import BASE_URL, START, free_port


@pytest.fixture
def officer(clock):
    return UserFactory(roles=[Role.HOUSING_OFFICER], name="Zofia Wiśniewska")


@pytest.fixture
def due_defect(officer):
    prop = cases.create_property({"street": "Schützenstraße", "house_number": "12", "postcode": "44147",
                                  "social_area": "nordmarkt"}, actor=officer)
    cases.record_inspection(prop, inspected_on=START, condition_rating=4, officer_ids=[officer.id],
                            defects=[cases.DefectInput("heating", "major", "Heizung aus",
                                                       deadline=START + timedelta(days=3))], actor=officer)
    db.session.commit()
    return prop


def emailed_at() -> list:
    return list(db.session.scalars(select(Notification.emailed_at).order_by(Notification.id)))


def test_each_new_reminder_is_mailed_once_with_its_title_and_an_absolute_link(mail, officer, due_defect, app):
    run = run_by_hand("property-deadlines")

    assert run.notifications == 1 and run.emails == 1 and len(mail) == 1
    message = mail[0]
    assert message["To"] == officer.email and message["From"] == app.config["MAIL_FROM"]
    assert message["Subject"] == "[housing] Mangel fällig am 05.11.2026: Heizung (§ 5), Schützenstraße 12"
    text = message.get_content()
    assert "Guten Tag Zofia Wiśniewska," in text
    assert f"Details: {BASE_URL}/properties/{due_defect.id}" in text and f"{BASE_URL}/inbox" in text
    assert all(emailed_at())

    assert send_pending_emails() == 0
    assert run_by_hand("property-deadlines").emails == 0
    assert len(mail) == 1


def test_subjects_arrive_as_written(mail, officer):
    titles = [
        "Mangel fällig am 05.11.2026: Heizung (§ 5), Schützenstraße 12",
        "Frist der Anordnung abgelaufen am 05.11.2026: Instandsetzungsanordnung (§ 6 WohnStG), Mallinckrodtstraße 1",
        "Einwilligung „Weitergabe an das Jobcenter“ läuft am 22.11.2026 ab (Haushalt Nr. 17)",
        "3 Stundennachweise für 10/2026 noch nicht freigegeben (Projekt Sanierung Bornstraße 300)",
        "Zeile eins\nZeile zwei " + "ß" * 250,
    ]
    for n, title in enumerate(titles):
        notify([officer.id], f"title:{n}", "test", title)
    db.session.commit()

    assert send_pending_emails() == len(titles)

    expected = ["[housing] " + title.replace("\n", " ")[:200] for title in titles]
    assert sorted(message["Subject"] for message in mail) == sorted(expected)


def test_a_households_name_stays_out_of_the_mail(mail, clock):
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    applicant = household(advisor, wbs_valid_until=START + timedelta(days=20), wbs_persons=3)
    db.session.commit()

    assert run_by_hand("wbs-expiring").emails == 1
    body = db.session.scalar(select(Notification.body))
    assert body == "Ionuț Ştefan"
    raw = mail[0].as_string() + mail[0].get_content()
    assert "Ionuț" not in raw and "Ştefan" not in raw and "Stefan" not in raw
    assert mail[0]["Subject"] == f"[housing] WBS läuft am 22.11.2026 ab (Haushalt Nr. {applicant.id})"


def test_a_rolled_back_notification_is_never_mailed(mail, officer):
    notify([officer.id], "draft:1", "test", "Nie gesendet", link="/inbox")
    db.session.flush()
    db.session.rollback()
    notify([officer.id], "kept:1", "test", "Gesendet", link="/inbox")
    db.session.commit()

    assert send_pending_emails() == 1
    assert [message["Subject"] for message in mail] == ["[housing] Gesendet"]


def test_a_failing_job_mails_nothing_it_had_delivered(mail, officer):
    def broken(on):
        notify([officer.id], "broken:1", "test", "Halb geliefert")
        raise RuntimeError("Kaputt")

    register_job("zz-broken-mail", "zz", "zz", {"hour": 5, "minute": 0}, broken)
    try:
        run = run_by_hand("zz-broken-mail")
    finally:
        JOBS.pop("zz-broken-mail")

    assert run.status == "failed" and run.emails == 0 and mail == []
    assert db.session.scalars(select(Notification)).all() == []


def test_a_message_another_sender_has_taken_is_not_mailed_again(mail, officer, monkeypatch):
    """Two senders at once (the scheduler's minute and a run on the admin page): the second finds the messages
    claimed between its query and its send and mails none of them."""
    for n in range(3):
        notify([officer.id], f"race:{n}", "test", f"Nachricht {n}")
    db.session.commit()
    real_connect = notifications._connect

    def connect_while_another_sender_takes_them(config):
        db.session.execute(update(Notification).values(emailed_at=notifications.utcnow()))
        db.session.commit()
        return real_connect(config)

    monkeypatch.setattr(notifications, "_connect", connect_while_another_sender_takes_them)

    assert send_pending_emails() == 0 and mail == []


def test_an_unreachable_smtp_server_leaves_the_messages_for_later_and_the_job_succeeds(
        mail_to, smtp_server, officer, due_defect):
    mail_to(free_port())  # nothing listens there

    run = run_by_hand("property-deadlines")

    assert run.status == "succeeded" and run.notifications == 1 and run.emails == 0
    assert emailed_at() == [None]

    mail_to(smtp_server.port)
    assert send_pending_emails() == 1 and len(smtp_server.sink.messages) == 1 and all(emailed_at())


def test_a_refused_recipient_is_retried_later_and_the_others_are_sent(mail, officer, smtp_server):
    refused = UserFactory(roles=[Role.HOUSING_OFFICER], email="niemand@refused.example")
    notify([refused.id, officer.id], "both:1", "test", "An zwei")
    db.session.commit()
    handler = smtp_server.handler

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    handler.handle_RCPT = handle_RCPT

    assert send_pending_emails() == 1
    assert [message["To"] for message in mail] == [officer.email]
    pending = db.session.scalars(select(Notification).where(Notification.emailed_at.is_(None))).all()
    assert [n.user_id for n in pending] == [refused.id]


def test_no_mail_server_no_mail_and_inactive_users_get_none(app, smtp_server, mail_to, officer):
    gone = UserFactory(roles=[Role.HOUSING_OFFICER], is_active=False)
    notify([officer.id], "k:1", "test", "Hallo")
    db.session.add(Notification(user_id=gone.id, key="k:1", kind="test", title="Hallo"))
    db.session.commit()
    assert not app.config.get("MAIL_SERVER")
    assert send_pending_emails() == 0

    mail_to(smtp_server.port)
    assert send_pending_emails() == 1
    assert [message["To"] for message in smtp_server.sink.messages] == [officer.email]
