#!/usr/bin/env bash
# Back up the CRM: the PostgreSQL database (pg_dump custom format) and every uploaded file.
#
#   DATABASE_URL=postgres://user:pass@host:5432/crm scripts/backup.sh /backups
#
# Writes /backups/crm-YYYYmmddTHHMMSSZ/ with db.dump, files.tar.gz and SHA256SUMS, and prints
# that folder's path. The files come from the configured storage (STORAGE_URL, AWS_*, or the
# local MEDIA_ROOT under VAR_DIR), read through the application's own storage settings, so the
# same script backs up a single machine and an S3 bucket. The database is dumped first: files
# are written before their rows and never deleted, so every file the dump names is in the copy.
set -euo pipefail

dest_root="${1:-}"
if [[ -z "$dest_root" ]]; then
    echo "usage: DATABASE_URL=postgres://... $0 BACKUP_FOLDER" >&2
    exit 2
fi
if [[ -z "${DATABASE_URL:-}" || ! "$DATABASE_URL" =~ ^(postgres|postgresql|pgsql|psql):// ]]; then
    echo "DATABASE_URL must name the PostgreSQL database to back up (postgres://...)" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
[[ -x "$python" ]] || python="$(command -v python3)"
# libpq knows postgres:// and postgresql:// only; django-environ also takes psql:// and pgsql://.
pg_url="postgresql://${DATABASE_URL#*://}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dest="$dest_root/crm-$stamp"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pg_dump --format=custom --no-owner --no-acl --dbname="$pg_url" --file="$dest/db.dump"

mkdir -p "$work/files"
(cd "$here" && "$python" -m crm.storage export "$work/files") >&2
tar -C "$work/files" -czf "$dest/files.tar.gz" .

(cd "$dest" && sha256sum db.dump files.tar.gz > SHA256SUMS)
echo "$dest"
