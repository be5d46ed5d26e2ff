import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="liwei", full_name="李伟", email="liwei@bureau.example.cn", role="editor")
