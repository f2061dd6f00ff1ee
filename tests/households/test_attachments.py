"""一户一档 attachments: type by content, size limit, scoped download, audited delete."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def upload(client, household, name, content, kind="申请书", content_type="application/pdf"):
    return client.post(
        reverse("households:attachment_upload", args=[household.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_pdf_is_stored_with_its_name_type_size_and_uploader(client_for, personas, households):
    response = upload(client_for(personas.village_x), households.x, "张建国-贫困户申请书.pdf", PDF)
    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    attachment = Attachment.objects.get()
    assert attachment.household == households.x
    assert attachment.original_name == "张建国-贫困户申请书.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.uploaded_by == personas.village_x
    # Stored under a random name, never the uploader's.
    assert "申请书" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert LogEntry.objects.get_for_object(attachment).get().actor == personas.village_x


def test_the_type_comes_from_the_content_not_the_name_or_browser(client_for, personas, households):
    client = client_for(personas.village_x)
    assert upload(client, households.x, "扫描件.pdf", PNG, content_type="application/pdf").status_code == 302
    assert upload(client, households.x, "合影", JPEG, kind="户主合影照", content_type="application/octet-stream").status_code == 302
    png, jpeg = Attachment.objects.order_by("pk")
    assert png.content_type == "image/png" and png.file.name.endswith(".png")
    assert jpeg.content_type == "image/jpeg" and jpeg.file.name.endswith(".jpg")


def test_a_program_renamed_pdf_is_refused_and_nothing_is_kept(client_for, personas, households):
    response = upload(client_for(personas.village_x), households.x, "申请书.pdf", EXE, content_type="application/pdf")
    assert response.status_code == 200
    assert "不是 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_files_over_ten_megabytes_are_refused(client_for, personas, households):
    client = client_for(personas.village_x)
    too_big = PDF + b"\x00" * (10 * 1024 * 1024 + 1 - len(PDF))
    response = upload(client, households.x, "大文件.pdf", too_big)
    assert response.status_code == 200
    assert "大小为 10.00 MB，超过 10 MB 的上限" in response.content.decode()
    assert not Attachment.objects.exists()
    just_fits = PDF + b"\x00" * (10 * 1024 * 1024 - len(PDF))
    assert upload(client, households.x, "刚好.pdf", just_fits).status_code == 302


def test_uploading_is_refused_out_of_scope_and_for_viewers(client_for, personas, households):
    assert upload(client_for(personas.outsider), households.x, "a.pdf", PDF).status_code == 404
    assert upload(client_for(personas.village_x), households.y, "a.pdf", PDF).status_code == 404
    assert upload(client_for(personas.county_viewer), households.x, "a.pdf", PDF).status_code == 403
    assert not Attachment.objects.exists()


@pytest.fixture
def paper(client_for, personas, households):
    upload(client_for(personas.village_x), households.x, "张建国 退出验收表.pdf", PDF, kind="退出验收表")
    return Attachment.objects.get()


def test_download_is_scoped_named_and_never_sniffed(client, client_for, personas, paper):
    url = reverse("households:attachment_download", args=[paper.pk])
    response = client_for(personas.township_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E5%BC%A0%E5%BB%BA%E5%9B%BD%20%E9%80%80%E5%87%BA%E9%AA%8C%E6%94%B6%E8%A1%A8.pdf" in disposition
    access = LogEntry.objects.get_for_object(paper).filter(action=LogEntry.Action.ACCESS).get()
    assert access.actor == personas.township_a

    client.logout()
    assert client_for(personas.outsider).get(url).status_code == 404
    assert client_for(personas.auditor).get(url).status_code == 403


def test_a_png_uploaded_under_a_pdf_name_downloads_as_png(client_for, personas, households):
    client = client_for(personas.village_x)
    upload(client, households.x, "scan.pdf", PNG)
    response = client.get(reverse("households:attachment_download", args=[Attachment.objects.get().pk]))
    assert response["Content-Type"] == "image/png"
    assert 'filename="scan.png"' in response["Content-Disposition"]


def test_the_stored_file_is_not_reachable_by_a_media_url(client_for, personas, paper):
    response = client_for(personas.village_x).get("/" + settings.MEDIA_URL.strip("/") + "/" + paper.file.name)
    assert response.status_code == 404


def test_delete_asks_first_then_removes_row_and_file_and_is_audited(
    client_for, personas, paper, django_capture_on_commit_callbacks
):
    client = client_for(personas.township_a)
    url = reverse("households:attachment_delete", args=[paper.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认删除" in confirm.content.decode()
    path = Path(paper.file.path)
    assert path.exists() and Attachment.objects.filter(pk=paper.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=paper.pk).exists()
    assert not path.exists()
    deleted = LogEntry.objects.get(object_pk=str(paper.pk), content_type__model="attachment", action=LogEntry.Action.DELETE)
    assert deleted.actor == personas.township_a
    assert deleted.changes_dict["original_name"][0] == "张建国 退出验收表.pdf"


def test_delete_is_refused_out_of_scope_and_for_viewers(client_for, personas, paper):
    assert client_for(personas.outsider).post(reverse("households:attachment_delete", args=[paper.pk])).status_code == 404
    assert client_for(personas.county_viewer).post(reverse("households:attachment_delete", args=[paper.pk])).status_code == 403
    assert Attachment.objects.filter(pk=paper.pk).exists()
    assert Path(paper.file.path).exists()
