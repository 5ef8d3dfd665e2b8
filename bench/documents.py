"""Time and peak memory of the two large documents: the programme report over 10,000 cases and the month's
timesheets for 500 participants (targets: under 10 s and under 300 MB each).

    python bench/documents.py [DATABASE_URL]     (default: a fresh SQLite file in a temporary folder)

Each document is built in a process of its own, so its peak memory (max RSS) is its own.
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES, PLACEMENTS = 10_000, 2_000


def _app(url):
    from housing import create_app

    return create_app({"ENV": "production", "SECRET_KEY": "bench", "DATABASE_URL": url, "TRUSTED_HOSTS": "*"})


def _month():
    from housing.clock import today as dortmund_today

    today = dortmund_today()
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def load(url):
    from flask_migrate import upgrade

    from housing.extensions import db
    from tests.reports.bulk import programme

    first, last = _month()
    with _app(url).app_context():
        upgrade(directory=str(ROOT / "migrations"))
        # 40 projects of 10 people with five packages each over 1,000 days: 2,000,000 hour entries ...
        programme(cases=CASES, projects=40, crew=10, days=1000, packages=5, placements=PLACEMENTS, last_day=last)
        # ... and 10 more crews of 10 who started this month: 500 timesheets for the month.
        programme(cases=10, projects=10, crew=10, days=(last - first).days + 1, placements=0, last_day=last)
        db.session.commit()


def build(url, kind):
    from sqlalchemy import select

    from housing.extensions import db
    from housing.renovation.models import RenovationProject
    from housing.renovation.reports import month_timesheets
    from housing.reports.programme import programme_report

    first, last = _month()
    app = _app(url)
    with app.app_context(), app.test_request_context("/"), open(os.devnull, "wb") as out:
        started = time.perf_counter()
        if kind == "programme":
            programme_report(date(first.year - 4, 1, 1), last, out)
            size = f"{CASES} cases"
        else:
            ids = list(db.session.scalars(select(RenovationProject.id)))
            size = f"{month_timesheets(ids, first, out)} participants"
        print(f"{time.perf_counter() - started:.2f} {size}")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--build":
        return build(sys.argv[2], sys.argv[3])
    folder = tempfile.mkdtemp(prefix="housing-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.db"
    print(f"Loading {CASES} cases, 500 participants, 2,000,000 hour entries, {PLACEMENTS} placements")
    started = time.perf_counter()
    load(url)
    print(f"  loaded in {time.perf_counter() - started:.1f} s")
    print("| document | time | peak memory | size |\n|---|---|---|---|")
    for kind, label in (("programme", "Programmbericht"), ("timesheets", "Stundennachweise eines Monats")):
        process = subprocess.Popen([sys.executable, __file__, "--build", url, kind],  # noqa: S603 (our own script)
                                   stdout=subprocess.PIPE, text=True)
        _pid, _status, usage = os.wait4(process.pid, 0)
        seconds, size = process.stdout.read().strip().split(" ", 1)
        print(f"| {label} | {float(seconds):.1f} s | {usage.ru_maxrss / 1024:.0f} MB | {size} |")


if __name__ == "__main__":
    main()
