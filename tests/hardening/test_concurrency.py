"""No lost update and no duplicate, under real concurrency: real HTTP calls against a live server.

Each request runs in its own server thread with its own database connection. On PostgreSQL the
row lock of ``PreconditionMixin.get_locked_object`` (``SELECT ... FOR UPDATE``) serializes the
writers and 50 of them race; on SQLite the ``IMMEDIATE`` transactions serialize them and fewer
race, since SQLite has one writer at a time anyway. Never skipped: both must hold everywhere.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.core.servers.basehttp import WSGIServer
from django.db import connection

from crm.models import Company
from tests.conftest import client_for
from tests.factories import CompanyFactory, make_credit_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WRITERS = 50 if connection.vendor == "postgresql" else 10

# The live server's listen queue holds 10 connections by default: 50 writers arriving at once would
# be reset by the kernel before the server sees them (gunicorn's default backlog is 2048).
WSGIServer.request_queue_size = 128


def race(count, send):
    """Run ``send(i)`` in ``count`` threads released at the same instant; their answers, in order."""
    barrier = threading.Barrier(count)

    def one(i):
        barrier.wait(timeout=30)
        return send(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture
def manager_headers(manager):
    token = client_for(manager)._credentials["HTTP_AUTHORIZATION"]
    return {"Authorization": token}


def test_of_many_patches_with_the_same_version_exactly_one_wins(live_server, manager_headers):
    company = CompanyFactory(city="旧城")
    url = f"{live_server.url}/api/v1/companies/{company.pk}/"

    def patch(i):
        headers = {**manager_headers, "If-Match": f'"{company.version}"'}
        return requests.patch(url, json={"city": f"城{i}"}, headers=headers, timeout=60)

    answers = race(WRITERS, patch)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    winner = next(answer for answer in answers if answer.status_code == 200)
    company.refresh_from_db()
    assert company.version == 2
    assert company.city == winner.json()["city"]
    assert company.history.count() == 2  # the creation and the one change that won


def test_of_many_patches_with_the_version_in_the_body_exactly_one_wins(live_server, manager_headers):
    company = CompanyFactory()
    url = f"{live_server.url}/api/v1/companies/{company.pk}/"

    def patch(i):
        return requests.patch(url, json={"description": f"第{i}版", "version": 1}, headers=manager_headers, timeout=60)

    statuses = sorted(answer.status_code for answer in race(WRITERS, patch))
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    company.refresh_from_db()
    assert company.version == 2


def test_of_many_deletes_with_the_same_version_exactly_one_deletes(live_server, manager_headers):
    company = CompanyFactory()
    url = f"{live_server.url}/api/v1/companies/{company.pk}/"

    def delete(i):
        return requests.delete(url, headers={**manager_headers, "If-Match": '"1"'}, timeout=60)

    statuses = [answer.status_code for answer in race(WRITERS, delete)]
    assert statuses.count(204) == 1, statuses
    assert set(statuses) <= {204, 404}, statuses
    assert not Company.objects.filter(pk=company.pk).exists()


def test_of_many_creates_with_the_same_credit_code_exactly_one_is_created(live_server, manager_headers):
    code = make_credit_code(4242)
    url = f"{live_server.url}/api/v1/companies/"

    def create(i):
        return requests.post(
            url, json={"name": f"同码公司{i}", "credit_code": code}, headers=manager_headers, timeout=60
        )

    answers = race(WRITERS, create)
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 400, 409}, statuses
    for answer in answers:
        if answer.status_code == 400:
            assert "credit_code" in answer.json()
        elif answer.status_code == 409:
            assert answer.json()["detail"]
    assert Company.objects.filter(credit_code=code).count() == 1


def test_of_many_creates_with_the_same_industry_code_exactly_one_is_created(live_server, manager_headers):
    url = f"{live_server.url}/api/v1/industries/"

    def create(i):
        return requests.post(
            url, json={"name": f"低空经济{i}", "code": "low-altitude"}, headers=manager_headers, timeout=60
        )

    statuses = [answer.status_code for answer in race(WRITERS, create)]
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 400, 409}, statuses
