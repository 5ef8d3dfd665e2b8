"""``flask --app housing import KIND FILE [--dry-run] [--as EMAIL]``."""

import sys

import click

from ..extensions import db
from .kinds import KINDS
from .services import CommandLineActor, ImportReport, run_import


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check every row and report, but write nothing.")
@click.option("--as", "as_email", metavar="EMAIL",
              help="Import as this administrator (for the audit log); default: the command line.")
def import_command(kind, file, dry_run, as_email):
    """Import a list of KIND from FILE (CSV or XLSX): every row or none.

    Columns are the API's field names or their German headers (docs/import.md). Rows already in the
    database (same natural key) are skipped. Exit code 1 if any row or the file has a problem.
    """
    from ..auth.models import User
    from ..auth.roles import Role

    actor = CommandLineActor()
    if as_email:
        actor = User.by_email(as_email)
        if actor is None or not actor.is_active or not actor.has_role(Role.ADMIN):
            raise click.ClickException(f"No active administrator with e-mail {as_email}.")
    data = file.read()
    report = run_import(kind, data, actor=actor, dry_run=dry_run)
    db.session.commit()  # the audit entry of the run; the rows only if the report is clean
    click.echo(format_report(report, getattr(file, "name", "-")))
    sys.exit(0 if report.ok else 1)


def format_report(report: ImportReport, name: str) -> str:
    source = {"csv": f"CSV, {report.encoding}, separator {report.separator!r}", "xlsx": "XLSX"}.get(report.format, "")
    lines = [f"Import {report.kind} from {name}" + (f" ({source})" if source else "")
             + (" – dry run" if report.dry_run else "") + ":",
             f"  {report.rows} rows, {report.created} {'new' if report.written else 'would be new'}, "
             f"{report.skipped} skipped (already there), {report.failed_rows} with problems."]
    if report.ignored_columns:
        lines.append("  Ignored columns (unknown): " + ", ".join(report.ignored_columns))
    if report.problems:
        width = max(len("column"), *(len(problem.column) for problem in report.problems))
        lines.append("")
        lines.append(f"  {'row':>5}  {'column':<{width}}  message")
        for problem in report.problems:
            row = "file" if problem.row is None else str(problem.row)
            lines.append(f"  {row:>5}  {problem.column:<{width}}  {problem.message}")
        lines.append("")
        lines.append("Nothing was written (all or nothing): correct the rows above and import the file again.")
    elif report.dry_run:
        lines.append("Dry run: nothing was written. Without --dry-run the file would be imported as above.")
    else:
        lines.append("Saved.")
    return "\n".join(lines)
