import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


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
