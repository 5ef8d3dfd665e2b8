"""``flask --app housing import KIND FILE [--dry-run] [--as EMAIL]``: exit codes and the printed report."""

from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.extensions import db
from housing.properties.models import Property

from ..factories import UserFactory
from .conftest import count, csv, sample

BROKEN = """
Straße;Hausnr.;PLZ;Sozialraum;Baujahr
Mallinckrodtstraße;212;44147;Nordmarkt;1911
Bornstraße;96;44145;Nordstadt-Mitte;neunzehnhundert
"""


def write(tmp_path, data: bytes, name="liste.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_clean_file_is_saved_and_exits_0(runner, tmp_path):
    path = write(tmp_path, sample("properties"))

    result = runner.invoke(args=["import", "properties", path])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Import properties from {path} (CSV, utf-8, separator ';'):",
        "  5 rows, 5 new, 0 skipped (already there), 0 with problems.",
        "Saved.",
    ]
    assert count(Property) == 5


def test_a_second_run_skips_everything(runner, tmp_path):
    path = write(tmp_path, sample("properties"))
    runner.invoke(args=["import", "properties", path])

    result = runner.invoke(args=["import", "properties", path])

    assert result.exit_code == 0
    assert "  5 rows, 0 new, 5 skipped (already there), 0 with problems." in result.output
    assert count(Property) == 5


def test_a_broken_file_prints_every_problem_writes_nothing_and_exits_1(runner, tmp_path):
    path = write(tmp_path, csv(BROKEN))

    result = runner.invoke(args=["import", "properties", path])

    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "  2 rows, 1 would be new, 0 skipped (already there), 1 with problems.",
        "",
        "    row  column      message",
        "      3  Sozialraum  Unbekannter Sozialraum „Nordstadt-Mitte“.",
        "      3  Baujahr     Eine ganze Zahl wird erwartet, nicht „neunzehnhundert“.",
        "",
        "Nothing was written (all or nothing): correct the rows above and import the file again.",
    ]
    assert count(Property) == 0
    # The attempt itself is in the audit log.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.run"))
    assert event.changes["failed_rows"] == 1 and event.changes["written"] is False


def test_a_file_level_problem_exits_1(runner, tmp_path):
    path = write(tmp_path, csv("Straße;Hausnr.\nMallinckrodtstraße;212"))

    result = runner.invoke(args=["import", "properties", path])

    assert result.exit_code == 1
    assert "   file  postcode     Die Pflichtspalte „postcode“ fehlt (Überschrift z. B. „PLZ“)." in result.output
    assert "   file  social_area  Die Pflichtspalte „social_area“ fehlt (Überschrift z. B. „Sozialraum“)." \
        in result.output


def test_a_dry_run_reports_and_writes_nothing(runner, tmp_path):
    path = write(tmp_path, sample("properties"))

    result = runner.invoke(args=["import", "properties", path, "--dry-run"])

    assert result.exit_code == 0
    assert result.output.splitlines()[-2:] == [
        "  5 rows, 5 would be new, 0 skipped (already there), 0 with problems.",
        "Dry run: nothing was written. Without --dry-run the file would be imported as above.",
    ]
    assert count(Property) == 0


def test_a_dry_run_of_a_broken_file_exits_1(runner, tmp_path):
    result = runner.invoke(args=["import", "properties", write(tmp_path, csv(BROKEN)), "--dry-run"])

    assert result.exit_code == 1


def test_xlsx_files_are_read_by_their_content(runner, tmp_path):
    from .test_import import xlsx

    path = write(tmp_path, xlsx(["Vermieter", "Art"], ["Wohnungsgenossenschaft Nordstadt eG", "Genossenschaft"]),
                 name="vermieter.xlsx")

    result = runner.invoke(args=["import", "landlords", path])

    assert result.exit_code == 0, result.output
    assert f"Import landlords from {path} (XLSX):" in result.output


def test_as_names_the_administrator_in_the_audit_log(runner, tmp_path):
    admin = UserFactory(roles=[Role.ADMIN], email="it@housing.example")

    result = runner.invoke(args=["import", "properties", write(tmp_path, sample("properties")), "--as",
                                 "IT@housing.example"])

    assert result.exit_code == 0, result.output
    actors = set(db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action.in_(
        ["import.run", "property.create"]))))
    assert actors == {admin.id}


def test_as_refuses_someone_who_is_not_an_administrator(runner, tmp_path):
    UserFactory(roles=[Role.HOUSING_OFFICER], email="officer@housing.example")

    result = runner.invoke(args=["import", "properties", write(tmp_path, sample("properties")), "--as",
                                 "officer@housing.example"])

    assert result.exit_code == 1
    assert "No active administrator with e-mail officer@housing.example." in result.output
    assert count(Property) == 0


def test_an_unknown_kind_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["import", "buildings", write(tmp_path, sample("properties"))])

    assert result.exit_code == 2
    assert "'buildings' is not one of" in result.output
