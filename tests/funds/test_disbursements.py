"""Maker-checker, reversal instead of edit, and the limits an allocation and
a source put on what can be paid out of them."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from funds import services
from funds.models import Allocation, Disbursement, DisbursementStatus, FundSource
from funds.selectors import ledger_mismatches
from tests.funds.conftest import make_allocation, make_project, make_source, record, refreshed

pytestmark = pytest.mark.django_db


def test_township_staff_record_and_a_county_administrator_confirms(personas, funds):
    entry = record(personas.township_a, funds.allocation_x, "12000.00")
    assert entry.status == DisbursementStatus.PENDING
    allocation = refreshed(funds.allocation_x)
    assert (allocation.confirmed_total, allocation.pending_total) == (Decimal("0.00"), Decimal("12000.00"))

    services.disbursement_confirm(actor=personas.county_admin, disbursement=entry)

    entry.refresh_from_db()
    assert entry.status == DisbursementStatus.CONFIRMED and entry.checked_by == personas.county_admin
    allocation = refreshed(funds.allocation_x)
    assert (allocation.confirmed_total, allocation.pending_total) == (Decimal("12000.00"), Decimal("0.00"))
    assert allocation.balance == Decimal("38000.00")
    assert ledger_mismatches() == []


def test_confirming_your_own_entry_is_refused_and_a_second_user_confirms(personas, second_admin, funds):
    entry = record(personas.county_admin, funds.allocation_x, "5000.00")
    with pytest.raises(ValidationError, match="不能确认自己录入的拨付"):
        services.disbursement_confirm(actor=personas.county_admin, disbursement=entry)
    assert refreshed(entry).status == DisbursementStatus.PENDING

    services.disbursement_confirm(actor=second_admin, disbursement=entry)
    assert refreshed(entry).status == DisbursementStatus.CONFIRMED


def test_the_database_refuses_a_self_confirmed_row(personas, funds):
    entry = record(personas.county_admin, funds.allocation_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).update(status="confirmed", checked_by=personas.county_admin)


def test_township_staff_cannot_confirm(personas, funds):
    entry = record(personas.county_admin, funds.allocation_x)
    with pytest.raises(PermissionDenied):
        services.disbursement_confirm(actor=personas.township_a, disbursement=entry)


def test_pending_and_confirmed_never_exceed_the_allocation(personas, second_admin, funds):
    first = record(personas.township_a, funds.allocation_x, "30000.00")
    services.disbursement_confirm(actor=second_admin, disbursement=first)
    record(personas.township_a, funds.allocation_x, "15000.00")
    with pytest.raises(ValidationError, match="尚可拨付 5,000.00 元"):
        record(personas.township_a, funds.allocation_x, "5000.01")
    record(personas.township_a, funds.allocation_x, "5000.00")
    allocation = refreshed(funds.allocation_x)
    assert allocation.available == Decimal("0.00")


def test_a_rejected_entry_frees_its_amount_and_stays_on_record(personas, second_admin, funds):
    entry = record(personas.township_a, funds.allocation_x, "50000.00")
    with pytest.raises(ValidationError):
        record(personas.township_a, funds.allocation_x, "1.00")
    services.disbursement_reject(actor=second_admin, disbursement=entry, reason="凭证号有误")
    assert refreshed(entry).status == DisbursementStatus.REJECTED
    assert refreshed(funds.allocation_x).pending_total == Decimal("0.00")
    record(personas.township_a, funds.allocation_x, "1.00")
    assert Disbursement.objects.filter(pk=entry.pk).exists()


def test_a_confirmed_disbursement_is_corrected_by_a_reversal_not_an_edit(personas, second_admin, funds):
    entry = record(personas.township_a, funds.allocation_x, "8000.00")
    services.disbursement_confirm(actor=second_admin, disbursement=entry)

    with pytest.raises(ValidationError, match="请说明冲销原因"):
        services.disbursement_reverse(actor=personas.township_a, disbursement=entry, reason=" ")
    reversal = services.disbursement_reverse(actor=personas.township_a, disbursement=entry, reason="收款单位账号错误")
    assert reversal.amount == Decimal("-8000.00") and reversal.reversal_of == entry
    assert reversal.status == DisbursementStatus.PENDING
    # Pending reversal: the money still counts as paid until it is confirmed.
    assert refreshed(funds.allocation_x).confirmed_total == Decimal("8000.00")
    with pytest.raises(ValidationError, match="不能重复冲销"):
        services.disbursement_reverse(actor=personas.county_admin, disbursement=entry, reason="再冲一次")

    services.disbursement_confirm(actor=personas.county_admin, disbursement=reversal)
    allocation = refreshed(funds.allocation_x)
    assert allocation.confirmed_total == Decimal("0.00") and allocation.available == Decimal("50000.00")
    # The original stays, unchanged and confirmed.
    entry.refresh_from_db()
    assert (entry.status, entry.amount) == (DisbursementStatus.CONFIRMED, Decimal("8000.00"))
    assert ledger_mismatches() == []
    with pytest.raises(ValidationError, match="冲销记录不能再冲销"):
        services.disbursement_reverse(actor=personas.township_a, disbursement=reversal, reason="撤销冲销")


def test_a_pending_entry_is_returned_not_reversed(personas, funds):
    entry = record(personas.township_a, funds.allocation_x)
    with pytest.raises(ValidationError, match="请由审核人退回"):
        services.disbursement_reverse(actor=personas.township_a, disbursement=entry, reason="录错")


def test_a_reversal_must_be_negative_and_linked_in_the_database(personas, funds):
    entry = record(personas.township_a, funds.allocation_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).update(amount=Decimal("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            allocation=funds.allocation_x, amount=Decimal("5.00"), date=date(2024, 4, 1), payee="x", voucher_number="1",
            recorded_by=personas.township_a, reversal_of=entry, reason="x",
        )


def test_amounts_have_at_most_two_decimal_places(personas, funds):
    with pytest.raises(ValidationError, match="两位小数"):
        record(personas.township_a, funds.allocation_x, "10.005")
    with pytest.raises(ValidationError, match="大于零"):
        record(personas.township_a, funds.allocation_x, "0")


def test_the_same_form_submitted_twice_creates_one_disbursement(personas, funds):
    token = uuid.uuid4()
    first, created = services.disbursement_record(
        actor=personas.township_a, allocation=funds.allocation_x, amount=Decimal("700.00"), day=date(2024, 4, 2),
        payee="张家沟村股份经济合作社", voucher_number="记-0102", token=token,
    )
    again, created_again = services.disbursement_record(
        actor=personas.township_a, allocation=funds.allocation_x, amount=Decimal("700.00"), day=date(2024, 4, 2),
        payee="张家沟村股份经济合作社", voucher_number="记-0102", token=token,
    )
    assert created and not created_again and first.pk == again.pk
    assert Disbursement.objects.count() == 1
    assert refreshed(funds.allocation_x).pending_total == Decimal("700.00")


def test_out_of_area_staff_cannot_record_against_another_townships_allocation(personas, funds):
    with pytest.raises(PermissionDenied):
        record(personas.outsider, funds.allocation_x)
    with pytest.raises(PermissionDenied):
        record(personas.village_x, funds.allocation_x)


def test_allocations_never_exceed_their_source(personas, areas, funds):
    # 100,000 元 source, 2 × 50,000 already allocated.
    assert refreshed(funds.source).allocated_total == Decimal("100000.00")
    with pytest.raises(ValidationError, match="尚可分配 0.00 元"):
        make_allocation(personas.county_admin, funds.source, funds.project_x, "0.01")
    with pytest.raises(IntegrityError), transaction.atomic():
        FundSource.objects.filter(pk=funds.source.pk).update(amount=Decimal("99999.99"))


def test_a_source_cannot_be_cut_below_what_it_has_allocated(personas, funds):
    source = FundSource.objects.get(pk=funds.source.pk)
    source.amount = Decimal("90000.00")
    with pytest.raises(ValidationError, match="不能少于已分配金额"):
        services.source_save(actor=personas.county_admin, source=source)


def test_a_project_in_reserve_gets_no_money(personas, areas):
    source = make_source(personas.county_admin)
    project = make_project(personas.township_a, [areas.village_x], stage="reserve")
    with pytest.raises(ValidationError, match="尚未批准"):
        make_allocation(personas.county_admin, source, project)


def test_allocations_for_household_measures_fund_each_up_to_its_amount(personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    first = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    second = Measure.objects.create(household=households.y, year=2024, category=category, content="雨露计划补助", amount=1500)
    source = make_source(personas.county_admin, "10000.00", level="provincial")
    allocation = services.allocation_create(
        actor=personas.county_admin, source=source, target="measures", measures=[first, second], day=date(2024, 5, 1)
    )
    assert allocation.amount == Decimal("4500.00")
    assert allocation.area == households.x.village.parent  # two villages of township A
    with pytest.raises(ValidationError, match="尚可分配 0.00 元"):
        services.allocation_create(actor=personas.county_admin, source=source, target="measures", measures=[first], day=date(2024, 5, 1))
    payment = record(personas.township_a, allocation, "3000.00", measure=first, payee="张建国", day=date(2024, 5, 2))
    assert payment.measure == first
    assert ledger_mismatches() == []


def test_check_ledger_names_a_total_that_disagrees_with_its_entries(personas, funds):
    record(personas.township_a, funds.allocation_x, "100.00")
    Allocation.objects.filter(pk=funds.allocation_x.pk).update(pending_total=Decimal("99.00"))
    FundSource.objects.filter(pk=funds.source.pk).update(allocated_total=Decimal("90000.00"))
    problems = ledger_mismatches()
    assert len(problems) == 2
    assert f"资金分配 #{funds.allocation_x.pk}" in problems[1] and "待确认 99.00 元" in problems[1] and "待确认 100.00 元" in problems[1]
    assert f"资金来源 #{funds.source.pk}" in problems[0] and "100,000.00" in problems[0]
