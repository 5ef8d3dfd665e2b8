"""All-or-nothing imports of the city's existing lists.

Every row goes through the same services as a page or an API call, each in its own savepoint inside one
savepoint for the whole file. A row that a service refuses is reported with its row number (the header is
row 1, as in Excel), the column and the service's German message, and the import goes on checking the
remaining rows. If any row failed, or on a dry run, the whole file is rolled back: nothing is written.
The caller commits (the audit entry of the run is kept either way).
"""

from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, IntegrityError

from ..audit.services import record
from ..auth.roles import Role
from ..errors import DomainError
from ..extensions import db
from ..i18n import gettext as _
from .cells import CellError, normalise
from .kinds import KINDS, Kind, Row
from .reading import FileProblem, Table, read_table

KEY = "_key"  # a row's natural key, for the report: the columns it is made of


@dataclass
class Problem:
    row: int | None  # None: the file as a whole
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None
    separator: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        """The rows were saved (possibly none new, when every row was already there)."""
        return self.ok and not self.dry_run

    @property
    def failed_rows(self) -> int:
        return len({problem.row for problem in self.problems if problem.row is not None})

    @property
    def file_problems(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.row is None]


class CommandLineActor:
    """Who imports from the command line without ``--as``: whoever may run commands on the server, with an
    administrator's reach; the audit log shows no account for it (as for scheduled jobs)."""

    id = None
    email = None
    is_authenticated = False

    def has_role(self, *roles) -> bool:
        return Role.ADMIN in {Role(role) for role in roles}


def _header_problems(kind: type[Kind], header: list[str]) -> tuple[dict[str, int], list[Problem], list[str]]:
    """Which column of the file holds which field; missing, doubled and unknown columns."""
    aliases = kind.aliases()
    positions: dict[str, int] = {}
    problems, ignored = [], []
    for index, title in enumerate(header):
        if not title:
            continue
        name = aliases.get(normalise(title))
        if name is None:
            ignored.append(title)
        elif name in positions:
            problems.append(Problem(None, title, _("Die Spalte „%(column)s“ steht doppelt in der Datei (auch als "
                                                   "„%(other)s“).", column=name, other=header[positions[name]])))
        else:
            positions[name] = index
    for column in kind.columns:
        if column.required and column.name not in positions:
            problems.append(Problem(None, column.name, _(
                "Die Pflichtspalte „%(column)s“ fehlt (Überschrift z. B. „%(alias)s“).", column=column.name,
                alias=column.aliases[0] if column.aliases else column.name)))
    for alternatives in kind.alternatives:
        if not any(all(name in positions for name in option) for option in alternatives):
            either_or = " " + _("oder") + " "
            options = either_or.join("„" + ", ".join(option) + "“" for option in alternatives)
            problems.append(Problem(None, ", ".join(alternatives[-1]), _(
                "Es fehlen Spalten: gebraucht wird %(options)s.", options=options)))
    return positions, problems, ignored


def _rows(kind: type[Kind], table: Table, positions: dict[str, int]) -> list[Row]:
    rows = []
    for number, cells in table.rows:
        row = Row(number=number, values={}, errors={})
        for name, index in positions.items():
            raw = cells[index] if index < len(cells) else None
            try:
                row.values[name] = kind.column(name).parse(raw)
            except CellError as error:
                row.values[name] = None
                row.add(name, error.message)
        rows.append(row)
    return rows


def run_import(kind_name: str, data: bytes, *, actor, dry_run: bool = False) -> ImportReport:
    """Check every row of ``data`` (CSV or XLSX) with the services and save all of them, or none.

    Rows whose natural key is already in the database are skipped; a key twice in the file is an error.
    Returns the report; records one ``import.run`` audit entry (kind, counts, dry run; no personal data)."""
    kind_class = KINDS[kind_name]
    report = ImportReport(kind=kind_name, dry_run=dry_run)
    try:
        table = read_table(data)
    except FileProblem as problem:
        report.problems.append(Problem(None, "", problem.message))
        return _audited(report, actor)
    report.format, report.encoding, report.separator = table.format, table.encoding, table.separator
    positions, problems, report.ignored_columns = _header_problems(kind_class, table.header)
    report.problems.extend(problems)
    if problems:
        return _audited(report, actor)

    kind = kind_class(actor)
    rows = _rows(kind_class, table, positions)
    report.rows = len(rows)
    titles = {name: table.header[index] for name, index in positions.items()}

    def columns_of(name: str) -> str:
        name = name.split(".")[0]
        names = kind.key_columns if name == KEY else kind.field_columns.get(name, (name,))
        present = [titles[column] for column in names if column in titles]
        return ", ".join(present) or name

    whole_file = db.session.begin_nested()
    try:
        seen: dict[tuple, int] = {}
        for row in kind.order(rows):
            _import_row(kind, row, seen, report)
            for name, messages in row.errors.items():
                report.problems.extend(Problem(row.number, columns_of(name) if name else "", message)
                                       for message in messages)
    except BaseException:
        whole_file.rollback()
        raise
    if report.problems or dry_run:
        whole_file.rollback()
    else:
        whole_file.commit()
    order = {name: index for index, name in enumerate(table.header)}
    report.problems.sort(key=lambda p: (p.row or 0, order.get(p.column.split(", ")[0], len(order))))
    return _audited(report, actor)


def _import_row(kind: Kind, row: Row, seen: dict, report: ImportReport) -> None:
    referenced = kind.resolve(row)
    keys = kind.keys(row) if referenced else []
    earlier = next((seen[key] for key in keys if key in seen), None)
    for key in keys:
        seen.setdefault(key, row.number)
    if earlier is not None:
        row.add(KEY, _("Doppelt in der Datei: derselbe Schlüssel wie in Zeile %(row)s.", row=earlier))
        return
    if not referenced:
        return
    if keys and not row.errors and any(kind.exists(key) for key in keys):
        report.skipped += 1
        return
    try:
        with db.session.begin_nested():
            created = kind.create(row)
    except DomainError as error:
        reported = {name.split(".")[0] for name in row.errors}  # unreadable cells, values the API model refused
        for name, messages in (error.fields or {"": [error.message]}).items():
            if name.split(".")[0] not in reported:  # (the service saw them as missing)
                for message in messages:
                    row.add(name, message)
        return
    except (DataError, IntegrityError):  # a value the database refuses (a constraint the services do not know)
        row.add("", _("Die Zeile lässt sich nicht speichern: ein Wert passt nicht in die Datenbank."))
        return
    if row.errors:  # saved without the unreadable cells: it counts as failed
        return
    report.created += 1
    kind.remember(row, keys, created)


def _audited(report: ImportReport, actor) -> ImportReport:
    record("import.run", actor=actor if getattr(actor, "id", None) is not None else None, object_type="import",
           summary=(f"{report.kind}: {report.rows} Zeilen, {report.created} neu, {report.skipped} übersprungen, "
                    f"{report.failed_rows} fehlerhaft" + (", Probelauf" if report.dry_run else "")
                    + ("" if report.ok else ", nichts geschrieben")),
           changes={"kind": report.kind, "rows": report.rows, "created": report.created,
                    "skipped": report.skipped, "failed_rows": report.failed_rows,
                    "file_problems": len(report.file_problems), "dry_run": report.dry_run,
                    "written": report.written})
    return report
