"""scripts/backup.sh and scripts/restore.sh, for real: PostgreSQL database and files, lost and brought back.

Once with the files in a local folder, once in an S3 bucket (moto's S3 server, as in
tests/attachments/test_storage_s3.py). Runs on the machine's PostgreSQL whatever database the rest
of the suite uses (``BACKUP_TEST_PG``, else ``DATABASE_URL`` when it is PostgreSQL, else
postgres@127.0.0.1:5432): it makes two databases of its own, one to back up and one to restore
into, and drops both at the end.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.attachments import files
from tests.attachments.test_storage_s3 import KEYS, s3_endpoint  # noqa: F401  (the S3 test server)

ROOT = Path(__file__).resolve().parents[2]

MAKE_DATA = """
import django, json; django.setup()
from django.core.files.base import ContentFile
from crm.attachments import attachment_create
from crm.models import Company, User
user = User.objects.create(username="backup.tester", full_name="备份测试")
company = Company.objects.create(name="瑞声科技", short_name="瑞声")
content = ContentFile(bytes.fromhex({pdf!r}), name="合作协议（签字版）.pdf")
attachment = attachment_create(target=company, upload=content, user=user, title="签约文本")
print(json.dumps({{"company": company.pk, "attachment": attachment.pk, "key": attachment.file.name}}))
"""

READ_BACK = """
import django, hashlib, json; django.setup()
from crm.models import Attachment, Company
attachment = Attachment.objects.get()
with attachment.file.open("rb") as handle:
    digest = hashlib.sha256(handle.read()).hexdigest()
print(json.dumps({"company": Company.objects.get().name, "name": attachment.name, "key": attachment.file.name,
                  "uploaded_by": attachment.uploaded_by.full_name, "sha256": digest, "stored_sha256": attachment.sha256}))
"""


def admin_url() -> str:
    url = os.environ.get("BACKUP_TEST_PG") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))


def url_of(database: str) -> str:
    parts = urlsplit(admin_url())
    return urlunsplit(("postgres", parts.netloc, f"/{database}", "", ""))


@pytest.fixture
def databases():
    """Two empty PostgreSQL databases of this test's own, dropped afterwards."""
    names = [f"crm_backup_{role}_{uuid.uuid4().hex[:8]}" for role in ("source", "restored")]
    try:
        admin = psycopg.connect(admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"this test needs PostgreSQL (set BACKUP_TEST_PG to a superuser URL): {exc}")
    with admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield names
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command, env, **kwargs):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def machine(database: str, var_dir: Path) -> dict:
    """The environment of one machine: its database and its own var/ folder (uploads under it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_URL", "MEDIA_ROOT"))}
    return {**env, "DATABASE_URL": url_of(database), "VAR_DIR": str(var_dir), "PYTHON": sys.executable}


def bucket(request, name: str) -> dict:
    """A new, empty bucket on the S3 test server, as the environment that names it."""
    endpoint, client = request.getfixturevalue("s3_endpoint")
    client.create_bucket(Bucket=name)
    return {"STORAGE_URL": f"s3://{name}?endpoint_url={endpoint}&region=us-east-1&addressing_style=path", **KEYS}


def objects_in(request, name: str) -> dict[str, bytes]:
    _endpoint, client = request.getfixturevalue("s3_endpoint")
    listing = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listing}


@pytest.mark.slow
@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_a_backup_restored_into_a_fresh_database_and_storage_brings_back_the_data_and_the_file(
    databases, tmp_path, request, where
):
    source_db, restored_db = databases
    suffix = uuid.uuid4().hex[:8]
    source = machine(source_db, tmp_path / "source-var")
    restored = machine(restored_db, tmp_path / "new-var")
    if where == "bucket":
        source.update(bucket(request, f"crm-source-{suffix}"))
        restored.update(bucket(request, f"crm-restored-{suffix}"))
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], source)
    made = json.loads(run([sys.executable, "-c", MAKE_DATA.format(pdf=files.pdf().hex())], source).splitlines()[-1])
    if where == "folder":
        assert (tmp_path / "source-var" / "media" / made["key"]).read_bytes() == files.pdf()
    else:
        assert objects_in(request, f"crm-source-{suffix}") == {made["key"]: files.pdf()}

    backup = Path(run(["bash", "scripts/backup.sh", str(tmp_path / "backups")], source).strip().splitlines()[-1])
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "db.dump", "files.tar.gz"]

    # The machine is lost: its files are gone and its database with them.
    shutil.rmtree(tmp_path / "source-var", ignore_errors=True)
    if where == "bucket":
        request.getfixturevalue("s3_endpoint")[1].delete_object(Bucket=f"crm-source-{suffix}", Key=made["key"])
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{source_db}" WITH (FORCE)')

    run(["bash", "scripts/restore.sh", str(backup), "--yes"], restored)
    if where == "bucket":
        assert objects_in(request, f"crm-restored-{suffix}") == {made["key"]: files.pdf()}
        assert not (tmp_path / "new-var" / "media").exists()
    back = json.loads(run([sys.executable, "-c", READ_BACK], restored).splitlines()[-1])
    assert back == {
        "company": "瑞声科技",
        "name": "合作协议（签字版）.pdf",
        "key": made["key"],
        "uploaded_by": "备份测试",
        "sha256": hashlib.sha256(files.pdf()).hexdigest(),
        "stored_sha256": hashlib.sha256(files.pdf()).hexdigest(),
    }
    # The restored database is whole: Django finds every migration applied.
    plan = run([sys.executable, "manage.py", "migrate", "--plan"], restored)
    assert "No planned migration operations." in plan

    # A second restore into the now populated database is refused, and changes nothing.
    again = subprocess.run(
        ["bash", "scripts/restore.sh", str(backup), "--yes"], cwd=ROOT, env=restored, capture_output=True, text=True
    )
    assert again.returncode == 1
    assert "restore into an empty one" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    backup = tmp_path / "crm-x"
    backup.mkdir()
    for name in ("db.dump", "files.tar.gz"):
        (backup / name).write_bytes(b"original")
    subprocess.run(["sha256sum", "db.dump", "files.tar.gz"], cwd=backup, stdout=(backup / "SHA256SUMS").open("w"))
    (backup / "db.dump").write_bytes(b"tampered")
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        ["bash", "scripts/restore.sh", str(backup), "--yes"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "damaged" in result.stderr


def test_the_scripts_refuse_to_run_without_a_postgresql_database_or_confirmation(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:///x.sqlite3"}
    backup = subprocess.run(
        ["bash", "scripts/backup.sh", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert backup.returncode == 2 and "PostgreSQL" in backup.stderr
    restore = subprocess.run(
        ["bash", "scripts/restore.sh", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert restore.returncode == 2 and "--yes" in restore.stderr
