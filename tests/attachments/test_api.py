"""Attachments through the API: upload, list, download, remove; types judged by content; visibility."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm import access
from crm.models import Attachment
from tests.api.base import API, if_match
from tests.attachments import files
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    MeetingFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "file", "name", "content_type", "size", "uploaded_by", "uploaded_at"}


def upload(client, url, content: bytes, name: str = "合同.pdf", content_type="application/pdf", **fields):
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type), **fields}, format="multipart")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def company():
    return CompanyFactory(name="瑞声科技")


@pytest.fixture
def url(company):
    return f"{API}companies/{company.pk}/attachments/"


def test_an_editor_attaches_a_pdf_and_everyone_sees_who_and_when(editor_api, viewer_api, editor, url, media):
    response = upload(editor_api, url, files.pdf(), title="投资协议扫描件", note="签约版")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created.keys() >= CONTRACT
    assert created["name"] == "合同.pdf"
    assert created["title"] == "投资协议扫描件"
    assert created["content_type"] == "application/pdf"
    assert created["size"] == len(files.pdf())
    assert created["uploaded_by"] == editor.pk
    assert created["uploaded_by_name"] == editor.full_name
    assert response["ETag"] == '"1"'

    listed = viewer_api.get(url)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [created["id"]]
    # Stored under a random key, never under the uploader's name.
    stored = Attachment.objects.get(pk=created["id"])
    assert stored.file.name.startswith("attachments/") and stored.file.name.endswith(".pdf")
    assert "合同" not in stored.file.name
    assert (media / stored.file.name).read_bytes() == files.pdf()


def test_the_download_streams_the_bytes_under_the_chinese_name(editor_api, viewer_api, url):
    created = upload(editor_api, url, files.pdf(), name="常州高新区 投资协议（终稿）.pdf").json()
    response = viewer_api.get(created["file"])
    assert response.status_code == 200
    assert body_of(response) == files.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(files.pdf()))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('常州高新区 投资协议（终稿）.pdf')}" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("make", "name", "expected"),
    [
        (files.pdf, "a.pdf", "application/pdf"),
        (files.png, "照片.png", "image/png"),
        (files.jpeg, "照片.jpg", "image/jpeg"),
        (files.gif, "图.gif", "image/gif"),
        (files.webp, "图.webp", "image/webp"),
        (files.docx, "纪要.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.xlsx, "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (files.pptx, "推介.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (files.doc, "旧纪要.doc", "application/msword"),
        (files.xls, "旧台账.xls", "application/vnd.ms-excel"),
        # The name and the client's type do not matter: a PNG called .pdf is stored as the PNG it is.
        (files.png, "伪装.pdf", "image/png"),
    ],
)
def test_every_accepted_kind_is_recognised_by_its_content(editor_api, url, make, name, expected):
    response = upload(editor_api, url, make(), name=name, content_type="application/octet-stream")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == expected
    key = Attachment.objects.get(pk=response.json()["id"]).file.name
    assert key.endswith("." + {"image/png": "png"}.get(expected, key.rsplit(".", 1)[-1]))


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (files.exe, "合同.pdf", "application/pdf"),
        (files.html, "照片.png", "image/png"),
        (files.plain_zip, "纪要.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.broken_zip, "台账.xlsx", "application/vnd.ms-excel"),
        (files.msi, "setup.doc", "application/msword"),
        (lambda: "只是文字".encode(), "说明.txt", "text/plain"),
    ],
)
def test_anything_else_is_refused_by_its_content_whatever_its_name(editor_api, url, make, name, content_type):
    response = upload(editor_api, url, make(), name=name, content_type=content_type)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["file"]
    assert "PDF" in response.json()["file"][0]
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_naming_the_field(editor_api, url, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = upload(editor_api, url, files.pdf() + b"0" * 1000)
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert "1000" in response.json()["file"][0]
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_an_upload_declaring_a_body_far_over_the_limit_is_refused_before_it_is_read(editor_api, url, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = editor_api.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        HTTP_CONTENT_LENGTH="50000000",
        CONTENT_LENGTH="50000000",
    )
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "file"),
        ({"file": "not a file"}, "file"),
        ({"file": SimpleUploadedFile("空.pdf", b"")}, "file"),
        ({"file": SimpleUploadedFile("a.pdf", files.pdf()), "title": "标" * 201}, "title"),
        ({"file": SimpleUploadedFile("a.pdf", files.pdf()), "title": "a\x00b"}, "title"),
    ],
)
def test_a_bad_upload_gets_a_400_naming_the_field(editor_api, url, payload, field):
    response = editor_api.post(url, payload, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_path_in_the_name_is_only_a_name(editor_api, url, media):
    response = upload(editor_api, url, files.pdf(), name="../../config/settings.pdf")
    assert response.status_code == 201
    assert response.json()["name"] == "settings.pdf"
    stored = Attachment.objects.get(pk=response.json()["id"])
    assert (media / stored.file.name).resolve().is_relative_to(media.resolve())


def test_roles_viewer_reads_editor_uploads_manager_removes(
    editor_api, viewer_api, nobody_api, anon_api, api, url, manager
):
    assert upload(viewer_api, url, files.pdf()).status_code == 403
    assert upload(nobody_api, url, files.pdf()).status_code == 403
    assert upload(anon_api, url, files.pdf()).status_code == 401
    assert nobody_api.get(url).status_code == 403
    created = upload(editor_api, url, files.pdf()).json()
    detail = f"{url}{created['id']}/"
    assert anon_api.get(created["file"]).status_code == 401
    assert editor_api.delete(detail, **if_match(1)).status_code == 403
    assert api.delete(detail).status_code == 428
    assert api.delete(detail, **if_match(7)).status_code == 412
    assert api.delete(detail, **if_match(1)).status_code == 204
    # Gone from the lists and downloads; the audit list keeps who removed it.
    assert viewer_api.get(url).json()["count"] == 0
    assert viewer_api.get(detail).status_code == 404
    assert viewer_api.get(created["file"]).status_code == 404
    audit = api.get(f"{API}attachments/", {"deleted": "true"}).json()["results"]
    assert [(row["id"], row["deleted_by"], row["resource"]) for row in audit] == [
        (created["id"], manager.pk, "companies")
    ]
    assert audit[0]["deleted_at"] is not None


def test_the_audit_list_is_for_managers_and_checks_its_filter(editor_api, api, url):
    upload(editor_api, url, files.pdf())
    assert editor_api.get(f"{API}attachments/").status_code == 403
    assert api.get(f"{API}attachments/").json()["count"] == 1
    assert api.get(f"{API}attachments/", {"deleted": "false"}).json()["count"] == 1
    assert api.get(f"{API}attachments/", {"deleted": "true"}).json()["count"] == 0
    response = api.get(f"{API}attachments/", {"deleted": "maybe"})
    assert response.status_code == 400
    assert "deleted" in response.json()


PARENTS = {
    "companies": CompanyFactory,
    "meetings": MeetingFactory,
    "agreements": AgreementFactory,
    "projects": ProjectFactory,
    "capital-arrivals": CapitalArrivalFactory,
}


@pytest.mark.parametrize("resource", list(PARENTS))
def test_each_of_the_five_records_carries_its_own_attachments(editor_api, resource):
    first, second = PARENTS[resource](), PARENTS[resource]()
    created = upload(editor_api, f"{API}{resource}/{first.pk}/attachments/", files.png(), name="图.png").json()
    assert editor_api.get(f"{API}{resource}/{first.pk}/attachments/").json()["count"] == 1
    assert editor_api.get(f"{API}{resource}/{second.pk}/attachments/").json()["count"] == 0
    # The attachment is not reachable through another record's path.
    assert editor_api.get(f"{API}{resource}/{second.pk}/attachments/{created['id']}/download/").status_code == 404
    assert editor_api.get(f"{API}{resource}/{first.pk}/attachments/{created['id']}/download/").status_code == 200
    assert editor_api.get(f"{API}{resource}/{first.pk + 1000}/attachments/").status_code == 404


def test_a_confidential_projects_files_do_not_exist_for_outsiders(editor, api, url):
    stranger = UserFactory(role="editor")
    outsider = client_for(stranger)
    member = UserFactory(role="viewer")
    secret = ProjectFactory(is_confidential=True, owner=editor)
    secret.team.add(member)
    agreement = AgreementFactory(project=secret)
    arrival = CapitalArrivalFactory(project=secret)
    owner_api = client_for(editor)
    paths = [f"projects/{secret.pk}", f"agreements/{agreement.pk}", f"capital-arrivals/{arrival.pk}"]
    for path in paths:
        base = f"{API}{path}/attachments/"
        created = upload(owner_api, base, files.pdf()).json()
        assert outsider.get(base).status_code == 404
        assert outsider.get(f"{base}{created['id']}/").status_code == 404
        assert outsider.get(created["file"]).status_code == 404
        assert upload(outsider, base, files.pdf()).status_code == 404
        assert client_for(member).get(created["file"]).status_code == 200
        assert api.get(created["file"]).status_code == 200
    # The managers' audit list names them all; no one else's does.
    assert api.get(f"{API}attachments/").json()["count"] == 3
    assert access.visible(stranger, Attachment.objects.all()).count() == 0
    assert access.visible(member, Attachment.objects.all()).count() == 3
