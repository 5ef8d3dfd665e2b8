#!/bin/sh
# Nightly backup of a housing installation: the database as a pg_dump custom-format archive, the row count of
# every table taken in the same snapshot as the dump (restore-check.sh compares a restore against them), and the
# shared file volume as an rsync snapshot (files unchanged since the previous backup are hard links to it, so
# each backup is complete on its own but only new files take space). Keeps the newest BACKUP_KEEP backups.
#
#   BACKUP_DIR            where the backups go (required; another disk or host than the database and the files)
#   BACKUP_DATABASE_URL   the database to dump (default: HOUSING_DATABASE_URL); a password belongs in ~/.pgpass
#   HOUSING_UPLOAD_DIR    the uploaded files (required; the volume every app host mounts)
#   HOUSING_DOCUMENT_DIR  built documents (copied when set; they can be built again and are kept a week)
#   BACKUP_KEEP           how many backups to keep (default 14)
#
# Layout: BACKUP_DIR/<YYYY-MM-DDTHHMMSS>/{housing.dump,rows.txt,uploads/,documents/}, and BACKUP_DIR/latest naming
# the newest complete one. A backup being written is BACKUP_DIR/.partial-<stamp> and is removed if this fails.
set -eu

fail() {
    echo "backup: $*" >&2
    exit 1
}

: "${BACKUP_DIR:?set BACKUP_DIR to the directory the backups go to}"
: "${HOUSING_UPLOAD_DIR:?set HOUSING_UPLOAD_DIR to the upload directory (as for the app)}"
url=${BACKUP_DATABASE_URL:-${HOUSING_DATABASE_URL:?set BACKUP_DATABASE_URL or HOUSING_DATABASE_URL}}
# libpq reads postgresql:// URLs, not SQLAlchemy's postgresql+psycopg:// form.
url=$(printf '%s' "$url" | sed -e 's/^postgres\(ql\)\{0,1\}+[a-z0-9]*:/postgresql:/')
case $url in
    postgres://* | postgresql://*) ;;
    *) fail "the database is no PostgreSQL URL (SQLite is not backed up by this script)" ;;
esac
keep=${BACKUP_KEEP:-14}
case $keep in
    '' | *[!0-9]* | 0) fail "BACKUP_KEEP must be a whole number of at least 1, not '$keep'" ;;
esac
for tool in pg_dump psql rsync; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
[ -d "$HOUSING_UPLOAD_DIR" ] || fail "HOUSING_UPLOAD_DIR $HOUSING_UPLOAD_DIR is no directory"
mkdir -p "$BACKUP_DIR"

stamp=$(date +%Y-%m-%dT%H%M%S)
work="$BACKUP_DIR/.partial-$stamp"
[ ! -e "$BACKUP_DIR/$stamp" ] || fail "$BACKUP_DIR/$stamp exists already"
previous=""
if [ -f "$BACKUP_DIR/latest" ]; then
    previous=$(cat "$BACKUP_DIR/latest")
    [ -d "$BACKUP_DIR/$previous" ] || previous=""
fi
mkdir "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# 1. The database. psql holds a read-only transaction open and exports its snapshot; pg_dump dumps exactly that
# snapshot and the counts are taken in it, so rows.txt describes the dump row for row. (psql's \! reports no exit
# status, hence the marker file.)
echo "backup: dumping the database to $BACKUP_DIR/$stamp/housing.dump"
DUMP_URL=$url DUMP_FILE="$work/housing.dump" DUMP_OK="$work/.dump-ok" \
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -o "$work/rows.txt" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\setenv DUMP_SNAPSHOT :snapshot
\! pg_dump --format=custom --snapshot="$DUMP_SNAPSHOT" --file="$DUMP_FILE" --dbname="$DUMP_URL" && touch "$DUMP_OK"
SELECT format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename)
  FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
COMMIT;
SQL
[ -f "$work/.dump-ok" ] || fail "pg_dump failed (see above)"
rm "$work/.dump-ok"
[ -s "$work/rows.txt" ] || fail "the database has no tables"

# 2. The files, after the dump: every file the dump names was written before its row was committed, so it is in
# the copy (files added meanwhile are copied too and do no harm).
copy_files() { # source directory, name in the backup
    link=""
    if [ -n "$previous" ] && [ -d "$BACKUP_DIR/$previous/$2" ]; then
        link="--link-dest=$BACKUP_DIR/$previous/$2"
    fi
    echo "backup: copying $1 to $BACKUP_DIR/$stamp/$2${link:+ (unchanged files linked to $previous)}"
    # shellcheck disable=SC2086  # $link is one option or nothing
    rsync -a --delete $link "$1/" "$work/$2/" || fail "copying $1 failed"
}
copy_files "$HOUSING_UPLOAD_DIR" uploads
if [ -n "${HOUSING_DOCUMENT_DIR:-}" ] && [ -d "$HOUSING_DOCUMENT_DIR" ]; then
    copy_files "$HOUSING_DOCUMENT_DIR" documents
fi

# 3. Complete: name it, point latest at it, drop the oldest beyond BACKUP_KEEP.
mv "$work" "$BACKUP_DIR/$stamp"
trap - EXIT
printf '%s\n' "$stamp" >"$BACKUP_DIR/.latest.new"
mv -f "$BACKUP_DIR/.latest.new" "$BACKUP_DIR/latest"

count=$(find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9][0-9][0-9]-*' | wc -l)
if [ "$count" -gt "$keep" ]; then
    find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9][0-9][0-9]-*' | sort |
        head -n "$((count - keep))" | while IFS= read -r old; do
            echo "backup: removing the old backup $old"
            rm -rf "$old"
        done
fi
tables=$(wc -l <"$BACKUP_DIR/$stamp/rows.txt")
size=$(du -sh "$BACKUP_DIR/$stamp/housing.dump" | cut -f1)
echo "backup: done, $BACKUP_DIR/$stamp ($tables tables, dump $size); backups kept: $((count > keep ? keep : count))"
