"""The token lookup of every API request: one statement written out once (crm/api/authentication.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from crm.api.authentication import token_with_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_user_comes_whole_with_its_roles_and_typed_values():
    user = UserFactory(role="editor")
    user.groups.add(*user.groups.model.objects.filter(name="viewer"))
    token = Token.objects.create(user=user)
    with CaptureQueriesContext(connection) as queries:
        found = token_with_user(token.key)
        assert found.user.roles == frozenset({"editor", "viewer"})
        assert found.user.is_active is True and found.user.is_superuser is False
        assert isinstance(found.user.date_joined, dt.datetime) and found.user.date_joined.tzinfo is not None
        assert (found.key, found.user_id, found.user.pk, found.user.username) == (
            token.key, user.pk, user.pk, user.username
        )  # fmt: skip
    assert len(queries) == 1
    assert found.created == token.created  # not read by requests: loaded when asked


def test_a_superuser_holds_every_role_and_an_unknown_key_finds_nothing():
    token = Token.objects.create(user=UserFactory(is_superuser=True))
    assert token_with_user(token.key).user.roles == frozenset({"viewer", "editor", "manager"})
    assert token_with_user("0" * 40) is None
    assert token_with_user(token.key[:-1] + "'") is None  # a parameter, never SQL


def test_each_request_reads_the_current_state(api, manager):
    """Nothing is cached between requests: a deactivated user or a deleted token is refused at once."""
    assert api.get("/api/v1/auth/me/").status_code == 200
    manager.is_active = False
    manager.save()
    assert api.get("/api/v1/auth/me/").status_code == 401
    manager.is_active = True
    manager.save()
    assert api.get("/api/v1/auth/me/").status_code == 200
    Token.objects.filter(user=manager).delete()
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_the_roles_are_those_with_roles_gives_every_user():
    """The statement's role columns and ``crm.auth.with_roles`` say the same of every kind of user."""
    from crm.auth import attach_roles, with_roles
    from crm.models import User

    users = [
        UserFactory(),
        UserFactory(is_superuser=True),
        UserFactory(is_active=False, role="manager"),
        *(UserFactory(role=role) for role in ("viewer", "editor", "manager")),
    ]
    users[3].groups.add(*users[3].groups.model.objects.filter(name__in=["editor", "manager"]))
    users[0].groups.create(name="不是角色")  # a group that is no role
    for user in users:
        token = Token.objects.create(user=user)
        expected = attach_roles(user, with_roles(User.objects.filter(pk=user.pk)).get()).roles
        assert token_with_user(token.key).user.roles == expected, user
