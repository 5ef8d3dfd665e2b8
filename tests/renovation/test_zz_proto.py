import housing.properties  # noqa: F401
from datetime import UTC, datetime, timedelta, date
from decimal import Decimal
import time_machine
from sqlalchemy import select
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import HourEntry, Participant
from housing.auth.models import User
from ..factories import viertelwerk_project


def test_proto(app):
    with time_machine.travel(datetime(2026, 3, 18, 10, tzinfo=UTC), tick=False):
        ids = viertelwerk_project()
        sup = db.session.get(User, ids["supervisor"])
        d = date(2026, 3, 16)
        inp = hours.EntryInput(ids["participant"], d, hours="7.5", work_package_id=ids["package"])
        print(hours.put_entry(inp, actor=sup))
        try:
            print(hours.put_entry(inp, actor=sup))
        except Exception as e:
            print("ERR", type(e), e, getattr(e, "fields", None))
        p = db.session.get(Participant, ids["participant"])
        print(p.daily_hours, p.safety_briefing_on, p.starts_on)
        hours.put_entry(hours.EntryInput(ids["participant"], date(2026,2,10), hours="4", work_package_id=ids["package"]), actor=sup)
        print(hours.unapproved_past_months([p], date(2026,3,18)))
        hours.approve_month(p, date(2026,2,1), actor=sup)
        print(hours.unapproved_past_months([p], date(2026,3,18)))
