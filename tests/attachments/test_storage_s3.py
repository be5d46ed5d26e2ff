"""Attachments in an S3-compatible store, shared by every machine: against a real S3 server.

The server is moto's, in server mode (``moto_server``, an HTTP server on loopback speaking the S3
protocol), started by this module as a subprocess; the application talks to it over HTTP through
django-storages and boto3 exactly as it would to any S3-compatible store.
"""

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Attachment
from crm.storage import StorageURLError, default_storage_from_env, storage_from_url
from tests.api.base import API, if_match
from tests.attachments import files
from tests.factories import CompanyFactory, ProjectFactory

BASE_DIR = Path(__file__).resolve().parents[2]
BUCKET = "crm-files"
KEYS = {"AWS_ACCESS_KEY_ID": "testing-key", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A real S3-compatible HTTP server on loopback, with an empty bucket."""
    binary = Path(sys.executable).parent / "moto_server"
    if not binary.exists():
        pytest.fail("moto_server is missing: pip install -r requirements-dev.txt (moto[server])")
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("moto_server did not start listening")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        process.terminate()
        process.wait(timeout=10)


def storage_url(endpoint: str) -> str:
    return f"s3://{BUCKET}?endpoint_url={endpoint}&region=us-east-1&addressing_style=path&location=media"


@pytest.fixture
def s3(settings, s3_endpoint, monkeypatch):
    """STORAGES["default"] as settings.py builds it from STORAGE_URL, pointed at the server."""
    endpoint, client = s3_endpoint
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    env = {"STORAGE_URL": storage_url(endpoint), **KEYS}
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env(env, "/nonexistent")}
    return client


def objects_in(client) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listing}


@pytest.mark.django_db
def test_an_upload_lands_in_the_bucket_and_downloads_from_it(s3, editor_api, api):
    assert type(storages["default"]).__name__ == "S3Storage"
    before = set(objects_in(s3))
    company = CompanyFactory()
    url = f"{API}companies/{company.pk}/attachments/"
    response = editor_api.post(url, {"file": SimpleUploadedFile("招商引资台账.xlsx", files.xlsx())}, format="multipart")
    assert response.status_code == 201, response.content
    created = response.json()
    stored = Attachment.objects.get(pk=created["id"])

    new = {key: body for key, body in objects_in(s3).items() if key not in before}
    assert list(new) == [f"media/{stored.file.name}"]
    assert next(iter(new.values())) == files.xlsx()

    download = editor_api.get(created["file"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.xlsx()
    assert "filename*=utf-8''" in download["Content-Disposition"]

    # Removing keeps the object (the audit list and the backups still name it).
    assert api.delete(f"{url}{created['id']}/", **if_match(1)).status_code == 204
    assert f"media/{stored.file.name}" in objects_in(s3)


@pytest.mark.django_db
def test_another_machine_with_only_the_environment_reads_the_same_file(s3, s3_endpoint, editor_api, tmp_path):
    """A second process, with its own empty var/ folder, finds the file through STORAGE_URL alone."""
    endpoint, _client = s3_endpoint
    project = ProjectFactory()
    created = editor_api.post(
        f"{API}projects/{project.pk}/attachments/",
        {"file": SimpleUploadedFile("可研报告.pdf", files.pdf())},
        format="multipart",
    ).json()
    key = Attachment.objects.get(pk=created["id"]).file.name
    script = (
        "import django, hashlib; django.setup();"
        "from django.core.files.storage import storages;"
        "s = storages['default'];"
        f"print(type(s).__name__, hashlib.sha256(s.open({key!r}).read()).hexdigest())"
    )
    env = {
        **os.environ,
        **KEYS,
        "STORAGE_URL": storage_url(endpoint),
        "VAR_DIR": str(tmp_path / "other-machine"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("MEDIA_ROOT", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2] == "S3Storage"
    assert result.stdout.split()[-1] == hashlib.sha256(files.pdf()).hexdigest() == created["sha256"]
    assert not (tmp_path / "other-machine" / "media").exists()


def test_storage_url_forms():
    s3 = storage_from_url("s3://key:se%2Fcret@bucket/prefix?endpoint_url=https://oss.example.cn&region=cn-east-1", {})
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (
        s3["OPTIONS"].items()
        >= {
            "bucket_name": "bucket",
            "endpoint_url": "https://oss.example.cn",
            "region_name": "cn-east-1",
            "location": "prefix",
            "access_key": "key",
            "secret_key": "se/cret",
            "file_overwrite": False,
            "default_acl": None,
        }.items()
    )
    from_env = storage_from_url("s3://bucket", KEYS)
    assert from_env["OPTIONS"]["access_key"] == "testing-key"
    assert storage_from_url("file:///srv/crm/media", {}) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/srv/crm/media"},
    }
    aws = default_storage_from_env(
        {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "http://minio:9000", **KEYS}, "/var/media"
    )
    assert aws["OPTIONS"]["bucket_name"] == "b" and aws["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert default_storage_from_env({}, "/var/media")["OPTIONS"] == {"location": "/var/media"}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://bucket", "s3:// or file://"),
        ("s3://", "bucket name"),
        ("s3://bucket?endpoint=https://x", "unknown parameter 'endpoint'"),
        ("file://", "absolute folder"),
    ],
)
def test_a_wrong_storage_url_stops_start_up_with_a_clear_message(url, says):
    with pytest.raises(StorageURLError, match=says):
        storage_from_url(url, {})


def test_settings_refuse_a_wrong_storage_url_at_start_up(tmp_path):
    env = {**os.environ, "STORAGE_URL": "ftp://bucket", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "STORAGE_URL must start with s3:// or file://" in result.stderr
