#!/bin/sh
# Proves that the newest backup (of backup.sh) can be restored: loads its dump into a scratch database and checks
#
#   - pg_restore loads everything (one transaction, stopping at the first error);
#   - every table holds exactly the rows the live database held when the dump was taken (rows.txt);
#   - there are users, and the schema is the code's: `flask db current` names the head revision;
#   - every uploaded file the restored database names (and its thumbnail) is in the backup's file copy, with
#     the size the database records.
#
#   BACKUP_DIR                  where backup.sh writes (required)
#   RESTORE_CHECK_DATABASE_URL  the scratch database (required): emptied and filled on each run. Create it once,
#                               owned by the role that runs this (createdb -O housing housing_restore_check). The
#                               script refuses a database that holds tables it did not restore itself.
#   RESTORE_CHECK_BACKUP        the backup to check (default: the newest, as BACKUP_DIR/latest names it)
#   FLASK                       the flask command of the installed app (default: flask; e.g. .venv/bin/flask)
#   HOUSING_DATABASE_URL        the live database, if set: the scratch database must not be it
#
# Run from anywhere; flask runs in the app directory this script's deploy/ folder belongs to, with the
# environment of the app (HOUSING_* as in /etc/housing/env) and HOUSING_DATABASE_URL pointing at the scratch copy.
set -eu

fail() {
    echo "restore-check: FAILED: $*" >&2
    exit 1
}

libpq_url() { # SQLAlchemy's postgresql+psycopg:// as libpq's postgresql://
    printf '%s' "$1" | sed -e 's/^postgres\(ql\)\{0,1\}+[a-z0-9]*:/postgresql:/'
}

: "${BACKUP_DIR:?set BACKUP_DIR to the directory backup.sh writes to}"
: "${RESTORE_CHECK_DATABASE_URL:?set RESTORE_CHECK_DATABASE_URL to a scratch database this check may empty}"
scratch=$(libpq_url "$RESTORE_CHECK_DATABASE_URL")
if [ -n "${HOUSING_DATABASE_URL:-}" ] && [ "$(libpq_url "$HOUSING_DATABASE_URL")" = "$scratch" ]; then
    fail "RESTORE_CHECK_DATABASE_URL is the live database (HOUSING_DATABASE_URL)"
fi
for tool in pg_restore psql find sort comm; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
flask=${FLASK:-flask}
app_dir=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${RESTORE_CHECK_BACKUP:-}" ]; then
    backup=$RESTORE_CHECK_BACKUP
else
    [ -f "$BACKUP_DIR/latest" ] || fail "no backup in $BACKUP_DIR ($BACKUP_DIR/latest is missing)"
    backup="$BACKUP_DIR/$(cat "$BACKUP_DIR/latest")"
fi
for part in housing.dump rows.txt uploads; do
    [ -e "$backup/$part" ] || fail "$backup/$part is missing: no complete backup"
done
echo "restore-check: checking the backup $backup"

sql() { # one statement on the scratch database; rows as a|b lines
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$scratch" -c "$1"
}

# 1. Empty the scratch database, but only one this script filled before (its comment says so) or an empty one.
MARK="housing restore check: a scratch copy, emptied on every run"
mark=$(sql "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database
            WHERE datname = current_database()") || fail "cannot connect to the scratch database"
tables=$(sql "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" -gt 0 ] && [ "$mark" != "$MARK" ]; then
    fail "the scratch database holds $tables tables and was not filled by this script; refusing to empty it"
fi
sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;" >/dev/null

# 2. Restore.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
pg_restore --exit-on-error --single-transaction --no-owner --no-acl --dbname="$scratch" "$backup/housing.dump" ||
    fail "pg_restore could not load $backup/housing.dump"
sql "DO \$\$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), '$MARK'); END \$\$;" >/dev/null

# 3. Row counts: the restored tables against the counts taken with the dump.
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$scratch" -o "$work/rows.txt" <<'SQL'
SELECT format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename)
  FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
SQL
if ! diff "$backup/rows.txt" "$work/rows.txt" >"$work/rows.diff"; then
    cat "$work/rows.diff" >&2
    fail "the restored row counts differ from the dump's (< at the backup, > restored)"
fi
users=$(sed -n 's/^users|//p' "$work/rows.txt")
[ "${users:-0}" -gt 0 ] || fail "the restored database has no users"
rows=$(awk -F'|' '{ total += $2 } END { print total + 0 }' "$work/rows.txt")
echo "restore-check: $(wc -l <"$work/rows.txt") tables, $rows rows, as at the backup; $users users"

# 4. The schema is the one the code expects.
current=$(cd "$app_dir" && HOUSING_DATABASE_URL=$RESTORE_CHECK_DATABASE_URL $flask --app housing db current 2>"$work/flask.log") ||
    { cat "$work/flask.log" >&2; fail "flask db current failed"; }
case $current in
    *"(head)"*) echo "restore-check: schema at the code's head revision: $current" ;;
    *) fail "the restored schema is at revision '${current:-none}', not the code's head ($flask --app housing db heads)" ;;
esac

# 5. Every stored file the restored database names is in the backup's copy, with its recorded size.
sql "SELECT 'files/' || left(stored_name, 2) || '/' || stored_name || ' ' || size_bytes FROM attachments
     UNION ALL
     SELECT 'thumbnails/' || left(stored_name, 2) || '/' || stored_name FROM attachments WHERE has_thumbnail" |
    sort >"$work/named.txt"
(cd "$backup/uploads" && find files -type f -printf '%p %s\n' 2>/dev/null; find thumbnails -type f -printf '%p\n' 2>/dev/null) |
    sort >"$work/present.txt"
comm -23 "$work/named.txt" "$work/present.txt" >"$work/missing.txt"
if [ -s "$work/missing.txt" ]; then
    head -n 20 "$work/missing.txt" >&2
    fail "$(wc -l <"$work/missing.txt") files the database names are missing from $backup/uploads or differ in size"
fi
echo "restore-check: all $(wc -l <"$work/named.txt") stored files and thumbnails the database names are in the backup"
echo "restore-check: passed"
