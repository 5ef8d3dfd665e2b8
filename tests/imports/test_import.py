"""Imports through the services: all or nothing, exact reports, encodings, XLSX, natural keys, dry runs, audit."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.extensions import db
from housing.imports.kinds import KINDS
from housing.imports.services import CommandLineActor
from housing.placement.models import Applicant, Landlord, Vacancy
from housing.properties.models import Owner, Ownership, Property, StatusTransition, Unit
from housing.renovation.models import HourEntry, Participant, Qualification

from .conftest import PROJECT, count, csv, rows_of, sample

PROPERTIES = """
Straße;Hausnr.;PLZ;Sozialraum;Baujahr;Wohnfläche
Mallinckrodtstraße;212;44147;Nordmarkt;1911;540,00
Bornstraße;96;44145;borsigplatz;1925;480,75
"""


def cell_datetime(*parts) -> datetime:
    """A date cell as Excel stores it: a wall-clock time without a zone."""
    return datetime(*parts)  # noqa: DTZ001


def written_nothing(*models):
    return all(count(model) == 0 for model in models)


# --- broken files write nothing and say exactly what is wrong -----------------------------------------------


def test_a_wrong_date_format_is_reported_with_row_column_and_message_and_nothing_is_written(run):
    report = run("landlords", """
Vermieter;Art;Kooperation seit
Wohnungsgenossenschaft Nordstadt eG;Genossenschaft;01.04.2024
Hausverwaltung Kaya & Söhne;Unternehmen;2025/09/15
Ţurcanu, Vasile;Privatperson;15.09.25
""")

    assert rows_of(report) == [
        (3, "Kooperation seit", "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „2025/09/15“."),
        (4, "Kooperation seit", "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „15.09.25“."),
    ]
    assert (report.rows, report.created, report.skipped, report.failed_rows) == (3, 1, 0, 2)
    assert not report.written
    assert written_nothing(Landlord)


def test_an_impossible_day_is_reported(run):
    report = run("landlords", "Vermieter;Art;Kooperation seit\nWG Nordstadt eG;Genossenschaft;31.02.2024")

    assert rows_of(report) == [(2, "Kooperation seit", "Diesen Tag gibt es nicht: „31.02.2024“.")]


def test_an_unknown_social_area_fails_the_whole_file(run):
    report = run("properties", PROPERTIES + "Heroldstraße;7;44145;Nordstadt-Mitte;1899;288,00\n")

    assert rows_of(report) == [(4, "Sozialraum", "Unbekannter Sozialraum „Nordstadt-Mitte“.")]
    assert report.created == 2  # the two good rows passed, and were rolled back with the bad one
    assert written_nothing(Property, StatusTransition)


def test_a_missing_required_column_is_a_file_level_error_naming_the_column(run):
    report = run("properties", "Straße;Hausnr.;Sozialraum\nMallinckrodtstraße;212;Nordmarkt")

    assert rows_of(report) == [(None, "postcode", "Die Pflichtspalte „postcode“ fehlt (Überschrift z. B. „PLZ“).")]
    assert report.rows == 0
    assert written_nothing(Property)


def test_a_missing_reference_column_names_the_alternatives(run):
    report = run("units", "Straße;Hausnr.;Wohnung\nMallinckrodtstraße;212;EG")

    assert rows_of(report) == [(None, "street, house_number, postcode", "Es fehlen Spalten: gebraucht wird "
                                "„property_id“ oder „street, house_number, postcode“.")]


def test_a_column_given_twice_is_a_file_level_error(run):
    report = run("properties", "Straße;Strasse;Hausnr.;PLZ;Sozialraum\nA;B;1;44147;Nordmarkt")

    assert rows_of(report) == [(None, "Strasse", "Die Spalte „street“ steht doppelt in der Datei (auch als "
                                "„Straße“).")]


def test_a_key_twice_in_the_file_is_reported_on_the_key_columns(run):
    report = run("properties", PROPERTIES + "Mallinckrodtstr.;212;44147;Nordmarkt;;\n")

    assert rows_of(report) == [
        (4, "Straße, Hausnr., PLZ", "Doppelt in der Datei: derselbe Schlüssel wie in Zeile 2."),
    ]
    assert written_nothing(Property)


def test_a_reference_to_a_building_that_does_not_exist_fails(run):
    run("properties", PROPERTIES)
    report = run("units", """
Straße;Hausnr.;PLZ;Wohnung;Wohnfläche
Mallinckrodtstraße;212;44147;EG links;48,20
Münsterstraße;999;44145;EG;50
""")

    assert rows_of(report) == [(3, "Straße, Hausnr., PLZ", "Kein Gebäude mit der Adresse „Münsterstraße 999, "
                                "44145“. Bitte zuerst die Gebäude importieren.")]
    assert written_nothing(Unit)


def test_service_messages_come_back_per_row_and_column(run):
    report = run("units", """
Objekt-ID;Wohnung;Geschoss;Wohnfläche;Zimmer;gemeldete Personen
999;EG;0;40;2;1
""")
    assert rows_of(report) == [(2, "Objekt-ID", "Kein Gebäude mit der ID 999.")]

    run("properties", PROPERTIES)
    report = run("units", """
Straße;Hausnr.;PLZ;Wohnung;Geschoss;Wohnfläche;Zimmer;gemeldete Personen
Mallinckrodtstraße;212;44147;EG;50;0;2;35
Mallinckrodtstraße;212;44147;;1;40;zwei;2
""")
    assert rows_of(report) == [
        (2, "Geschoss", "Höchstens 40."),
        (2, "Wohnfläche", "Die Fläche muss größer als 0 und höchstens 1000 m² sein."),
        (2, "gemeldete Personen", "Mehr als 30 Personen in einer Wohnung sind nicht plausibel; bitte prüfen."),
        (3, "Wohnung", "Pflichtangabe fehlt."),
        (3, "Zimmer", "Eine Zahl wird erwartet (z. B. 12,5), nicht „zwei“."),
    ]
    assert written_nothing(Unit)


def test_unknown_columns_are_ignored_and_named_in_the_report(run):
    report = run("landlords", "Vermieter;Art;lfd. Nr.;Bemerkung intern\nWG Nordstadt eG;Genossenschaft;1;x")

    assert report.ok and report.created == 1
    assert report.ignored_columns == ["lfd. Nr.", "Bemerkung intern"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Die Datei ist leer."),
    (b"\r\n\r\n", "Die Datei ist leer."),
    (b"PK\x03\x04 not really a workbook", "Die Excel-Datei lässt sich nicht lesen. Bitte als .xlsx oder als CSV "
                                          "speichern."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Alte Excel-Dateien (.xls) werden nicht gelesen. Bitte "
                                                            "als .xlsx oder als CSV speichern."),
    (b"Stra\x81e;PLZ", "Die Zeichenkodierung ist weder UTF-8 noch Windows-1252. Bitte in Excel als „CSV UTF-8“ "
                       "speichern."),
])
def test_unreadable_files_are_reported_as_such(run, data, message):
    report = run("properties", data)

    assert rows_of(report) == [(None, "", message)]


# --- encodings, separators, German numbers, XLSX ------------------------------------------------------------


def test_windows_1252_with_semicolons_and_german_decimals(run):
    data = csv("""
STRASSE ; Haus-Nr. ;plz;SOZIALRAUM;Fläche (m²);Priorität;Problemfall
Münsterstraße;140;44145;Nordmarkt;1.234,56;höchste;ja
Brügmannstraße;3b;44145;Hafen;612,4 m²;niedrig;nein
""", encoding="cp1252")
    assert b"M\xfcnsterstra\xdfe" in data  # really Windows-1252

    report = run("properties", data)

    assert report.ok, rows_of(report)
    assert (report.encoding, report.separator) == ("windows-1252", ";")
    first, second = db.session.scalars(select(Property).order_by(Property.id)).all()
    assert (first.street, first.floor_area_m2, first.priority.value, first.is_problem_case) == (
        "Münsterstraße", Decimal("1234.56"), "highest", True)
    assert (second.house_number, second.floor_area_m2, second.social_area.slug, second.status) == (
        "3b", Decimal("612.40"), "hafen", None)


def test_utf8_without_bom_and_commas(run):
    report = run("landlords", 'name,kind,contact_person\n"Ţurcanu, Vasile",private,Łukasz Wiśniewski\n')

    assert report.ok, rows_of(report)
    assert (report.encoding, report.separator) == ("utf-8", ",")
    assert db.session.scalar(select(Landlord.name)) == "Ţurcanu, Vasile"


def xlsx(header, *rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_real_dates_and_numbers(run, project):
    made = project()
    data = xlsx(["Nachname", "Vorname", "Geburtsdatum", "Förderung", "Beginn", "Ende", "Wochenstunden", "Projekt",
                 "Sicherheitsunterweisung", "Jobcenter-Kennzeichen"],
                ["Ştefănescu", "Ionuţ", cell_datetime(1986, 4, 17), "16i", cell_datetime(2025, 9, 1),
                 date(2027, 8, 31), 30, PROJECT, cell_datetime(2025, 9, 1), 352104711],
                ["Kowalczyk", "Paweł", "03.11.1979", "§ 16e SGB II", "2025-10-15", "14.10.2027", 38.5, PROJECT, None,
                 "352D108812"])

    report = run("participants", data)

    assert report.ok, rows_of(report)
    assert report.format == "xlsx"
    first, second = db.session.scalars(select(Participant).order_by(Participant.id)).all()
    assert (first.birth_date, first.starts_on, first.ends_on, first.weekly_hours, first.project_id) == (
        date(1986, 4, 17), date(2025, 9, 1), date(2027, 8, 31), Decimal("30"), made.id)
    assert (first.jobcenter_ref, first.safety_briefing_on) == ("352104711", date(2025, 9, 1))
    assert (second.birth_date, second.funding_basis.value, second.weekly_hours) == (
        date(1979, 11, 3), "sgb2_16e", Decimal("38.5"))


def test_xlsx_date_with_a_time_and_a_number_for_a_date_are_refused(run):
    data = xlsx(["Vermieter", "Art", "Kooperation seit"], ["WG Nordstadt eG", "Genossenschaft",
                                                            cell_datetime(2024, 4, 1, 13, 30)],
                ["Kaya", "Unternehmen", 45383])

    report = run("landlords", data)

    assert rows_of(report) == [
        (2, "Kooperation seit", "Ein Datum ohne Uhrzeit wird erwartet."),
        (3, "Kooperation seit", "Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „45383“."),
    ]


# --- natural keys: re-importing creates nothing twice ---------------------------------------------------------


def import_every_sample(run, project):
    reports = {}
    for kind in ("properties", "units", "owners", "landlords", "vacancies", "applicants"):
        reports[kind] = run(kind, sample(kind))
    project()
    for kind in ("participants", "hour-entries"):
        reports[kind] = run(kind, sample(kind))
    return reports


def test_every_sample_file_imports_and_a_second_import_creates_nothing(run, project):
    first = import_every_sample(run, project)

    assert set(first) == set(KINDS)
    for kind, report in first.items():
        assert report.ok, (kind, rows_of(report))
        assert report.rows > 0 and report.created + report.skipped == report.rows, kind
        assert not report.ignored_columns, kind
    counts = {model: count(model) for model in (Property, Unit, Owner, Ownership, Landlord, Vacancy, Applicant,
                                                Participant, Qualification, HourEntry)}

    again = {kind: run(kind, sample(kind)) for kind in KINDS}

    for kind, report in again.items():
        assert report.ok and report.created == 0 and report.skipped == report.rows, (kind, rows_of(report))
    assert counts == {model: count(model) for model in counts}


def test_the_samples_hold_what_they_say(run, project):
    import_every_sample(run, project)

    schleswiger = db.session.scalar(select(Property).where(Property.street == "Schleswiger Straße"))
    assert (schleswiger.priority.value, schleswiger.status.value, schleswiger.floor_area_m2) == (
        "highest", "acquired", Decimal("612.40"))
    units = {u.label: u for u in db.session.scalars(select(Unit).where(Unit.property_id == schleswiger.id))}
    assert units["1. OG links"].is_overcrowded and schleswiger.is_overcrowded  # 9 people seen in 62,5 m²
    # The company owns two buildings: one owner, two ownerships; the older private owner's period ended.
    assert count(Owner) == 4
    periods = [(o.owner.name, o.registered_on, o.ended_on) for o in db.session.scalars(
        select(Ownership).where(Ownership.property_id == schleswiger.id).order_by(Ownership.registered_on))]
    assert periods == [("Jürgen Bößmann", date(1998, 5, 12), date(2016, 3, 14)),
                       ("Nordstadt Wohnen Invest Ltd.", date(2016, 3, 14), None)]
    ioana = db.session.scalar(select(Applicant).where(Applicant.first_name == "Ioana"))
    assert (ioana.languages, ioana.interpreter_needed, ioana.urgency.value, ioana.wbs_persons) == (
        ["Rumänisch", "Deutsch"], True, "high", 5)
    assert sorted(a.slug for a in ioana.preferred_areas) == ["borsigplatz", "nordmarkt"]
    assert ioana.status.value == "first_contact"
    sick = db.session.scalar(select(HourEntry).where(HourEntry.absence.is_not(None),
                                                     HourEntry.worked_on == date(2026, 1, 14)))
    assert (sick.hours, sick.absence.value, sick.work_package_id) == (Decimal("6"), "sick", None)
    capped = db.session.scalar(select(Vacancy).where(Vacancy.rent_capped.is_(True)))
    assert (capped.unit.label, capped.rent_cap_per_m2, capped.deposit) == ("1. OG", Decimal("7.25"), None)


def test_an_existing_record_is_skipped_and_not_changed(run):
    run("properties", PROPERTIES)
    report = run("properties", PROPERTIES.replace("1911;540,00", "1912;999,00") + "Heroldstraße;7;44145;Hafen;;\n")

    assert (report.created, report.skipped) == (1, 2)
    mallinckrodt = db.session.scalar(select(Property).where(Property.street == "Mallinckrodtstraße"))
    assert (mallinckrodt.year_built, mallinckrodt.floor_area_m2) == (1911, Decimal("540.00"))


def test_hour_entries_by_participant_id_default_package_and_absence_codes(run, project):
    made = project()
    run("participants", sample("participants"))
    person = db.session.scalar(select(Participant).where(Participant.first_name == "Paweł"))
    person.default_work_package_id = made.work_packages[1].id
    db.session.commit()

    report = run("hour-entries", f"""
TN-ID;Datum;Stunden;Arbeitspaket;Abwesenheit
{person.id};2026-02-02;7,75;;
{person.id};03.02.2026;7,75;;U
{person.id};04.02.2026;4;Dachdeckerei;
""")

    assert rows_of(report) == [(4, "Arbeitspaket", "Kein Arbeitspaket „Dachdeckerei“ im Projekt „Sanierung "
                                "Schleswiger Straße 28“.")]
    report = run("hour-entries", f"TN-ID;Datum;Stunden;Abwesenheit\n{person.id};2026-02-02;7,75;\n"
                                 f"{person.id};03.02.2026;7,75;U")
    assert report.ok, rows_of(report)
    entries = db.session.scalars(select(HourEntry).order_by(HourEntry.worked_on)).all()
    assert [(e.work_package_id, e.absence and e.absence.value) for e in entries] == [
        (made.work_packages[1].id, None), (None, "vacation")]


def test_hour_entries_keep_the_rules_of_the_crew_sheet(run, project):
    project()
    run("participants", sample("participants"))

    report = run("hour-entries", """
Nachname;Vorname;Geburtsdatum;Datum;Stunden;Arbeitspaket
Ştefănescu;Ionuţ;17.04.1986;12.01.2026;7,3;Trockenbau
Ştefănescu;Ionuţ;17.04.1986;13.01.2026;6;Trockenbau
Ştefănescu;Ionuţ;17.04.1986;13.01.2026;5;Malerarbeiten
Ştefănescu;Ionuţ;17.04.1986;20.11.2026;6;Trockenbau
Ştefănescu;Ionut;17.04.1986;14.01.2026;6;Trockenbau
""")

    assert rows_of(report) == [
        (2, "Stunden", "Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); 7,3 geht nicht."),
        (4, "Stunden", "Mit diesem Eintrag wären es 11 Stunden am 13.01.; erlaubt sind höchstens 10."),
        (5, "Datum", "Stunden können nicht für die Zukunft erfasst werden."),
        (6, "Nachname, Vorname, Geburtsdatum", "Keine teilnehmende Person „Ionut Ştefănescu“, geboren am "
                                               "17.04.1986."),
    ]
    assert count(HourEntry) == 0


def test_applicant_areas_by_name_and_unknown_ones(run):
    report = run("applicants", """
Nachname;Vorname;Geburtsdatum;Erwachsene;bevorzugte Sozialräume;Einkommensart
Ştefan;Ioana;14.05.1990;2;Nordmarkt, Hörde;Bürgergeld
Öztürk;Ayşe;21.03.1995;1;Nordstadt;Lottogewinn
""")

    assert rows_of(report) == [
        (3, "bevorzugte Sozialräume", "Unbekannter Sozialraum: Nordstadt."),
        (3, "Einkommensart", "Unbekannter Wert „Lottogewinn“; erlaubt sind: Bürgergeld (SGB II), "
                             "Sozialhilfe (SGB XII), Erwerbseinkommen, sonstiges Einkommen."),
    ]
    assert written_nothing(Applicant)


def test_vacancies_name_their_flat_and_landlord(run):
    for kind in ("properties", "units", "landlords"):
        run(kind, sample(kind))

    report = run("vacancies", """
Straße;Hausnr.;PLZ;Wohnung;Vermieter;verfügbar ab;Kaltmiete;Kaution
Blücherstraße;27;44147;DG;Wohnungsgenossenschaft Nordstadt eG;01.02.2027;430,00;
Blücherstraße;27;44147;EG;Vonovia;01.02.2027;430,00;
Blücherstraße;27;44147;EG;Wohnungsgenossenschaft Nordstadt eG;01.02.2027;430,00;2.000,00
""")

    assert rows_of(report) == [
        (2, "Straße, Hausnr., PLZ, Wohnung", "Keine Wohnung „DG“ in Blücherstraße 27."),
        (3, "Vermieter", "Kein Vermieter „Vonovia“. Bitte zuerst die Vermieter importieren."),
        (4, "Kaution", "Die Kaution darf höchstens drei Nettokaltmieten betragen (§ 551 BGB)."),
    ]
    assert written_nothing(Vacancy)


def test_an_owner_without_a_name_is_refused_unless_unknown(run):
    run("properties", PROPERTIES)

    report = run("owners", """
Straße;Hausnr.;PLZ;Art;Eigentümer;eingetragen am;Kontakt
Mallinckrodtstraße;212;44147;Gesellschaft;;14.03.2016;
Bornstraße;96;44145;unbekannt;;01.06.2019;
Bornstraße;96;44145;Privatperson;Jürgen Bößmann;01.06.2029;{long}
""".format(long="x" * 201))

    assert rows_of(report) == [
        (2, "Eigentümer", "Pflichtangabe fehlt."),
        (4, "eingetragen am", "Die Eintragung darf nicht in der Zukunft liegen."),
        (4, "Kontakt", "Höchstens 200 Zeichen."),
    ]
    assert written_nothing(Owner, Ownership)


# --- dry run and audit --------------------------------------------------------------------------------------


def test_a_dry_run_checks_everything_and_writes_nothing_but_its_audit_entry(run, admin):
    report = run("properties", PROPERTIES, dry_run=True)

    assert report.ok and report.dry_run and not report.written
    assert (report.rows, report.created) == (2, 2)
    assert written_nothing(Property, StatusTransition)
    events = db.session.scalars(select(AuditEvent)).all()
    assert [(e.action, e.actor_id) for e in events] == [("import.run", admin.id)]
    assert events[0].changes == {"kind": "properties", "rows": 2, "created": 2, "skipped": 0, "failed_rows": 0,
                                 "file_problems": 0, "dry_run": True, "written": False}


def test_the_audit_entry_holds_counts_but_no_personal_data(run, project):
    project()
    report = run("participants", sample("participants"))

    assert report.ok
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.run"))
    assert event.changes == {"kind": "participants", "rows": 4, "created": 4, "skipped": 0, "failed_rows": 0,
                             "file_problems": 0, "dry_run": False, "written": True}
    assert event.summary == "participants: 4 Zeilen, 4 neu, 0 übersprungen, 0 fehlerhaft"
    text = f"{event.summary} {event.changes}"
    for personal in ("Ştefănescu", "Ionuţ", "1986", "352D"):
        assert personal not in text


def test_the_command_line_acts_as_an_administrator_without_an_account(run):
    report = run("properties", PROPERTIES, actor=CommandLineActor())

    assert report.ok and report.created == 2
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "import.run")) is None


# --- scale ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["properties", "hour-entries"])
def test_queries_grow_linearly_with_the_rows(run, project, count_queries, kind):
    """Each row costs the same number of statements, however many rows came before (no N² lookups)."""
    if kind == "hour-entries":
        project()
        run("participants", sample("participants"))

    def file(n: int, offset: int) -> str:
        if kind == "properties":
            return "Straße;Hausnr.;PLZ;Sozialraum\n" + "\n".join(
                f"Nordstraße;{offset + i + 1};44145;Nordmarkt" for i in range(n))
        month = 2 + offset // 100  # one person, a month per run, one or two packages a day
        packages = ("Trockenbau", "Malerarbeiten")
        return "Nachname;Vorname;Geburtsdatum;Datum;Stunden;Arbeitspaket\n" + "\n".join(
            f"Ştefănescu;Ionuţ;17.04.1986;{1 + i % 20:02d}.{month:02d}.2026;1;{packages[i // 20]}" for i in range(n))

    statements = []
    for n, offset in ((10, 0), (20, 100), (40, 200)):
        with count_queries() as seen:
            report = run(kind, file(n, offset))
        assert report.ok and report.created == n, rows_of(report)
        statements.append(len(seen))
    per_row = (statements[1] - statements[0]) / 10
    assert statements[2] - statements[1] == 20 * per_row
    assert per_row <= 14
