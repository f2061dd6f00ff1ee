"""The upload page, the background job for big files, and the template download."""

import io
import re

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Household, Member
from households.services.imports import COLUMNS
from povertyrelief.models import Job
from tests.households.test_import_households import HEADER, roster, workbook

pytestmark = pytest.mark.django_db

URL = "households:import_upload"


def post(client, content, dry_run=False, name="花名册.xlsx"):
    data = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse(URL), data)


def test_the_page_offers_the_form_and_the_template(client_for, personas):
    page = client_for(personas.township_a).get(reverse(URL)).content.decode()
    assert "家庭成员导入" in page and 'type="file"' in page and "试导入" in page
    assert reverse("households:import_template") in page


def test_a_small_file_is_imported_at_once_and_the_report_shown(client_for, personas):
    response = post(client_for(personas.township_a), workbook(roster()))
    page = response.content.decode()
    assert response.status_code == 200
    assert "已新增 3 户、6 人" in page
    assert Household.objects.count() == 3 and Member.objects.count() == 6
    assert not Job.objects.exists()


def test_refused_rows_are_listed_with_row_and_column_and_nothing_is_written(client_for, personas):
    rows = roster()
    rows[1]["性别"] = "男"
    page = post(client_for(personas.township_a), workbook(rows)).content.decode()
    assert "未导入任何数据" in page
    assert "第 3 行" in page and "性别" in page and "与身份证号不符" in page
    assert Household.objects.count() == 0


def test_a_dry_run_from_the_page_writes_nothing(client_for, personas):
    page = post(client_for(personas.township_a), workbook(roster()), dry_run=True).content.decode()
    assert "将新增 3 户、6 人" in page and Household.objects.count() == 0


def test_a_non_xlsx_upload_is_refused_by_the_form(client_for, personas):
    page = post(client_for(personas.township_a), b"a,b,c", name="花名册.csv").content.decode()
    assert "只接受 .xlsx" in page


def test_a_village_cadre_importing_a_neighbouring_village_is_refused(client_for, personas):
    page = post(client_for(personas.village_x), workbook(roster())).content.decode()
    assert "不在您的管辖范围" in page and Household.objects.count() == 0


def test_a_large_file_runs_in_the_background_with_progress(client_for, personas, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("households.views.imports.INLINE_MAX_ROWS", 2)
    client = client_for(personas.township_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, workbook(roster()))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.kind == "household_import" and job.status == Job.Status.DONE and job.percent == 100
    assert job.progress == job.total and job.total == 12
    assert "已新增 3 户、6 人" in job.message
    assert Household.objects.count() == 3
    # The stored upload is removed once read.
    assert not default_storage.exists(job.params["path"])
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "已新增 3 户、6 人" in page and "100%" in page


def test_a_refused_background_import_lists_its_errors_on_the_job_page(client_for, personas, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("households.views.imports.INLINE_MAX_ROWS", 2)
    rows = roster()
    rows[4]["联系电话"] = "123"
    client = client_for(personas.township_a)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, workbook(rows))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and "未导入任何数据" in job.message
    assert job.report["errors"] == ["第 6 行，“联系电话”列：电话格式不正确：应为以1开头的11位手机号，或 0915-1234567 形式的座机号。"]
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "第 6 行" in page and Household.objects.count() == 0


def test_the_template_has_the_header_allowed_values_drop_downs_and_text_id_column(client_for, personas):
    response = client_for(personas.village_x).get(reverse("households:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["家庭成员", "填写说明与可选值"]
    sheet, help_sheet = book["家庭成员"], book["填写说明与可选值"]
    header = [c.value for c in sheet[1]]
    assert header[: len(HEADER)] == HEADER and header[-1] == "其他致贫原因"
    assert sheet.max_row == 1  # empty: header only

    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    assert sheet.column_dimensions[letter["证件号码"]].number_format == "@"
    assert sheet.column_dimensions[letter["联系电话"]].number_format == "@"

    validations = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    relation = validations[f"{letter['与户主关系']}2"]
    assert relation.type == "list" and relation.formula1.startswith("'填写说明与可选值'!$")
    # The referenced range holds exactly the allowed relations.
    column_ref, first, last = re.fullmatch(r"'.+'!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)", relation.formula1).groups()
    values = tuple(help_sheet[f"{column_ref}{row}"].value for row in range(int(first), int(last) + 1))
    assert values == next(c.choices for c in COLUMNS if c.label == "与户主关系")
    for name in ("性别", "文化程度", "健康状况", "贫困户属性", "主要致贫原因", "住房安全", "饮水安全"):
        assert validations[f"{letter[name]}2"].type == "list", name
    assert validations[f"{letter['务工时间(月)']}2"].type == "whole"
    notes = {row[0].value: row[2].value for row in help_sheet.iter_rows(min_row=2) if row[0].value}
    assert "可选值：户主、配偶" in notes["与户主关系"]


def test_the_template_imports_cleanly_once_filled(client_for, personas):
    """A row typed into the downloaded template goes straight in."""
    client = client_for(personas.township_a)
    content = b"".join(client.get(reverse("households:import_template")).streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["家庭成员"]
    header = [c.value for c in sheet[1]]
    for row in roster():
        sheet.append([row.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    page = post(client, buffer.getvalue()).content.decode()
    assert "已新增 3 户、6 人" in page
