"""Signed-in admin clients for each role, and a helper that fills a change form as a browser would."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "pass-for-tests-123"


def staff(role: str | None, username: str | None = None, **fields):
    """A member of staff in ``role`` (a group of crm/roles.py) who may enter the admin."""
    return UserFactory(username=username or f"{role or 'nobody'}-staff", role=role, is_staff=True, **fields)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_manager(db):
    return staff("manager", full_name="王经理")


@pytest.fixture
def admin_editor(db):
    return staff("editor", full_name="李编辑")


@pytest.fixture
def admin_viewer(db):
    return staff("viewer", full_name="张查看")


@pytest.fixture
def manager_client(admin_manager):
    return signed_in(admin_manager)


@pytest.fixture
def editor_client(admin_editor):
    return signed_in(admin_editor)


@pytest.fixture
def viewer_client(admin_viewer):
    return signed_in(admin_viewer)


def _value(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, dt.datetime | dt.date | dt.time | Decimal | int):
        return str(value)
    return value


def _add_form(data: dict, form) -> None:
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            parts = field.widget.decompress(value) if not isinstance(value, list) else value
            for index, part in enumerate(parts):
                if part is not None:
                    data[f"{key}_{index}"] = _value(part)
            continue
        if value is None or value == []:
            continue
        if isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
            continue
        value = _value(value)
        if value is not None:
            data[key] = value


def form_data(response, **changes) -> dict:
    """The POST a browser sends when saving the form of ``response`` unchanged, plus ``changes``."""
    data = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _add_form(data, form)
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
