"""The attachment lists answer in three queries, for a page of 10 rows as for a page of 50."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.attachments import ATTACHABLE
from crm.models import Attachment
from tests.api.base import API
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    MeetingFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARENTS = {
    "companies": CompanyFactory,
    "meetings": MeetingFactory,
    "agreements": AgreementFactory,
    "projects": ProjectFactory,
    "capital-arrivals": CapitalArrivalFactory,
}


def attach(target, n, uploader, deleter=None):
    """``n`` attachments at once, with an uploader (and a remover): what the lists show."""
    kind = ContentType.objects.get_for_model(target)
    start = Attachment.objects.count()
    Attachment.objects.bulk_create(
        [
            Attachment(
                target_type=kind,
                target_id=target.pk,
                file=f"attachments/2026/11/{start + i:032x}.pdf",
                name=f"文件{i}.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                uploaded_by=uploader,
                deleted_by=deleter,
            )
            for i in range(n)
        ]
    )


def count(client, url):
    # The content types of the five records are read once per process, then cached by Django.
    ContentType.objects.get_for_models(*ATTACHABLE.values(), for_concrete_models=False)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 50})
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"], [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("resource", list(PARENTS))
def test_a_records_attachments_cost_three_queries_for_10_rows_and_for_50(editor_api, editor, resource):
    # The parent is confidential and the editor in its team where it can be: visibility rules apply.
    target = PARENTS[resource]()
    project = target if resource == "projects" else getattr(target, "project", None)
    if project is not None:
        project.is_confidential = True
        project.save()
        project.team.add(editor)
    url = f"{API}{resource}/{target.pk}/attachments/"
    attach(target, 10, UserFactory())
    few, rows, _sql = count(editor_api, url)
    assert rows == 10
    attach(target, 40, UserFactory())
    many, rows, sql = count(editor_api, url)
    assert rows == 50
    # Expected: token+user+roles, the parent as this user may see it, the page with its count.
    assert few == many, "\n".join(sql)
    assert many <= 3, "\n".join(sql)


def test_the_audit_list_costs_three_queries_for_10_rows_and_for_50(api):
    uploader, remover = UserFactory(), UserFactory()
    secret = ProjectFactory(is_confidential=True)
    attach(secret, 5, uploader, remover)
    attach(CompanyFactory(), 5, uploader)
    few, rows, _sql = count(api, f"{API}attachments/")
    assert rows == 10
    attach(AgreementFactory(project=secret), 40, uploader, remover)
    many, rows, sql = count(api, f"{API}attachments/")
    assert rows == 50
    # Expected: token+user+roles, the page with its count, uploader and remover.
    assert few == many, "\n".join(sql)
    assert many <= 3, "\n".join(sql)
