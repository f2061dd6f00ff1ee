"""A damaged or disguised workbook is refused with a Chinese message and
writes nothing, never a server error: through the service, the upload page
and the command alike."""

import io
import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from households.models import Household, Member
from households.services.imports import household_import
from tests.households.test_import_households import roster, workbook
from tests.workbooks import MALFORMED

pytestmark = pytest.mark.django_db

CASES = list(MALFORMED)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def counts():
    return Household.objects.count(), Member.objects.count(), LogEntry.objects.count()


def damaged(case: str) -> tuple[bytes, str]:
    damage, words = MALFORMED[case]
    return damage(workbook(roster())), words


@pytest.mark.parametrize("case", CASES)
def test_the_service_refuses_a_damaged_workbook_in_chinese_and_writes_nothing(personas, case):
    content, words = damaged(case)
    before = counts()
    report = household_import(actor=personas.township_a, file=SimpleUploadedFile("花名册.xlsx", content))
    assert not report.ok
    (error,) = report.errors
    assert words in error.message and CHINESE.search(error.message), error.message
    assert "未导入任何数据" in report.summary()
    assert counts() == before


@pytest.mark.parametrize("case", CASES)
def test_the_upload_page_shows_the_refusal(client_for, personas, case):
    content, words = damaged(case)
    client = client_for(personas.township_a)
    before = counts()
    response = client.post(reverse("households:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", content)})
    assert response.status_code == 200
    page = response.content.decode()
    # Django's own form refuses an empty upload before the importer sees it.
    assert (words if content else "空文件") in page
    assert counts() == before


@pytest.mark.parametrize("case", CASES)
def test_the_command_exits_with_1_and_names_the_problem(tmp_path, personas, case):
    content, words = damaged(case)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(content)
    stderr = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_households", str(path), stderr=stderr)
    assert raised.value.returncode == 1
    assert words in stderr.getvalue() and "未导入任何数据" in str(raised.value)
    assert Household.objects.count() == 0
