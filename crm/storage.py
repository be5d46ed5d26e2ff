"""Where uploaded files live: read from the environment by ``config/settings.py``.

Nothing here imports Django models: settings call it before the apps are loaded.

- no variable: a folder on this machine (``MEDIA_ROOT``, under ``var/``), for one machine only;
- ``STORAGE_URL=s3://bucket?endpoint_url=https://...&region=...&location=prefix`` (credentials in
  the URL's user part or in ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``), or the usual
  ``AWS_STORAGE_BUCKET_NAME`` / ``AWS_S3_ENDPOINT_URL`` / ``AWS_S3_REGION_NAME`` variables: any
  S3-compatible store, shared by every web and worker machine;
- ``STORAGE_URL=file:///srv/crm/media``: a folder (for a shared NFS mount, say).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_BACKEND = "django.core.files.storage.FileSystemStorage"

# Query parameters of an s3:// URL and the S3Storage option each sets.
_S3_QUERY_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "region_name": "region_name",
    "location": "location",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
    "access_key": "access_key",
    "secret_key": "secret_key",
}


class StorageURLError(ValueError):
    """A STORAGE_URL that cannot be understood; the message says what to write instead."""


def _s3_defaults() -> dict:
    # Files are streamed by the application after its own permission check: no public ACL, no
    # pre-signed links handed out, and a second upload never silently replaces a key.
    return {"default_acl": None, "file_overwrite": False, "querystring_auth": True, "signature_version": "s3v4"}


def storage_from_url(url: str, env: Mapping[str, str]) -> dict:
    """The ``STORAGES["default"]`` entry a STORAGE_URL names."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise StorageURLError("STORAGE_URL file:// needs an absolute folder, e.g. file:///srv/crm/media")
        return {"BACKEND": FILE_BACKEND, "OPTIONS": {"location": unquote(parts.path)}}
    if parts.scheme != "s3":
        raise StorageURLError(
            f"STORAGE_URL must start with s3:// or file://, not {parts.scheme or '(nothing)'}://; "
            "e.g. s3://crm-files?endpoint_url=https://s3.example.com&region=cn-east-1"
        )
    if not parts.hostname:
        raise StorageURLError("STORAGE_URL s3:// needs a bucket name: s3://BUCKET?endpoint_url=...")
    options = {**_s3_defaults(), "bucket_name": parts.hostname}
    options["access_key"] = unquote(parts.username) if parts.username else env.get("AWS_ACCESS_KEY_ID")
    options["secret_key"] = unquote(parts.password) if parts.password else env.get("AWS_SECRET_ACCESS_KEY")
    for key, values in parse_qs(parts.query, keep_blank_values=False).items():
        if key not in _S3_QUERY_OPTIONS:
            raise StorageURLError(
                f"STORAGE_URL: unknown parameter {key!r}; known: {', '.join(sorted(_S3_QUERY_OPTIONS))}"
            )
        options[_S3_QUERY_OPTIONS[key]] = values[-1]
    if parts.path.strip("/") and "location" not in options:
        options["location"] = parts.path.strip("/")
    return {"BACKEND": S3_BACKEND, "OPTIONS": {k: v for k, v in options.items() if v is not None or k == "default_acl"}}


def default_storage_from_env(env: Mapping[str, str], media_root: str) -> dict:
    """``STORAGES["default"]``: STORAGE_URL, else the AWS_* variables, else a folder on this machine."""
    url = env.get("STORAGE_URL", "").strip()
    if url:
        return storage_from_url(url, env)
    bucket = env.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if bucket:
        options = {**_s3_defaults(), "bucket_name": bucket}
        for variable, option in (
            ("AWS_S3_ENDPOINT_URL", "endpoint_url"),
            ("AWS_S3_REGION_NAME", "region_name"),
            ("AWS_ACCESS_KEY_ID", "access_key"),
            ("AWS_SECRET_ACCESS_KEY", "secret_key"),
            ("AWS_LOCATION", "location"),
            ("AWS_S3_ADDRESSING_STYLE", "addressing_style"),
        ):
            if env.get(variable):
                options[option] = env[variable]
        return {"BACKEND": S3_BACKEND, "OPTIONS": options}
    return {"BACKEND": FILE_BACKEND, "OPTIONS": {"location": media_root}}


# Backups (scripts/backup.sh and scripts/restore.sh) -------------------------------------------


def _walk(storage, folder: str = ""):
    """Every file key under ``folder`` of a Django storage, whatever its backend."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:  # a local storage folder that nothing was ever uploaded to
        return
    for name in names:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def export_files(target: str) -> int:
    """Copy every stored file to the folder ``target`` (keys become paths); returns the count."""
    from pathlib import Path

    from django.core.files.storage import storages

    storage = storages["default"]
    count = 0
    for key in _walk(storage):
        path = Path(target, *key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(key, "rb") as source, path.open("wb") as copy:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                copy.write(chunk)
        count += 1
    return count


def import_files(source: str) -> int:
    """Put every file of the folder ``source`` back in the storage under its key; returns the count."""
    from pathlib import Path

    from django.core.files import File
    from django.core.files.storage import storages

    storage = storages["default"]
    count = 0
    root = Path(source)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        if storage.exists(key):
            storage.delete(key)  # the backup is the truth: a restore replaces what is there
        with path.open("rb") as handle:
            saved = storage.save(key, File(handle, name=key))
        if saved != key:
            raise RuntimeError(f"the storage renamed {key} to {saved}; restore into an empty storage")
        count += 1
    return count


def main(argv: list[str]) -> int:
    """``python -m crm.storage export|import FOLDER``: the files half of a backup."""
    import os

    if len(argv) != 2 or argv[0] not in ("export", "import"):
        print("usage: python -m crm.storage export|import FOLDER")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    count = export_files(argv[1]) if argv[0] == "export" else import_files(argv[1])
    print(f"{argv[0]}: {count} files")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
