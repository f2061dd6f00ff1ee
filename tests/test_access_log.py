"""The personal-data access log, read back by auditors and county
administrators: a filtered, paginated page and its Excel ledger."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from povertyrelief.models import Job, PersonalDataAccess
from povertyrelief.privacy import personal_data_access_record


def record(user, kind, what, *, rows=None, object_repr="", days_ago=0):
    entry = personal_data_access_record(actor=user, kind=kind, what=what, object_repr=object_repr, rows=rows)
    if days_ago:
        PersonalDataAccess.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return entry


@pytest.fixture
def accesses(personas):
    record(personas.township_a, "reveal", "身份证号", object_repr="张建国户 张建国")
    record(personas.township_a, "export", "家庭成员明细", rows=120, days_ago=10)
    record(personas.village_x, "print", "明白卡", rows=35, object_repr="张家沟村")
    record(personas.county_admin, "download", "后台任务文件：导出贫困户花名册（6000 行）", rows=6000, days_ago=3)


def rows_of(page: str) -> int:
    return page.count("<tr>") - 1  # the header row


@pytest.mark.parametrize("persona", ["auditor", "county_admin"])
def test_auditors_and_county_administrators_read_every_kind_of_access(client_for, personas, accesses, persona):
    response = client_for(getattr(personas, persona)).get(reverse("access_log"))
    page = response.content.decode()
    assert response.status_code == 200 and rows_of(page) == 4
    for text in ("查看完整敏感信息", "导出个人信息", "打印个人信息", "下载任务文件", "张建国户 张建国", "6000", str(personas.village_x)):
        assert text in page, text


@pytest.mark.parametrize("persona", ["county_viewer", "township_a", "village_x"])
def test_other_roles_are_refused(client_for, personas, accesses, persona):
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("access_log")).status_code == 403
    assert client.get(reverse("exports:access_log")).status_code == 403


def test_the_menu_offers_the_log_to_those_who_may_read_it(client_for, personas):
    url = reverse("access_log")
    assert f'href="{url}"' in client_for(personas.auditor).get(reverse("home")).content.decode()
    assert f'href="{url}"' in client_for(personas.county_admin).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in client_for(personas.township_a).get(reverse("home")).content.decode()


def test_filters_by_user_kind_and_date_range(client_for, personas, accesses):
    client = client_for(personas.auditor)

    def shown(**query):
        return rows_of(client.get(reverse("access_log"), query).content.decode())

    assert shown(user=personas.township_a.pk) == 2
    assert shown(kind="download") == 1
    assert shown(user=personas.township_a.pk, kind="export") == 1
    today = timezone.localdate()
    assert shown(date_from=(today - timedelta(days=5)).isoformat()) == 3
    assert shown(date_to=(today - timedelta(days=5)).isoformat()) == 1
    assert shown(date_from=(today - timedelta(days=4)).isoformat(), date_to=(today - timedelta(days=2)).isoformat()) == 1
    page = client.get(reverse("access_log"), {"date_from": today.isoformat(), "date_to": "2020-01-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in page and rows_of(page) == 1  # the "nothing found" row


def test_the_page_is_paginated(client_for, personas):
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=personas.township_a, kind="reveal", what=f"身份证号 {n}") for n in range(120)
    )
    client = client_for(personas.auditor)
    first = client.get(reverse("access_log")).content.decode()
    assert rows_of(first) == 50 and "第 1 / 3 页，共 120 条" in first
    assert rows_of(client.get(reverse("access_log"), {"page": 3}).content.decode()) == 20


def test_the_page_runs_the_same_queries_whatever_the_rows(client_for, personas, django_assert_max_num_queries):
    client = client_for(personas.auditor)
    client.get(reverse("access_log"))  # session and the like, once
    users = [personas.township_a, personas.village_x, personas.outsider, personas.county_admin]
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=users[n % 4], kind="export", what="家庭成员明细", rows=n) for n in range(3)
    )
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("access_log"), {"kind": "export"}).status_code == 200
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=users[n % 4], kind="export", what="家庭成员明细", rows=n) for n in range(200)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("access_log"), {"kind": "export"}).status_code == 200


def open_xlsx(response):
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_an_auditor_exports_the_filtered_log_to_excel(client_for, personas, accesses):
    client = client_for(personas.auditor)
    page = client.get(reverse("access_log"), {"user": personas.township_a.pk}).content.decode()
    link = f'{reverse("exports:access_log")}?user={personas.township_a.pk}'
    assert link in page
    ws = open_xlsx(client.get(link))
    header = [c.value for c in ws[2]]
    assert header[:5] == ["时间", "用户名", "姓名", "类型", "内容"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert sorted(row[3] for row in data) == ["导出个人信息", "查看完整敏感信息"]
    assert {row[1] for row in data} == {personas.township_a.username}
    exported = [r for r in data if r[3] == "导出个人信息"][0]
    assert exported[header.index("行数")] == 120
    # Exporting the log (it names households) is itself logged.
    assert PersonalDataAccess.objects.filter(user=personas.auditor, kind="export", what="个人信息访问记录").exists()
    # The auditor still may not export the registry.
    assert client.get(reverse("exports:households")).status_code == 403
    # A malformed filter is refused, not a server error.
    assert client.get(reverse("exports:access_log"), {"date_from": "yesterday"}).status_code == 400


def test_a_large_export_of_the_log_is_the_auditors_own_job(
    client_for, personas, accesses, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    client = client_for(personas.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exports:access_log"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert client.get(response["Location"]).status_code == 200
    ws = open_xlsx(client.get(reverse("job_download", args=[job.pk])))
    # The four accesses, and this export itself (logged when it started).
    assert len(list(ws.iter_rows(min_row=3))) == 5
    assert client_for(personas.county_admin).get(reverse("job_download", args=[job.pk])).status_code == 404


def test_the_ledger_index_exports_the_accesses_of_one_townships_users(client_for, personas, areas, accesses):
    record(personas.outsider, "reveal", "银行账号", object_repr="王德福户")
    client = client_for(personas.county_admin)
    assert 'action="/exports/access_log/"' in client.get(reverse("exports:index")).content.decode()
    ws = open_xlsx(client.get(reverse("exports:access_log"), {"township": areas.township_a.pk}))
    users = {row[1].value for row in ws.iter_rows(min_row=3)}
    assert users == {personas.township_a.username, personas.village_x.username}
    ws = open_xlsx(client.get(reverse("exports:access_log"), {"township": areas.township_b.pk}))
    assert [row[4].value for row in ws.iter_rows(min_row=3)] == ["银行账号"]
