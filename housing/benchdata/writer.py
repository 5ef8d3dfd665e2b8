"""Rows straight through the database driver, for millions of rows in minutes instead of hours.

PostgreSQL gets ``COPY … FROM STDIN``, SQLite ``executemany``. Every value first goes through its column's own
bind processing (the same the ORM applies: enums, UTC timestamps, JSON, the priority rank), so what is stored is
exactly what the application would have stored.
"""

from collections import Counter
from itertools import islice

from sqlalchemy import Connection, Table, func, select, text

BATCH = 20_000


class Writer:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.dialect = connection.dialect
        self.counts: Counter[str] = Counter()

    def next_id(self, table: Table) -> int:
        return (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def write(self, table: Table, columns: tuple[str, ...], rows) -> int:
        """Write ``rows`` (tuples in the order of ``columns``), streamed in batches; returns how many.
        Columns not named get their Python-side default, as with the ORM."""
        defaults = {column.name: column.default.arg(None) if column.default.is_callable else column.default.arg
                    for column in table.columns if column.name not in columns and column.default is not None
                    and (column.default.is_scalar or column.default.is_callable)}
        columns = tuple(columns) + tuple(defaults)
        extra = tuple(defaults.values())
        processors = [table.c[name].type._cached_bind_processor(self.dialect) for name in columns]
        bound = (tuple(value if process is None or value is None else process(value)
                       for process, value in zip(processors, row + extra, strict=True)) for row in rows)
        driver = self.connection.connection.driver_connection
        written = 0
        if self.dialect.name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in bound:
                    copy.write_row(row)
                    written += 1
        else:
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (model names)
            cursor = driver.cursor()
            while batch := list(islice(bound, BATCH)):
                cursor.executemany(statement, batch)
                written += len(batch)
            cursor.close()
        self.counts[table.name] += written
        return written

    def finish(self, tables) -> None:
        """Move PostgreSQL's id sequences past the ids written here; refresh SQLite's planner statistics
        (PostgreSQL's come from the VACUUM ANALYZE after the commit, see bench_data_command)."""
        if self.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.primary_key:
                    following = f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name})"  # noqa: S608 (model names)
                    self.connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {following}, false)"))
        else:
            self.connection.execute(text("ANALYZE"))
