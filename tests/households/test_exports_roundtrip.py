"""家庭成员明细 → 导入: a file exported and imported back changes nothing,
and an edit made in Excel comes back as exactly that edit."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse

from households.models import Household, Member
from households.services.imports import household_import
from tests.conftest import IDS


def snapshot():
    households = {h.pk: model_to_dict(h, exclude=["version"]) for h in Household.objects.all()}
    members = {m.pk: model_to_dict(m) for m in Member.objects.all()}
    return households, members


@pytest.fixture
def registry(areas, households):
    x = households.x
    x.group, x.phone, x.housing_safety = "3组", "0915-1234567", "C级危房"
    x.other_cause_1, x.exit_year, x.status = "缺技术", 2019, "1"
    x.declared_income_per_capita = Decimal("5234.50")
    x.save()
    Member.objects.create(
        household=x, name="张小红", id_number=IDS[3], relation="之女", sex="女", birth_date=date(2010, 6, 7),
        education="小学", school_status="初中", health="残疾", disability_grade="二级", ethnicity="回族",
        medical_insurance=True, serious_illness_insurance=True,
    )
    Member.objects.create(
        household=x, name="王德林", id_number=IDS[4], relation="之父", sex="男", birth_date=date(1952, 12, 1),
        labour_skill="技能劳动力", work_status="省外务工", work_months=10, pension_insurance=True,
    )
    return households


def export_members(client):
    response = client.get(reverse("exports:members"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_importing_the_exported_member_ledger_changes_nothing(client_for, personas, registry):
    content = export_members(client_for(personas.township_a))
    before, entries = snapshot(), LogEntry.objects.count()
    report = household_import(actor=personas.township_a, file=SimpleUploadedFile("家庭成员明细.xlsx", content))
    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated) == (0, 0)
    assert (report.households_unchanged, report.members_unchanged) == (2, 4)
    assert snapshot() == before
    assert LogEntry.objects.count() == entries


def test_an_edit_made_in_the_exported_file_comes_back_as_that_edit(client_for, personas, registry):
    content = export_members(client_for(personas.village_x))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    headers = [c.value for c in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        if row[headers.index("姓名")].value == "王德林":
            row[headers.index("务工时间(月)")].value = 6
    edited = io.BytesIO()
    workbook.save(edited)
    report = household_import(actor=personas.village_x, file=SimpleUploadedFile("改.xlsx", edited.getvalue()))
    assert report.ok, [str(e) for e in report.errors]
    assert (report.members_updated, report.members_unchanged, report.households_unchanged) == (1, 2, 1)
    assert Member.objects.get(name="王德林").work_months == 6
