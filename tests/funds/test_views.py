"""The funds pages as people use them: recording, confirming, double
submission, what each area sees, and pages whose query count does not grow."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from funds.models import Allocation, Disbursement, DisbursementStatus, Project
from tests.conftest import make_area
from tests.funds.conftest import make_allocation, make_project, make_source, record

pytestmark = pytest.mark.django_db


def disburse_form(token: str, amount: str = "1200.00") -> dict:
    return {
        "amount": amount, "date": "2024-04-10", "payee": "秦川县路桥工程有限公司", "voucher_number": "记-0301", "note": "首期进度款",
        "token": token,
    }


def test_the_same_disbursement_form_posted_twice_records_once(client_for, personas, funds):
    client = client_for(personas.township_a)
    url = reverse("funds:disbursement_create", args=[funds.allocation_x.pk])
    page = client.get(url)
    token = page.context["form"]["token"].value()
    first = client.post(url, disburse_form(str(token)), follow=True)
    assert "待另一名县级管理员确认" in first.content.decode()
    second = client.post(url, disburse_form(str(token)), follow=True)
    assert "重复提交未再登记" in second.content.decode()
    assert Disbursement.objects.count() == 1
    assert Allocation.objects.get(pk=funds.allocation_x.pk).pending_total == Decimal("1200.00")
    # A freshly opened form carries a new token and records a second payment.
    fresh = client.get(url).context["form"]["token"].value()
    assert fresh != token
    client.post(url, disburse_form(str(fresh)))
    assert Disbursement.objects.count() == 2


def test_an_overspend_is_shown_on_the_form_and_nothing_is_recorded(client_for, personas, funds):
    client = client_for(personas.township_a)
    url = reverse("funds:disbursement_create", args=[funds.allocation_x.pk])
    token = client.get(url).context["form"]["token"].value()
    page = client.post(url, disburse_form(str(token), "50000.01"))
    assert page.status_code == 200
    assert "尚可拨付 50,000.00 元" in page.content.decode()
    assert not Disbursement.objects.exists()


def test_self_confirmation_is_refused_on_the_page_and_a_second_admin_confirms(client_for, personas, second_admin, funds):
    entry = record(personas.county_admin, funds.allocation_x, "3000.00")
    url = reverse("funds:disbursement_confirm", args=[entry.pk])
    page = client_for(personas.county_admin).post(url)
    assert page.status_code == 200 and "不能确认自己录入的拨付" in page.content.decode()
    assert Disbursement.objects.get(pk=entry.pk).status == DisbursementStatus.PENDING

    done = client_for(second_admin).post(url, follow=True)
    assert "已确认：3,000.00 元" in done.content.decode()
    assert Disbursement.objects.get(pk=entry.pk).status == DisbursementStatus.CONFIRMED
    ledger = client_for(second_admin).get(reverse("funds:ledger") + "?by=allocation")
    assert ledger.context["totals"]["disbursed"] == Decimal("3000.00")


def test_township_staff_get_403_on_confirm_and_404_on_another_townships_entry(client_for, personas, funds):
    mine = record(personas.township_a, funds.allocation_x)
    assert client_for(personas.township_a).post(reverse("funds:disbursement_confirm", args=[mine.pk])).status_code == 403
    theirs = record(personas.outsider, funds.allocation_z)
    assert client_for(personas.township_a).get(reverse("funds:disbursement_detail", args=[theirs.pk])).status_code == 404
    assert client_for(personas.township_a).post(
        reverse("funds:disbursement_reverse", args=[theirs.pk]), {"reason": "x"}
    ).status_code == 404


def test_the_ledger_shows_only_the_users_area(client_for, personas, funds):
    record(personas.outsider, funds.allocation_z, "700.00")
    page = client_for(personas.township_a).get(reverse("funds:ledger") + "?by=project")
    names = [p.name for p in page.context["page_obj"]]
    assert names == [funds.project_x.name]
    assert page.context["totals"]["allocated"] == Decimal("50000.00")
    assert page.context["totals"]["pending"] == Decimal("0.00")
    county = client_for(personas.county_viewer).get(reverse("funds:ledger") + "?by=source")
    (row,) = county.context["page_obj"]
    assert (row["allocated"], row["pending"]) == (Decimal("100000.00"), Decimal("700.00"))


def test_the_ledger_export_refuses_an_area_outside_the_users_reach(client_for, personas, areas, funds):
    client = client_for(personas.township_a)
    assert client.get(reverse("exports:funds") + f"?township={areas.township_b.pk}").status_code == 404
    assert client.get(reverse("exports:funds_pdf") + f"?village={areas.village_z.pk}").status_code == 404


def test_the_excel_ledger_holds_the_area_rows_and_a_total(client_for, personas, funds, tmp_path):
    from openpyxl import load_workbook

    record(personas.township_a, funds.allocation_x, "400.00")
    response = client_for(personas.township_a).get(reverse("exports:funds"))
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    rows = list(load_workbook(path).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2  # one allocation of township A, then 合计
    assert rows[0][7] == funds.project_x.name
    assert rows[-1][1] == "合计" and Decimal(str(rows[-1][-3])) == Decimal("400.00")  # pending


def test_the_pdf_ledger_is_printed(client_for, personas, funds):
    response = client_for(personas.county_admin).get(reverse("exports:projects_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_project_publicity_names_beneficiaries_by_name_and_village_only(client_for, personas, areas, households):
    from pypdf import PdfReader
    import io

    project = make_project(personas.township_a, [areas.village_x], stage="reserve")
    project.beneficiaries.set([households.x])
    response = client_for(personas.village_x).get(reverse("funds:project_publicity_pdf", args=[project.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "拟实施项目公示" in text and "张建国" in text and "张家沟村" in text
    assert households.x.members.get().id_number not in text


def test_a_project_is_entered_through_the_page_and_needs_a_performance_target(client_for, personas, areas):
    client = client_for(personas.township_a)
    data = {
        "year": 2024, "name": "张家沟村便民桥", "project_type": "road", "construction_nature": "new", "responsible_unit": "城关镇",
        "budget": "120000.00", "performance_target": "", "beneficiary_households": 20, "beneficiary_people": 60,
        "villages": [areas.village_x.pk], "entered_on": "2024-02-01",
    }
    page = client.post(reverse("funds:project_create"), data)
    assert page.status_code == 200 and not Project.objects.exists()
    data["performance_target"] = "建成便民桥 1 座，群众满意度 ≥ 95%"
    done = client.post(reverse("funds:project_create"), data, follow=True)
    project = Project.objects.get()
    assert "已入库（储备）" in done.content.decode()
    assert (project.area, project.stage_date) == (areas.village_x, date(2024, 2, 1))
    # Approval is the county's: township staff get 403 on the step.
    assert client.get(reverse("funds:project_advance", args=[project.pk])).status_code == 403


def _many_funds(personas, areas, count: int) -> None:
    source = make_source(personas.county_admin, "10000000.00")
    for index in range(count):
        project = make_project(personas.county_admin, [areas.village_x if index % 2 else areas.village_y], name=f"项目{index}")
        allocation = make_allocation(personas.county_admin, source, project, "1000.00")
        record(personas.township_a, allocation, "10.00", voucher_number=f"记-{index}")


@pytest.mark.parametrize("url", [
    "funds:ledger", "funds:ledger?by=project", "funds:ledger?by=area", "funds:ledger?by=allocation", "funds:ledger?by=measure",
    "funds:project_list", "funds:allocation_list", "funds:disbursement_list", "funds:source_list",
])
def test_lists_and_ledgers_cost_the_same_queries_for_few_or_many_rows(
    client_for, personas, areas, django_assert_max_num_queries, url
):
    name, _, query = url.partition("?")
    path = reverse(name) + ("?" + query if query else "")
    client = client_for(personas.township_a)
    _many_funds(personas, areas, 2)
    with django_assert_max_num_queries(14) as few:
        assert client.get(path).status_code == 200
    _many_funds(personas, areas, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200


def test_the_measure_ledger_shows_each_measures_share_and_what_was_paid_for_it(client_for, personas, households, second_admin):
    from households.models import Measure, MeasureCategory

    from funds import services

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    measure = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    source = make_source(personas.county_admin, "10000.00", level="provincial", name="省级雨露计划资金")
    allocation = services.allocation_create(
        actor=personas.county_admin, source=source, target="measures", measures=[measure], day=date(2024, 5, 1)
    )
    paid = record(personas.township_a, allocation, "1000.00", day=date(2024, 5, 2))
    services.disbursement_confirm(actor=second_admin, disbursement=paid)
    record(personas.township_a, allocation, "500.00", day=date(2024, 5, 3))
    page = client_for(personas.village_x).get(reverse("funds:ledger") + "?by=measure")
    (row,) = page.context["page_obj"]
    assert (row.amount, row.disbursed, row.pending, row.balance) == (
        Decimal("3000.00"), Decimal("1000.00"), Decimal("500.00"), Decimal("2000.00")
    )
    totals = page.context["totals"]
    assert (totals["allocated"], totals["disbursed"], totals["pending"]) == (Decimal("3000.00"), Decimal("1000.00"), Decimal("500.00"))
    # The household page says where the measure's money came from.
    household_page = client_for(personas.village_x).get(households.x.get_absolute_url())
    assert "省级雨露计划资金（省级财政专项）3,000.00 元" in household_page.content.decode()


def test_the_allocation_forms_village_picker_reads_like_its_drop_down_at_any_size(
    client_for, personas, areas, django_assert_max_num_queries
):
    client = client_for(personas.county_admin)
    url, query = reverse("funds:allocation_create"), {"village": areas.village_y.pk, "year": 2026}

    def picker(response) -> str:
        return response.content.decode().split('name="village" aria-label="村">')[1].split("</select>")[0]

    with django_assert_max_num_queries(14) as few:
        response = client.get(url, query)
    options = picker(response)
    assert f'<option value="{areas.village_y.pk}" selected>城关镇 李家湾村</option>' in options
    assert f'<option value="{areas.village_z.pk}">清河镇 王家坪村</option>' in options
    assert "城关镇 李家湾村" in str(response.context["form"]["village"])
    for n in range(5):
        make_area(f"61049910230{n}", f"新{n}村", areas.township_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, query)
    assert "城关镇 新4村" in picker(response)
