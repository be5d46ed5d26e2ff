"""Attachments in the admin: the inline on each of the five records, uploads, refusals, removal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Attachment
from tests.admin.conftest import form_data
from tests.attachments import files
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    MeetingFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

PREFIX = "crm-attachment-target_type-target_id"
RECORDS = {
    "company": CompanyFactory,
    "meeting": MeetingFactory,
    "agreement": AgreementFactory,
    "project": ProjectFactory,
    "capitalarrival": CapitalArrivalFactory,
}


def change_url(model_name, obj):
    return reverse(f"admin:crm_{model_name}_change", args=[obj.pk])


def with_new_row(data: dict, upload, title="") -> dict:
    total = int(data[f"{PREFIX}-TOTAL_FORMS"])
    data[f"{PREFIX}-TOTAL_FORMS"] = str(total + 1)
    data[f"{PREFIX}-{total}-title"] = title
    data[f"{PREFIX}-{total}-upload"] = upload
    return data


@pytest.mark.parametrize("model_name", list(RECORDS))
def test_an_editor_uploads_through_the_inline_of_each_record(editor_client, admin_editor, model_name):
    record = RECORDS[model_name]()
    page = editor_client.get(change_url(model_name, record))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    data = with_new_row(form_data(page), SimpleUploadedFile("现场照片.png", files.png()), title="奠基仪式")
    response = editor_client.post(change_url(model_name, record), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    attachment = Attachment.objects.get()
    assert (attachment.target, attachment.name, attachment.title) == (record, "现场照片.png", "奠基仪式")
    assert (attachment.content_type, attachment.uploaded_by) == ("image/png", admin_editor)
    # The page now lists it with a link to its download.
    page = editor_client.get(change_url(model_name, record))
    assert "现场照片.png" in page.content.decode()
    assert f"/attachments/{attachment.pk}/download/" in page.content.decode()


def test_the_inline_refuses_a_file_by_its_content(editor_client):
    company = CompanyFactory()
    data = with_new_row(
        form_data(editor_client.get(change_url("company", company))), SimpleUploadedFile("合同.pdf", files.exe())
    )
    response = editor_client.post(change_url("company", company), data)
    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not Attachment.objects.exists()


def test_only_a_manager_removes_and_the_removal_is_recorded(editor_client, manager_client, admin_manager, admin_editor):
    company = CompanyFactory()
    data = with_new_row(
        form_data(editor_client.get(change_url("company", company))), SimpleUploadedFile("a.pdf", files.pdf())
    )
    assert editor_client.post(change_url("company", company), data).status_code == 302
    attachment = Attachment.objects.get()

    editor_page = editor_client.get(change_url("company", company))
    assert f"{PREFIX}-0-DELETE" not in editor_page.content.decode()

    page = manager_client.get(change_url("company", company))
    data = form_data(page, **{f"{PREFIX}-0-DELETE": "on"})
    assert manager_client.post(change_url("company", company), data).status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_by == admin_manager and attachment.deleted_at is not None
    assert attachment.file.storage.exists(attachment.file.name)  # kept for the audit list and backups
    assert "a.pdf" not in manager_client.get(change_url("company", company)).content.decode()


def test_a_viewer_sees_the_files_but_cannot_upload(viewer_client, editor_client):
    company = CompanyFactory()
    data = with_new_row(
        form_data(editor_client.get(change_url("company", company))), SimpleUploadedFile("纪要.pdf", files.pdf())
    )
    editor_client.post(change_url("company", company), data)
    page = viewer_client.get(change_url("company", company)).content.decode()
    assert "纪要.pdf" in page
    assert 'type="file"' not in page
