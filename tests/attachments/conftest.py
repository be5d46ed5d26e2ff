import pytest

from tests.admin.conftest import (  # noqa: F401  (the admin's signed-in clients, for test_admin.py)
    admin_editor,
    admin_manager,
    admin_viewer,
    editor_client,
    manager_client,
    viewer_client,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Every test stores its files in a folder of its own."""
    folder = tmp_path / "media"
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    return folder
