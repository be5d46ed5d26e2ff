import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

# Hashing test passwords with the production hasher costs a third of a second per user.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    """An API client that authenticates with the user's token, as a frontend does."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role="manager")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role="editor")


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", role="viewer")


@pytest.fixture
def nobody(db):
    """Signed in, but in none of the three roles."""
    return UserFactory(username="nobody")


@pytest.fixture
def api(manager):
    return client_for(manager)


@pytest.fixture
def editor_api(editor):
    return client_for(editor)


@pytest.fixture
def viewer_api(viewer):
    return client_for(viewer)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture(scope="session")
def redis_url():
    import os

    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.fail(
            "These tests need a real Redis: install redis-server (apt-get install redis-server), "
            "start one on 127.0.0.1:6379, or set TEST_REDIS_URL."
        )
    return url


@pytest.fixture(scope="session")
def celery_worker(redis_url, django_db_setup, django_db_blocker):
    """A real Celery worker (threads, in this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.conf.broker_url == redis_url, "the bootstrap must point Celery at the test Redis"
    app.loader.import_module("celery.contrib.testing.tasks")
    with django_db_blocker.unblock():
        app.control.purge()
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's email goes to it over SMTP (not locmem) for this test."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: every test starts with a clean slate."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def nobody_api(nobody):
    return client_for(nobody)


@pytest.fixture
def client_as(request):
    """The API client of a role: ``manager``, ``editor``, ``viewer``, ``nobody`` or ``anonymous``."""
    fixture_names = {
        "manager": "api",
        "editor": "editor_api",
        "viewer": "viewer_api",
        "nobody": "nobody_api",
        "anonymous": "anon_api",
    }

    def get(role):
        return request.getfixturevalue(fixture_names[role])

    return get
