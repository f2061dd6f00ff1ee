"""The pages that correct, cancel and withdraw: each asks for confirmation
first, speaks Chinese, and shows the service's refusal on the form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funds.models import Allocation, AllocationStatus, Disbursement, DisbursementStatus, FundSource
from tests.funds.conftest import record

pytestmark = pytest.mark.django_db


def test_an_allocation_is_corrected_through_its_page(client_for, personas, funds):
    client = client_for(personas.county_admin)
    detail = client.get(funds.allocation_x.get_absolute_url()).content.decode()
    url = reverse("funds:allocation_update", args=[funds.allocation_x.pk])
    assert url in detail
    form = client.get(url)
    assert form.context["form"]["amount"].value() == Decimal("50000.00")
    refused = client.post(url, {"amount": "50000.01", "date": "2024-03-01", "document_number": "", "purpose": ""})
    assert refused.status_code == 200 and "超出资金来源可分配余额" in refused.content.decode()
    done = client.post(url, {"amount": "42000.00", "date": "2024-03-01", "document_number": "秦财农〔2024〕9号", "purpose": ""}, follow=True)
    assert "资金分配已保存：42,000.00 元" in done.content.decode()
    assert Allocation.objects.get(pk=funds.allocation_x.pk).amount == Decimal("42000.00")
    assert FundSource.objects.get(pk=funds.source.pk).allocated_total == Decimal("92000.00")


def test_cancelling_asks_first_then_keeps_the_allocation_marked(client_for, personas, funds):
    client = client_for(personas.county_admin)
    url = reverse("funds:allocation_cancel", args=[funds.allocation_x.pk])
    page = client.get(url).content.decode()
    assert "确认撤销" in page and "仍保留在记录中" in page
    assert Allocation.objects.get(pk=funds.allocation_x.pk).status == AllocationStatus.ACTIVE
    assert client.post(url, {"reason": ""}).status_code == 200
    done = client.post(url, {"reason": "重复分配"}, follow=True).content.decode()
    assert "已撤销资金分配（50,000.00 元" in done and "已撤销" in done and "重复分配" in done
    assert reverse("funds:allocation_update", args=[funds.allocation_x.pk]) not in done
    listed = client.get(reverse("funds:allocation_list") + "?status=cancelled")
    assert [a.pk for a in listed.context["page_obj"]] == [funds.allocation_x.pk]
    ledger = client.get(reverse("funds:ledger") + "?by=project")
    assert ledger.context["totals"]["allocated"] == Decimal("50000.00")


def test_a_cancel_refused_by_the_rules_is_shown_on_the_page(client_for, personas, funds):
    record(personas.township_a, funds.allocation_x, "10.00")
    page = client_for(personas.county_admin).post(reverse("funds:allocation_cancel", args=[funds.allocation_x.pk]), {"reason": "重复"})
    assert page.status_code == 200
    # Once: the form's own error list, not a second alert above it.
    assert page.content.decode().count("待确认 10.00 元：只有没有拨付（含待确认）的分配可以撤销") == 1
    assert Allocation.objects.get(pk=funds.allocation_x.pk).status == AllocationStatus.ACTIVE


def test_the_maker_withdraws_through_a_confirmation_page(client_for, personas, funds):
    entry = record(personas.township_a, funds.allocation_x, "600.00")
    client = client_for(personas.township_a)
    url = reverse("funds:disbursement_withdraw", args=[entry.pk])
    assert url in client.get(entry.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert "确认撤回" in page and "仍保留在记录中" in page
    done = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "已撤回：凭证 记-0001，600.00 元不再占用分配额度" in done
    assert Disbursement.objects.get(pk=entry.pk).status == DisbursementStatus.WITHDRAWN
    detail = client.get(entry.get_absolute_url()).content.decode()
    assert "已撤回" in detail and url not in detail


def test_someone_elses_entry_has_no_withdraw_page(client_for, personas, second_admin, funds):
    entry = record(personas.county_admin, funds.allocation_x)
    assert client_for(second_admin).get(reverse("funds:disbursement_withdraw", args=[entry.pk])).status_code == 404
    assert client_for(personas.township_a).post(reverse("funds:disbursement_withdraw", args=[entry.pk])).status_code == 404
    assert reverse("funds:disbursement_withdraw", args=[entry.pk]) not in client_for(second_admin).get(
        entry.get_absolute_url()
    ).content.decode()
    assert Disbursement.objects.get(pk=entry.pk).status == DisbursementStatus.PENDING
