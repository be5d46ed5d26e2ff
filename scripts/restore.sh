#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and storage.
#
#   createdb -h host -U user crm_restored
#   DATABASE_URL=postgres://user:pass@host:5432/crm_restored scripts/restore.sh /backups/crm-20261127T020000Z --yes
#
# Checks the backup's SHA256SUMS, loads db.dump with pg_restore, then puts every file back into
# the configured storage (STORAGE_URL, AWS_*, or the local MEDIA_ROOT under VAR_DIR). Refuses a
# database that already holds the CRM's tables, and runs only with --yes.
set -euo pipefail

backup="${1:-}"
if [[ -z "$backup" || "${2:-}" != "--yes" ]]; then
    echo "usage: DATABASE_URL=postgres://... $0 BACKUP_FOLDER --yes   (restores into an empty database)" >&2
    exit 2
fi
if [[ -z "${DATABASE_URL:-}" || ! "$DATABASE_URL" =~ ^(postgres|postgresql|pgsql|psql):// ]]; then
    echo "DATABASE_URL must name the empty PostgreSQL database to restore into (postgres://...)" >&2
    exit 2
fi
for part in db.dump files.tar.gz SHA256SUMS; do
    [[ -f "$backup/$part" ]] || { echo "$backup/$part is missing: not a backup made by backup.sh" >&2; exit 1; }
done
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "the backup is damaged (SHA256SUMS)" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
[[ -x "$python" ]] || python="$(command -v python3)"
pg_url="postgresql://${DATABASE_URL#*://}"

tables="$(psql --dbname="$pg_url" -tAc "select count(*) from information_schema.tables where table_name = 'django_migrations'")"
if [[ "$tables" != "0" ]]; then
    echo "the database already holds a CRM (django_migrations exists): restore into an empty one" >&2
    exit 1
fi

pg_restore --no-owner --no-acl --exit-on-error --dbname="$pg_url" "$backup/db.dump"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$backup/files.tar.gz"
(cd "$here" && "$python" -m crm.storage import "$work") >&2
echo "restored $backup"
