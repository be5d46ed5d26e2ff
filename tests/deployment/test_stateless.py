"""Nothing a second machine needs stays on the first: sessions and cache are shared services.

Each check writes through one process and reads through another that has its own, empty ``VAR_DIR``
(a different machine, as far as the application can tell).
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.reminders.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]


def other_machine(script: str, tmp_path, **env) -> str:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(tmp_path / "other-machine"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_a_session_signed_in_on_one_machine_is_known_on_another(tmp_path):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    user = UserFactory(role="viewer", is_staff=True)
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    script = (
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        f"print(import_module(settings.SESSION_ENGINE).SessionStore({key!r}).get('_auth_user_id'))"
    )
    assert other_machine(script, tmp_path) == str(user.pk)


@pytest.mark.redis
def test_with_cache_url_set_two_processes_share_one_cache(redis_url, tmp_path):
    marker = uuid.uuid4().hex
    write = f"from django.core.cache import cache\ncache.set('shared-{marker}', '{marker}', 60)\nprint('ok')"
    read = f"from django.core.cache import cache\nprint(cache.get('shared-{marker}'))"
    backend = "from django.conf import settings\nprint(settings.CACHES['default']['BACKEND'])"
    assert other_machine(backend, tmp_path, CACHE_URL=redis_url).endswith("RedisCache")
    assert other_machine(write, tmp_path, CACHE_URL=redis_url) == "ok"
    assert other_machine(read, tmp_path / "third", CACHE_URL=redis_url) == marker
