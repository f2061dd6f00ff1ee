"""The roster import and the edit forms' optimistic locks: a form opened
before an import cannot overwrite what the import wrote. And 脱贫状态 /
脱贫年度 stay a county administrator's to set directly, in a file too."""

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse

from households.models import Household, Member
from tests.households.test_import_households import HEADER, LI_MEI, WANG_FANG, ZHANG_SAN, errors, roster, run, workbook
from tests.households.test_import_views import post
from tests.households.test_registry_households import edit_form
from tests.households.test_registry_members import member_form

pytestmark = pytest.mark.django_db
REFUSED = "只有县级管理员可以直接设置脱贫状态和脱贫年度"


def changed(rows, id_number, **cells):
    for row in rows:
        if row["证件号码"] == id_number:
            row.update(cells)
    return rows


def member_url(member):
    return reverse("households:member_update", args=[member.pk])


def household_url(household):
    return reverse("households:household_update", args=[household.pk])


def test_a_member_form_opened_before_an_import_cannot_overwrite_it(client_for, personas):
    assert run(personas.township_a).ok
    member = Member.objects.get(id_number=LI_MEI)
    client = client_for(personas.village_x)
    version = client.get(member_url(member)).context["form"]["version"].value()

    report = run(personas.township_a, rows=changed(roster(), LI_MEI, 文化程度="初中", 健康状况="长期慢性病"))
    assert report.ok and report.members_updated == 1, errors(report)

    stale = member_form(name="李梅", id_number=LI_MEI, relation="配偶", school_status="", health="患有大病", version=version)
    response = client.post(member_url(member), stale)
    assert response.status_code == 200
    assert "该成员信息已被他人修改" in response.content.decode()
    member.refresh_from_db()
    assert (member.education, member.health, member.version) == ("初中", "长期慢性病", version + 1)
    # Reopened, the form saves.
    fresh = client.get(member_url(member)).context["form"]["version"].value()
    assert client.post(member_url(member), {**stale, "version": fresh}).status_code == 302
    member.refresh_from_db()
    assert member.health == "患有大病"


def test_a_household_form_opened_before_an_import_cannot_overwrite_it(client_for, personas, areas):
    assert run(personas.township_a).ok
    household = Household.objects.get(village=areas.village_x, number="H001")
    client = client_for(personas.village_x)
    version = client.get(household_url(household)).context["form"]["version"].value()

    assert run(personas.township_a, rows=changed(roster(), LI_MEI, 文化程度="初中")).ok  # a member only
    response = client.post(household_url(household), edit_form(household, address="旧表单的住址", version=version))
    assert "该户信息已被他人修改" in response.content.decode()
    household.refresh_from_db()
    assert household.address != "旧表单的住址" and household.version == version + 1


def test_members_and_households_the_import_leaves_alone_keep_their_versions(personas):
    assert run(personas.township_a).ok
    before = dict(Member.objects.values_list("id_number", "version"))
    households = dict(Household.objects.values_list("number", "version"))
    assert run(personas.township_a, rows=changed(roster(), LI_MEI, 文化程度="初中")).ok
    after = dict(Member.objects.values_list("id_number", "version"))
    assert after == {**before, LI_MEI: before[LI_MEI] + 1}
    assert dict(Household.objects.values_list("number", "version")) == {**households, "H001": households["H001"] + 1}
    assert run(personas.township_a, rows=changed(roster(), LI_MEI, 文化程度="初中")).ok  # the same file again
    assert dict(Member.objects.values_list("id_number", "version")) == after


def test_a_township_file_cannot_register_a_new_household_as_out_of_poverty(personas):
    rows = changed(roster(), WANG_FANG, 脱贫年度=2019)
    entries = LogEntry.objects.count()
    report = run(personas.township_a, rows=rows)
    assert not report.ok
    assert errors(report) == [(5, "脱贫年度", f"新登记的 城关镇李家湾村户编号 H002 填有脱贫年度 2019（将登记为已脱贫）：{REFUSED}。"
                                            "脱贫请走退出评议程序；如确需按文件登记，请由县级管理员导入。")]
    assert "第 5 行，“脱贫年度”列" in str(report.errors[0])
    assert not Household.objects.exists() and not Member.objects.exists() and LogEntry.objects.count() == entries


@pytest.mark.parametrize("in_file", [2020, None], ids=["set", "cleared"])
def test_a_village_file_cannot_change_the_exit_year_of_a_household(personas, areas, in_file):
    assert run(None, rows=changed(roster(), ZHANG_SAN, 脱贫年度=2019)).ok
    household = Household.objects.get(village=areas.village_x, number="H001")
    assert (household.status, household.exit_year) == ("1", 2019)
    rows = [r for r in changed(roster(), ZHANG_SAN, 脱贫年度=in_file, 联系电话="13900000009") if r["户编号"] == "H001"]
    report = run(personas.village_x, rows=rows)
    assert errors(report) == [(2, "脱贫年度", f"城关镇张家沟村户编号 H001 的脱贫年度在系统中为“2019”，文件中为“{in_file or ''}”："
                                            f"{REFUSED}。脱贫请走退出评议程序；如确需按文件登记，请由县级管理员导入。")]
    household.refresh_from_db()
    assert (household.status, household.exit_year, household.phone) == ("1", 2019, "13800000001")


def test_a_file_repeating_the_exit_year_imports_other_changes(personas, areas):
    assert run(None, rows=changed(roster(), ZHANG_SAN, 脱贫年度=2019)).ok
    rows = changed(roster(), ZHANG_SAN, 脱贫年度=2019, 联系电话="13900000009")
    report = run(personas.township_a, rows=rows)
    assert report.ok and report.households_updated == 1, errors(report)
    household = Household.objects.get(village=areas.village_x, number="H001")
    assert (household.status, household.exit_year, household.phone) == ("1", 2019, "13900000009")


def test_a_county_administrator_imports_exit_years(personas, areas):
    report = run(personas.county_admin, rows=changed(roster(), WANG_FANG, 脱贫年度=2019))
    assert report.ok, errors(report)
    h2 = Household.objects.get(village=areas.village_y, number="H002")
    assert (h2.exit_year, h2.status) == (2019, "1")
    assert run(personas.county_admin, rows=changed(roster(), WANG_FANG, 脱贫年度=2020)).ok
    h2.refresh_from_db()
    assert h2.exit_year == 2020


def test_the_upload_page_names_the_row_and_column(client_for, personas):
    page = post(client_for(personas.township_a), workbook(changed(roster(), WANG_FANG, 脱贫年度=2019))).content.decode()
    assert "第 5 行" in page and "脱贫年度" in page and REFUSED in page
    assert not Household.objects.exists()


def test_the_command_with_a_township_user_refuses_and_without_one_imports(personas, areas, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(workbook(changed(roster(), WANG_FANG, 脱贫年度=2019)))
    with pytest.raises(CommandError):
        call_command("import_households", str(path), "--user", personas.township_a.username, stderr=open(tmp_path / "err", "w"))
    assert REFUSED in (tmp_path / "err").read_text()
    assert not Household.objects.exists()
    call_command("import_households", str(path), stdout=open(tmp_path / "out", "w"))
    assert Household.objects.get(village=areas.village_y, number="H002").status == "1"


def test_a_file_without_the_exit_year_column_keeps_the_exit_years(personas, areas):
    assert run(None, rows=changed(roster(), ZHANG_SAN, 脱贫年度=2019)).ok
    header = [h for h in HEADER if h != "脱贫年度"]
    report = run(personas.township_a, content=workbook(changed(roster(), ZHANG_SAN, 联系电话="13900000009"), header=header))
    assert report.ok and report.households_updated == 1, errors(report)
    household = Household.objects.get(village=areas.village_x, number="H001")
    assert (household.status, household.exit_year, household.phone) == ("1", 2019, "13900000009")
