"""The audit log shows what users typed as text: a summary or change with markup, line breaks or other
control characters renders escaped on /admin/audit/, and the CSV export stays one record per event."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from housing.audit.models import AuditEvent
from housing.audit.services import record
from housing.auth.roles import Role
from housing.extensions import db
from housing.reports.exports import _plain

from .checks import assert_csv_safe, assert_html_safe, assert_xlsx_safe, send
from .conftest import fuzz_settings
from .strategies import CONTROL, INVISIBLE, MARKUP, nasty_text


def audit_text():
    """What a summary or change may carry: markup, line breaks, control characters (no NUL: PostgreSQL refuses
    it, and the requests that could carry one are refused before they reach the log)."""
    return st.one_of(nasty_text(), st.sampled_from(CONTROL + INVISIBLE + MARKUP)).map(
        lambda text: text.replace("\x00", ""))


def test_audit_entries_with_hostile_text_render_escaped_and_export_one_record_each(app, world):
    admin = world.client(Role.ADMIN)
    actor = world.users[Role.HOUSING_OFFICER]

    @fuzz_settings(20)
    @given(summary=audit_text(), key=audit_text(), old=audit_text(),
           new=st.one_of(audit_text(), st.lists(audit_text(), max_size=3)))
    def check(summary, key, old, new):
        record("fuzz.test", object_type="fuzz", object_id=summary[:64], actor=actor, summary=summary,
               changes={key[:60] or "name": [old, new]})
        db.session.commit()
        events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))

        page = send(admin, "GET", "/admin/audit/")
        assert page.status_code == 200
        assert_html_safe(page, "/admin/audit/")
        export = send(admin, "GET", "/admin/audit/export.csv")
        assert export.status_code == 200
        rows = assert_csv_safe(export.get_data(), "/admin/audit/export.csv")
        # One record per event (the header row aside), and the latest one's summary is whole in its cell.
        assert len(rows) - 1 == events + 1  # the export itself is audited before it is read
        latest = next(row for row in rows[1:] if row[2] == "fuzz.test")
        assert latest[5] == (_plain(summary[:500]) if summary else "")
        xlsx = send(admin, "GET", "/admin/audit/export.xlsx")
        assert xlsx.status_code == 200
        assert_xlsx_safe(xlsx.get_data(), "/admin/audit/export.xlsx")

    check()


def test_a_refused_path_with_line_breaks_is_audited_on_one_line(app, world):
    """A refused page (404) is audited with its path; line breaks in the path are escaped in the summary."""
    officer = world.client(Role.HOUSING_OFFICER)

    @fuzz_settings(15)
    @given(text=audit_text())
    def check(text):
        from urllib.parse import quote

        send(officer, "GET", "/properties/999999/" + quote(text, safe=""))
        last = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "access.denied")
                                 .order_by(AuditEvent.id.desc()).limit(1))
        assert last is not None
        assert len(last.summary.splitlines()) == 1, last.summary

    check()


def test_the_csv_export_of_a_multi_line_reason_parses_back_to_the_same_text(app, world):
    """A transition reason typed over several lines is kept as typed, and the export still has one record per
    event: the line breaks stay inside the quoted cell."""
    officer = world.client(Role.HOUSING_OFFICER)
    admin = world.client(Role.ADMIN)
    property_id = world.case["property"]
    from housing.properties.models import Property

    version = db.session.get(Property, property_id).version
    reason = "Erste Zeile\r\nZweite Zeile\nDritte\u2028Vierte; \"zitiert\""
    response = send(officer, "POST", f"/properties/{property_id}/transition",
                    data={"to": "registered", "reason": reason, "version": str(version)})
    assert response.status_code == 302

    export = send(admin, "GET", "/admin/audit/export.csv?action=property.transition")
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[2] for row in rows[1:]] == ["property.transition"]
    assert rows[1][5].replace("\r\n", "\n") == reason.replace("\r\n", "\n")
