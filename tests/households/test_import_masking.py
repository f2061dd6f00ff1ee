"""ID numbers in an import's error report are masked (first 6 and last 4
characters) unless the requester's role may reveal IDs, the permission the
member page's 查看完整号码 uses: on the background job's page and in its
stored report, and on the upload page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.services.imports import mask_id_numbers
from povertyrelief.models import ROLE_ACTIONS, Job, Role
from tests.households.test_import_households import LI_MEI, ZHANG_SAN, roster, workbook

pytestmark = pytest.mark.django_db


def masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:]


@pytest.fixture
def village_staff_without_reveal(monkeypatch):
    """A village cadre whose role may change records but not reveal IDs."""
    monkeypatch.setitem(ROLE_ACTIONS, Role.VILLAGE, ROLE_ACTIONS[Role.VILLAGE] - {"reveal"})


def roster_with_duplicate_id() -> bytes:
    """Village X only (a village cadre's area); 李梅's ID appears twice."""
    rows = [row for row in roster() if row["行政村"] == "张家沟村"]
    rows.append(dict(rows[1], 姓名="李梅二"))
    return workbook(rows)


def post_in_background(client, content, monkeypatch, capture):
    monkeypatch.setattr("households.views.imports.INLINE_MAX_ROWS", 2)
    with capture(execute=True):
        client.post(reverse("households:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", content)})
    return Job.objects.get()


def test_the_job_report_masks_ids_for_a_requester_who_may_not_reveal_them(
    client_for, personas, monkeypatch, django_capture_on_commit_callbacks, village_staff_without_reveal
):
    client = client_for(personas.village_x)
    job = post_in_background(client, roster_with_duplicate_id(), monkeypatch, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    stored = "\n".join(job.report["errors"])
    assert masked(LI_MEI) in stored and LI_MEI not in stored
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert masked(LI_MEI) in page and LI_MEI not in page


def test_the_job_report_keeps_full_ids_for_a_requester_who_may_reveal_them(
    client_for, personas, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(personas.village_x)
    job = post_in_background(client, roster_with_duplicate_id(), monkeypatch, django_capture_on_commit_callbacks)
    assert any(LI_MEI in line for line in job.report["errors"])


def test_the_upload_page_masks_ids_for_a_user_who_may_not_reveal_them(client_for, personas, village_staff_without_reveal):
    response = client_for(personas.village_x).post(
        reverse("households:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", roster_with_duplicate_id())}
    )
    page = response.content.decode()
    assert "重复" in page and masked(LI_MEI) in page and LI_MEI not in page


def test_masking_hides_the_birth_date_of_every_id_in_a_message():
    message = f"证件号码 {ZHANG_SAN} 与第 2 行重复；{LI_MEI.lower()}；出生日期 19651332 不存在；电话 13800000001"
    assert mask_id_numbers(message) == (
        f"证件号码 {masked(ZHANG_SAN)} 与第 2 行重复；{masked(LI_MEI.lower())}；出生日期 ******** 不存在；电话 13800000001"
    )
