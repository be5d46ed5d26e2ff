import pytest
from django.core.cache import cache

from tests.conftest import client_for


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """Users are made in almost every test; the production hasher would take most of the run.

    And every test client builds its own middleware: WhiteNoise would scan all static files
    each time (``WHITENOISE_USE_FINDERS`` follows ``DEBUG`` at import), so it looks them up lazily.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The token endpoint's throttle counts in the cache; every test starts with a clean slate."""
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
