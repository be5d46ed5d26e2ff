import pytest
from django.core.cache import cache

from tests.conftest import client_for


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """The production password hasher and WhiteNoise's static-file scan would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fresh_throttles_and_lockouts():
    """Throttle counters and lockouts live in the cache or the database: every test starts clean."""
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
