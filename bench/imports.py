"""Time of importing 10,000 rows (target: under 30 s on SQLite): properties, and hour entries of 50 people.

    python bench/imports.py [DATABASE_URL] [ROWS]     (default: a fresh SQLite file in a temporary folder)

Each import runs as ``flask --app housing import`` would: every row through the services, all or nothing.
A second run of the same file (everything skipped) is timed as well. The CPU time beside the wall-clock time
shows how much of it was waiting for a busy machine.
"""

import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREAS = ("Nordmarkt", "Borsigplatz", "Hafen")
STREETS = ("Mallinckrodtstraße", "Schleswiger Straße", "Bornstraße", "Münsterstraße", "Oesterholzstraße",
           "Uhlandstraße", "Blücherstraße", "Heiligegartenstraße", "Missundestraße", "Nordstraße")


def properties_csv(rows: int) -> bytes:
    lines = ["Straße;Hausnr.;PLZ;Sozialraum;Baujahr;Wohnfläche;Priorität"]
    for n in range(rows):
        street = STREETS[n % len(STREETS)]
        lines.append(f"{street};{n // len(STREETS) + 1};{44145 + (n % 3)};{AREAS[n % 3]};{1890 + n % 90};"
                     f"{300 + n % 400},{n % 100:02d};{('niedrig', 'mittel', 'hoch', 'höchste')[n % 4]}")
    return "\r\n".join(lines).encode("utf-8-sig")


def crew(people: int):
    """An acquired building handed over to Viertelwerk with two work packages and ``people`` participants."""
    from housing.clock import today
    from housing.extensions import db
    from housing.properties import services as cases
    from housing.properties.models import Acquisition, CaseStatus
    from housing.renovation import services as renovation
    from housing.renovation.participants import create_participant

    actor = _actor()
    start = today() - timedelta(days=400)
    prop = cases.create_property({"street": "Kielstraße", "house_number": "9", "postcode": "44145",
                                  "social_area": "nordmarkt"}, actor=actor)
    prop.status = CaseStatus.ACQUIRED
    db.session.add(Acquisition(property_id=prop.id, method="purchase", buyer="city", agreed_price=Decimal("1"),
                               notarised_on=start, transferred_on=start))
    project = renovation.hand_over(prop, {"name": "Sanierung Bench", "starts_on": start,
                                          "planned_end_on": today() + timedelta(days=200)}, actor=actor)
    for trade in ("Trockenbau", "Malerarbeiten"):
        renovation.save_work_package(project, None, {"trade": trade, "planned_hours": Decimal("10000")}, actor=actor)
    names = []
    for n in range(people):
        first, last, birth = f"Ionuţ{n}", "Ştefănescu", today() - timedelta(days=30 * 365 + n)
        create_participant({"first_name": first, "last_name": last, "birth_date": birth, "funding_basis": "sgb2_16i",
                            "starts_on": start, "ends_on": today() + timedelta(days=300), "weekly_hours": 30,
                            "project_id": project.id, "safety_briefing_on": start}, actor=actor)
        names.append((last, first, birth))
    db.session.commit()
    return names, start


def hour_entries_csv(rows: int, names, start) -> bytes:
    lines = ["Nachname;Vorname;Geburtsdatum;Datum;Stunden;Arbeitspaket;Tätigkeit"]
    days = rows // (len(names) * 2) + 1
    for n in range(rows):
        person = names[n % len(names)]
        slot = (n // len(names)) % 2
        day = start + timedelta(days=n // (len(names) * 2))
        assert (day - start).days < days
        lines.append(f"{person[0]};{person[1]};{person[2]:%d.%m.%Y};{day:%d.%m.%Y};{'3,5' if slot else '4'};"
                     f"{('Trockenbau', 'Malerarbeiten')[slot]};Baustelle")
    return "\r\n".join(lines).encode("utf-8-sig")


def _actor():
    from housing.imports.services import CommandLineActor

    return CommandLineActor()


def timed(kind, data, label):
    from housing.extensions import db
    from housing.imports.services import run_import

    started, cpu = time.perf_counter(), time.process_time()
    report = run_import(kind, data, actor=_actor())
    db.session.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    problems = "; ".join(f"{p.row} {p.column}: {p.message}" for p in report.problems[:3])
    print(f"{label:<32} {seconds:6.1f} s ({cpu:.1f} s CPU)   {report.rows} rows, {report.created} new, "
          f"{report.skipped} skipped" + (f", PROBLEMS: {problems}" if problems else ""))


def main():
    from flask_migrate import upgrade

    from housing import create_app

    folder = tempfile.mkdtemp(prefix="housing-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 and "://" in sys.argv[1] else f"sqlite:///{folder}/bench.db"
    rows = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 10_000
    app = create_app({"ENV": "production", "SECRET_KEY": "bench", "DATABASE_URL": url, "TRUSTED_HOSTS": "*"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        data = properties_csv(rows)
        timed("properties", data, f"properties, {rows} rows")
        timed("properties", data, "properties, same file again")
        names, start = crew(50)
        data = hour_entries_csv(rows, names, start)
        timed("hour-entries", data, f"hour entries, {rows} rows")
        timed("hour-entries", data, "hour entries, same file again")


if __name__ == "__main__":
    main()
