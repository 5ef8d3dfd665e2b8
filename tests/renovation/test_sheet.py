"""The crew sheet through its page: a whole crew's week in one form, saved cell by cell; bad cells come back with
the typed value and the reason, absence codes, clearing, locked months, the fill button, two supervisors at once."""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from housing.auth.roles import Role
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import Absence, HourEntry, RenovationProject
from housing.renovation.services import save_work_package, update_project

from ..factories import UserFactory, viertelwerk_project
from .conftest import (
    LAST_WEEK,
    LAST_WEEK_PARAM,
    TODAY,
    absent,
    count_entries,
    entries_of,
    flashes,
    march_over,
    page_text,
    person,
    work,
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK
THIS_WEEK = [date(2026, 3, 16 + n) for n in range(5)]  # Wednesday the 18th is today


def sheet_url(ids, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/viertelwerk/projects/{ids['project']}/sheet" + (f"?{query}" if query else "")


def cell_name(participant_id, day) -> str:
    return f"c-{participant_id}-{day.isoformat()}"


def sheet_form(ids, values=None, *, days=LAST_WEEK, week=LAST_WEEK_PARAM, packages=None, opened=None,
               **extra) -> dict:
    """The whole form as the browser sends it: every cell of every row (empty unless given), the row packages,
    and what each cell showed when the page was opened (``opened``; empty unless given)."""
    values, opened = values or {}, opened or {}
    form = {"week": week}
    for pid in ids["participants"]:
        form[f"wp-{pid}"] = str((packages or {}).get(pid, ids["package"]))
        for day in days:
            form[cell_name(pid, day)] = values.get((pid, day), "")
            form[f"o-{pid}-{day.isoformat()}"] = opened.get((pid, day), "")
    form.update(extra)
    return form


def cells(response) -> dict[str, dict]:
    """Every cell input of the page by name: its value, readonly and title, the cell's classes, its message."""
    body = response.get_data(as_text=True)
    found = {}
    for match in re.finditer(r'<td class="(sheet-cell[^"]*)">\s*(<input[^>]*name="(c-[^"]+)"[^>]*>)', body, re.S):
        classes, tag, name = match.groups()
        value = re.search(r'\svalue="([^"]*)"', tag).group(1)
        title = re.search(r'\stitle="([^"]*)"', tag)
        message = re.search(rf'<span class="sheet-msg" id="{re.escape(name)}-msg">(.*?)</span>', body, re.S)
        found[name] = {"value": page_text_of(value), "readonly": bool(re.search(r"\sreadonly[\s>]", tag)),
                       "title": title.group(1) if title else None, "classes": classes.split(),
                       "message": page_text_of(message.group(1)).strip() if message else None}
    return found


def page_text_of(fragment: str) -> str:
    import html

    return html.unescape(fragment)


def saved_count(response) -> int:
    """N of the success message "Gespeichert: N Einträge." (singular or plural)."""
    [n] = [int(m.group(1)) for text in flashes(response) if (m := re.fullmatch(r"Gespeichert: (\d+) Eintr\w+\.", text))]
    return n


def saved_and_rejected(response) -> tuple[int, int]:
    """(saved, rejected) of the warning "N Einträge gespeichert, M abgelehnt – die abgelehnten Felder sind …"."""
    [pair] = [(int(m.group(1)), int(m.group(2))) for text in flashes(response)
              if (m := re.fullmatch(r"(\d+) Eintr\w+ gespeichert, (\d+) abgelehnt – die abgelehnten Felder sind "
                                    r"markiert\.", text))]
    return pair


def only_entry(participant_id, day) -> HourEntry:
    [entry] = entries_of(participant_id, day)
    return entry


# --- showing the sheet --------------------------------------------------------------------------------------


def test_the_sheet_shows_a_crew_of_twelve_with_an_input_per_person_and_day(client, login, supervisor):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=12)
    login(client, supervisor)

    response = client.get(sheet_url(ids, week=LAST_WEEK_PARAM))

    assert response.status_code == 200
    text = page_text(response)
    assert "KW 11: 09.03. – 13.03.2026" in text
    for n in range(12):
        assert f"Şükrü, Ţăran{n}<" in text
    shown = cells(response)
    assert set(shown) == {cell_name(pid, day) for pid in ids["participants"] for day in LAST_WEEK}
    assert not any(cell["readonly"] for cell in shown.values())
    body = response.get_data(as_text=True)
    for pid in ids["participants"]:
        select_tag = re.search(rf'<select name="wp-{pid}".*?</select>', body, re.S).group(0)
        assert f'<option value="{ids["package"]}" selected>' in select_tag


def test_the_sheet_opens_on_the_current_week_with_future_days_readonly(client, login, supervisor, project):
    login(client, supervisor)

    shown = cells(client.get(sheet_url(project)))

    pid = project["participant"]
    assert [shown[cell_name(pid, day)]["readonly"] for day in THIS_WEEK] == [False, False, False, True, True]
    assert shown[cell_name(pid, date(2026, 3, 19))]["title"] == "in der Zukunft"


def test_the_sheet_for_one_day_has_one_input_per_person(client, login, supervisor):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    login(client, supervisor)

    shown = cells(client.get(sheet_url(ids, day="2026-03-17")))

    assert set(shown) == {cell_name(pid, date(2026, 3, 17)) for pid in ids["participants"]}


def test_the_sheet_shows_saved_entries_in_german_notation(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.25", project["package"]), actor=supervisor)
    hours.create_entry(absent(pid, TUESDAY, "6", "vacation"), actor=supervisor)
    hours.create_entry(absent(pid, WEDNESDAY, "4", "sick"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    shown = cells(client.get(sheet_url(project, week=LAST_WEEK_PARAM)))

    assert [shown[cell_name(pid, day)]["value"] for day in LAST_WEEK] == ["7,25", "U", "K 4", "", ""]


# --- saving a whole week ------------------------------------------------------------------------------------


def test_saving_a_whole_week_for_twelve_people_creates_sixty_entries_in_one_request(client, login, supervisor):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=12)
    login(client, supervisor)
    values = {(pid, day): "7,5" for pid in ids["participants"] for day in LAST_WEEK}

    response = client.post(sheet_url(ids), data=sheet_form(ids, values))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(sheet_url(ids, week=LAST_WEEK_PARAM))
    rows = db.session.scalars(select(HourEntry).where(HourEntry.project_id == ids["project"])).all()
    assert len(rows) == 60
    assert {(r.participant_id, r.worked_on) for r in rows} == set(values)
    assert {(r.hours, r.work_package_id, r.absence, r.recorded_by_id) for r in rows} == {
        (Decimal("7.5"), ids["package"], None, supervisor.id)}
    page = client.get(response.headers["Location"])
    assert saved_count(page) == 60
    assert all(cell["value"] == "7,5" for cell in cells(page).values())
    assert page_text(page).count(">37,50<") == 12  # each row's sum


def test_a_row_books_on_the_work_package_chosen_for_it(client, login, supervisor, admin):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    painting = save_work_package(db.session.get(RenovationProject, ids["project"]), None,
                                 {"trade": "Maler", "planned_hours": Decimal("40")}, actor=admin)
    db.session.commit()
    first, second = ids["participants"]
    login(client, supervisor)

    client.post(sheet_url(ids), data=sheet_form(ids, {(first, MONDAY): "6", (second, MONDAY): "6"},
                                                 packages={second: painting.id}))

    assert only_entry(first, MONDAY).work_package_id == ids["package"]
    assert only_entry(second, MONDAY).work_package_id == painting.id


def test_a_rows_total_counts_the_hours_on_other_work_packages_too(client, login, supervisor, admin):
    """A person booked on the row's package on Monday and on another one on Tuesday (and both on Wednesday) worked
    all of those hours: the row's sum is theirs, not the chosen package's."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=1)
    windows = save_work_package(db.session.get(RenovationProject, ids["project"]), None,
                                {"trade": "Fenster", "planned_hours": Decimal("40")}, actor=admin)
    pid = ids["participants"][0]
    hours.create_entry(work(pid, MONDAY, "6", ids["package"]), actor=supervisor)
    hours.create_entry(work(pid, TUESDAY, "6", windows.id), actor=supervisor)
    hours.create_entry(work(pid, WEDNESDAY, "2", windows.id), actor=supervisor)
    hours.create_entry(work(pid, WEDNESDAY, "4", ids["package"]), actor=supervisor)
    hours.create_entry(absent(pid, date(2026, 3, 13), "6", "vacation"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    page = client.get(sheet_url(ids, week=LAST_WEEK_PARAM)).get_data(as_text=True)

    assert re.search(r'class="num sheet-total">\s*18,00\s*<', page)  # 6 + 6 + 2 + 4; the holiday is no work


# --- bad cells ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "reason"), [
    ("11", "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."),
    ("1,1", "Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); 1,1 geht nicht."),
    ("abc", "„abc“ ist keine Stundenzahl und kein Kürzel (K, U, S, F)."),
])
def test_a_bad_cell_comes_back_with_its_value_and_reason_while_the_others_are_saved(
        client, login, supervisor, typed, reason):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    first, second = ids["participants"]
    values = {(pid, day): "6" for pid in ids["participants"] for day in LAST_WEEK}
    values[(first, WEDNESDAY)] = typed
    login(client, supervisor)

    response = client.post(sheet_url(ids), data=sheet_form(ids, values))

    assert response.status_code == 200
    assert saved_and_rejected(response) == (9, 1)
    shown = cells(response)
    bad = shown[cell_name(first, WEDNESDAY)]
    assert bad["value"] == typed
    assert bad["message"] == reason
    assert "sheet-cell--rejected" in bad["classes"]
    others = [shown[name] for name in shown if name != cell_name(first, WEDNESDAY)]
    assert all(cell["value"] == "6" and cell["message"] is None for cell in others)
    assert all("sheet-cell--saved" in cell["classes"] for cell in others)
    assert count_entries(project_id=ids["project"]) == 9
    assert entries_of(first, WEDNESDAY) == []
    assert [e.worked_on for e in entries_of(first)] == [MONDAY, TUESDAY, THURSDAY, FRIDAY]


def test_several_bad_cells_are_each_counted_and_explained(client, login, supervisor, project):
    pid = project["participant"]
    login(client, supervisor)

    response = client.post(sheet_url(project), data=sheet_form(
        project, {(pid, MONDAY): "7,5", (pid, TUESDAY): "X", (pid, WEDNESDAY): "10,5", (pid, THURSDAY): "0"}))

    assert saved_and_rejected(response) == (1, 3)
    shown = cells(response)
    assert [shown[cell_name(pid, d)]["value"] for d in LAST_WEEK] == ["7,5", "X", "10,5", "0", ""]
    assert shown[cell_name(pid, THURSDAY)]["message"] == "Die Stunden müssen größer als 0 sein."
    assert [e.worked_on for e in entries_of(pid)] == [MONDAY]


# --- absence codes -----------------------------------------------------------------------------------------


def test_absence_codes_become_absences_with_the_daily_or_the_given_hours(client, login, supervisor, project):
    pid = project["participant"]  # 30 hours a week: 6 a day
    login(client, supervisor)

    response = client.post(sheet_url(project), data=sheet_form(project, {
        (pid, MONDAY): "K", (pid, TUESDAY): "u", (pid, WEDNESDAY): "S", (pid, THURSDAY): "F", (pid, FRIDAY): "K 4"}))

    assert response.status_code == 302
    assert [(e.worked_on, e.absence, e.hours, e.work_package_id, e.slot) for e in entries_of(pid)] == [
        (MONDAY, Absence.SICK, Decimal("6"), None, "absence"),
        (TUESDAY, Absence.VACATION, Decimal("6"), None, "absence"),
        (WEDNESDAY, Absence.TRAINING, Decimal("6"), None, "absence"),
        (THURSDAY, Absence.UNEXCUSED, Decimal("6"), None, "absence"),
        (FRIDAY, Absence.SICK, Decimal("4"), None, "absence"),
    ]
    shown = cells(client.get(sheet_url(project, week=LAST_WEEK_PARAM)))
    assert [shown[cell_name(pid, d)]["value"] for d in LAST_WEEK] == ["K", "U", "S", "F", "K 4"]


def test_an_absence_code_replaces_work_on_that_day_and_hours_replace_it_back(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "K"}))
    assert [(e.absence, e.hours, e.work_package_id) for e in entries_of(pid)] == [(Absence.SICK, Decimal("6"), None)]

    client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "5"}))
    assert [(e.absence, e.hours, e.work_package_id) for e in entries_of(pid)] == [
        (None, Decimal("5"), project["package"])]


def test_an_absence_swapped_for_invalid_hours_stays_as_it_was(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(absent(pid, MONDAY, "6", "vacation"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "12"}))

    assert cells(response)[cell_name(pid, MONDAY)]["value"] == "12"
    assert [(e.absence, e.hours) for e in entries_of(pid)] == [(Absence.VACATION, Decimal("6"))]


def test_changing_an_absence_code_on_the_sheet_changes_the_absence(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(absent(pid, MONDAY, "4", "sick"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "U 4"}))

    assert [(e.absence, e.hours) for e in entries_of(pid)] == [(Absence.VACATION, Decimal("4"))]


# --- clearing and changing cells ------------------------------------------------------------------------------


def test_clearing_a_cell_deletes_its_entry(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "6", project["package"]), actor=supervisor)
    hours.create_entry(work(pid, TUESDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    opened = {(pid, MONDAY): "6", (pid, TUESDAY): "6"}
    response = client.post(sheet_url(project), data=sheet_form(project, {(pid, TUESDAY): "6"}, opened=opened))

    assert response.status_code == 302
    assert [e.worked_on for e in entries_of(pid)] == [TUESDAY]
    assert saved_count(client.get(response.headers["Location"])) == 1


def test_changing_a_cell_updates_its_entry_in_place(client, login, supervisor, project):
    pid = project["participant"]
    before = hours.create_entry(work(pid, MONDAY, "4", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "5,75"}))

    entry = only_entry(pid, MONDAY)
    assert (entry.id, entry.hours) == (before.id, Decimal("5.75"))


def test_changing_a_full_day_on_the_sheet_updates_it(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.5", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "8"}))

    assert response.status_code == 302, cells(response)[cell_name(pid, MONDAY)]["message"]
    assert only_entry(pid, MONDAY).hours == Decimal("8")


def test_a_sheet_sent_again_unchanged_saves_nothing(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.5", project["package"]), actor=supervisor)
    hours.create_entry(absent(pid, TUESDAY, "6"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "7,5", (pid, TUESDAY): "K"}))

    assert "Es gab nichts zu speichern." in flashes(client.get(response.headers["Location"]))
    assert len(entries_of(pid)) == 2


# --- locked months --------------------------------------------------------------------------------------------


@pytest.fixture
def crew_with_lock(supervisor):
    """Two people; the first one's March (with an entry on Monday the 9th) is approved and locked."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    hours.create_entry(work(ids["participants"][0], MONDAY, "6", ids["package"]), actor=supervisor)
    with march_over():
        hours.approve_month(person(ids, 0), date(2026, 3, 1), actor=supervisor)
    db.session.commit()
    return ids


def test_a_locked_months_cells_are_readonly(client, login, supervisor, crew_with_lock):
    locked, open_ = crew_with_lock["participants"]
    login(client, supervisor)

    shown = cells(client.get(sheet_url(crew_with_lock, week=LAST_WEEK_PARAM)))

    assert all(shown[cell_name(locked, day)]["readonly"] for day in LAST_WEEK)
    assert all(shown[cell_name(locked, day)]["title"] == "Monat gesperrt" for day in LAST_WEEK)
    assert all("sheet-cell--locked" in shown[cell_name(locked, day)]["classes"] for day in LAST_WEEK)
    assert not any(shown[cell_name(open_, day)]["readonly"] for day in LAST_WEEK)


def test_a_forged_post_into_a_locked_month_is_rejected(client, login, supervisor, crew_with_lock):
    locked, open_ = crew_with_lock["participants"]
    login(client, supervisor)

    response = client.post(sheet_url(crew_with_lock), data=sheet_form(crew_with_lock, {
        (locked, MONDAY): "8",  # change
        (locked, TUESDAY): "6",  # new
        (locked, WEDNESDAY): "K",  # new absence
        (open_, MONDAY): "6",
    }))

    assert saved_and_rejected(response) == (1, 3)
    shown = cells(response)
    assert shown[cell_name(locked, TUESDAY)]["message"] == "Monat gesperrt."
    assert [(e.worked_on, e.hours) for e in entries_of(locked)] == [(MONDAY, Decimal("6"))]
    assert [e.worked_on for e in entries_of(open_)] == [MONDAY]


def test_a_forged_post_cannot_clear_a_locked_entry(client, login, supervisor, crew_with_lock):
    locked = crew_with_lock["participants"][0]
    login(client, supervisor)

    response = client.post(sheet_url(crew_with_lock),
                           data=sheet_form(crew_with_lock, {}, opened={(locked, MONDAY): "6"}))

    assert response.status_code == 200
    assert saved_and_rejected(response) == (0, 1)
    assert [(e.worked_on, e.hours) for e in entries_of(locked)] == [(MONDAY, Decimal("6"))]


# --- the fill button ------------------------------------------------------------------------------------------


def test_the_fill_button_fills_the_usual_hours_of_its_row_without_saving(client, login, supervisor):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    first, second = ids["participants"]
    login(client, supervisor)

    response = client.post(sheet_url(ids), data=sheet_form(
        ids, {(first, date(2026, 3, 17)): "4"}, days=THIS_WEEK, week="2026-W12", fill=str(first)))

    assert response.status_code == 200
    shown = cells(response)
    # Monday and today get the usual 6 hours, the typed 4 stays, the future stays empty
    assert [shown[cell_name(first, d)]["value"] for d in THIS_WEEK] == ["6", "4", "6", "", ""]
    assert [shown[cell_name(second, d)]["value"] for d in THIS_WEEK] == ["", "", "", "", ""]
    assert count_entries(project_id=ids["project"]) == 0
    assert flashes(response) == ["Regelzeit für Ţăran0 Şükrü eingetragen, aber noch nicht gespeichert: bitte "
                                 "„Alles speichern“."]  # so nobody leaves the page thinking it is saved


def test_the_fill_button_uses_quarter_hours_of_the_weekly_hours(client, login, supervisor, project):
    from .conftest import add_participant

    thirty_nine = add_participant(project["project"], project["package"], actor=supervisor, weekly="39")
    login(client, supervisor)
    ids = {**project, "participants": [thirty_nine.id]}

    response = client.post(sheet_url(project), data=sheet_form(ids, days=THIS_WEEK, week="2026-W12",
                                                               fill=str(thirty_nine.id)))

    assert cells(response)[cell_name(thirty_nine.id, TODAY)]["value"] == "7,75"


def test_the_fill_button_leaves_locked_cells_alone(client, login, supervisor, crew_with_lock):
    locked = crew_with_lock["participants"][0]
    login(client, supervisor)

    response = client.post(sheet_url(crew_with_lock), data=sheet_form(
        crew_with_lock, {(locked, MONDAY): "6"}, fill=str(locked)))

    shown = cells(response)
    assert [shown[cell_name(locked, d)]["value"] for d in LAST_WEEK] == ["6", "", "", "", ""]


# --- two supervisors at once -----------------------------------------------------------------------------------


@pytest.fixture
def two_supervisors(supervisor, admin, app, login):
    """A crew of three run by two supervisors, each with a logged-in client."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    colleague = UserFactory(roles=[Role.SUPERVISOR])
    update_project(db.session.get(RenovationProject, ids["project"]),
                   {"supervisor_ids": [supervisor.id, colleague.id]}, actor=admin)
    db.session.commit()
    return ids, login(app.test_client(), supervisor), login(app.test_client(), colleague)


def test_two_supervisors_saving_the_same_sheet_lose_nothing_and_create_no_duplicates(two_supervisors):
    ids, first_client, second_client = two_supervisors
    values = {(pid, day): "7,5" for pid in ids["participants"] for day in LAST_WEEK}
    values[(ids["participants"][2], FRIDAY)] = "K"

    first = first_client.post(sheet_url(ids), data=sheet_form(ids, values))
    second = second_client.post(sheet_url(ids), data=sheet_form(ids, values))

    assert (first.status_code, second.status_code) == (302, 302)
    assert saved_count(first_client.get(first.headers["Location"])) == 15
    assert "Es gab nichts zu speichern." in flashes(second_client.get(second.headers["Location"]))
    rows = db.session.scalars(select(HourEntry).where(HourEntry.project_id == ids["project"])).all()
    assert len(rows) == 15
    assert len({(r.participant_id, r.worked_on, r.slot) for r in rows}) == 15
    assert {(r.participant_id, r.worked_on) for r in rows} == set(values)


def test_the_later_of_two_supervisors_changing_a_cell_wins_in_the_same_row(two_supervisors):
    ids, first_client, second_client = two_supervisors
    pid = ids["participants"][0]

    first_client.post(sheet_url(ids), data=sheet_form(ids, {(pid, MONDAY): "6"}))
    second_client.post(sheet_url(ids), data=sheet_form(ids, {(pid, MONDAY): "4"}))

    assert [(e.hours, e.work_package_id) for e in entries_of(pid)] == [(Decimal("4"), ids["package"])]


def test_a_supervisor_saving_an_older_copy_of_the_sheet_keeps_the_colleagues_new_entries(two_supervisors):
    ids, first_client, second_client = two_supervisors
    one, two, _three = ids["participants"]
    # Both open the empty sheet; the first enters person one, the second person two.
    first_client.post(sheet_url(ids), data=sheet_form(ids, {(one, MONDAY): "6"}))
    second_client.post(sheet_url(ids), data=sheet_form(ids, {(two, MONDAY): "6"}))

    assert [e.worked_on for e in entries_of(one)] == [MONDAY]
    assert [e.worked_on for e in entries_of(two)] == [MONDAY]


def test_put_entry_twice_for_the_same_cell_leaves_one_row(project, supervisor):
    cell = work(project["participant"], MONDAY, "4", project["package"])

    first, _entry = hours.put_entry(cell, actor=supervisor)
    db.session.commit()
    second, _entry = hours.put_entry(cell, actor=supervisor)
    db.session.commit()

    assert (first, second) == ("created", "unchanged")
    assert count_entries(participant_id=project["participant"]) == 1


def test_put_entry_twice_with_a_full_day_leaves_one_unchanged_row(project, supervisor):
    cell = work(project["participant"], MONDAY, "7.5", project["package"])

    hours.put_entry(cell, actor=supervisor)
    db.session.commit()
    status, _entry = hours.put_entry(cell, actor=supervisor)

    assert status == "unchanged"
    assert count_entries(participant_id=project["participant"]) == 1


def test_a_save_racing_another_for_the_same_cell_ends_with_one_entry(project, supervisor, monkeypatch):
    """Both saves saw an empty cell: the unique key turns the second insert into an update of the first."""
    hours.create_entry(work(project["participant"], MONDAY, "4", project["package"]), actor=supervisor)
    db.session.commit()
    real_find = hours.find_entry
    inserted = {"tried": False}

    def find_entry_that_missed_the_other_save(*args):
        # Every look-up before the insert misses the other save; after the unique key refused it, they see it.
        return real_find(*args) if inserted["tried"] else None

    def note_the_insert(mapper, connection, target):
        inserted["tried"] = True

    monkeypatch.setattr(hours, "find_entry", find_entry_that_missed_the_other_save)
    event.listen(HourEntry, "before_insert", note_the_insert)
    try:
        status, entry = hours.put_entry(work(project["participant"], MONDAY, "3", project["package"]),
                                        actor=supervisor)
        db.session.commit()
    finally:
        event.remove(HourEntry, "before_insert", note_the_insert)

    assert inserted["tried"]
    assert status == "updated"
    assert [(e.id, e.hours) for e in entries_of(project["participant"])] == [(entry.id, Decimal("3"))]


# --- who may use the sheet --------------------------------------------------------------------------------------


def test_a_supervisor_of_another_project_gets_404_for_this_projects_sheet(client, login, project):
    stranger = UserFactory(roles=[Role.SUPERVISOR])
    viertelwerk_project(supervisor=stranger)
    login(client, stranger)
    pid = project["participant"]

    assert client.get(sheet_url(project)).status_code == 404
    assert client.get(sheet_url(project, week=LAST_WEEK_PARAM)).status_code == 404
    assert client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "6"})).status_code == 404
    assert count_entries() == 0


@pytest.mark.parametrize("role", ["housing_officer", "management", "tenant_advisor"])
def test_roles_without_a_crew_get_403_for_the_sheet(role_client, project, role):
    client = role_client(role)

    assert client.get(sheet_url(project)).status_code == 403
    assert client.post(sheet_url(project), data=sheet_form(project, {(project["participant"], MONDAY): "6"})
                       ).status_code == 403
    assert count_entries() == 0


def test_an_admin_may_fill_any_crews_sheet(admin_client, project):
    pid = project["participant"]

    response = admin_client.post(sheet_url(project), data=sheet_form(project, {(pid, MONDAY): "6"}))

    assert response.status_code == 302
    assert only_entry(pid, MONDAY).recorded_by_id == admin_client.user.id
