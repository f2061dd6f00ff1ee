"""Correcting and cancelling an allocation: never below what is paid out of
it, never past its source, never deleted; a cancelled one stays on record
and counts in no total."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from funds import selectors, services
from funds.models import Allocation, AllocationStatus, FundSource
from funds.selectors import ledger_mismatches
from tests.funds.conftest import ISSUED, make_allocation, make_project, make_source, record, refreshed

pytestmark = pytest.mark.django_db


def update(actor, allocation, amount=None, day=ISSUED, **extra):
    return services.allocation_update(
        actor=actor, allocation=allocation, amount=None if amount is None else Decimal(amount), day=day, **extra
    )


def test_raising_an_allocation_takes_more_of_its_source(personas, funds):
    update(personas.county_admin, funds.allocation_x, "30000.00", document_number=" 秦财农〔2024〕9号 ", purpose="追加")
    allocation = refreshed(funds.allocation_x)
    assert (allocation.amount, allocation.document_number, allocation.purpose) == (Decimal("30000.00"), "秦财农〔2024〕9号", "追加")
    assert refreshed(funds.source).allocated_total == Decimal("80000.00")
    entry = LogEntry.objects.get_for_object(allocation).order_by("-pk").first()
    assert entry.actor == personas.county_admin and "amount" in entry.changes_dict
    assert ledger_mismatches() == []


def test_an_allocation_never_takes_more_than_its_source_has_left(personas, funds):
    with pytest.raises(ValidationError, match="这笔最多可分配 50,000.00 元"):
        update(personas.county_admin, funds.allocation_x, "50000.01")
    assert refreshed(funds.allocation_x).amount == Decimal("50000.00")
    assert refreshed(funds.source).allocated_total == Decimal("100000.00")


def test_an_allocation_never_drops_below_what_is_paid_or_pending(personas, second_admin, funds):
    paid = record(personas.township_a, funds.allocation_x, "3000.00")
    services.disbursement_confirm(actor=second_admin, disbursement=paid)
    record(personas.township_a, funds.allocation_x, "2000.00")
    with pytest.raises(ValidationError, match="分配金额不能少于 5,000.00 元"):
        update(personas.county_admin, funds.allocation_x, "4999.99")
    update(personas.county_admin, funds.allocation_x, "5000.00")
    assert refreshed(funds.allocation_x).available == Decimal("0.00")
    assert refreshed(funds.source).allocated_total == Decimal("55000.00")
    assert ledger_mismatches() == []


def test_the_date_stays_between_the_source_and_the_first_disbursement(personas, funds):
    record(personas.township_a, funds.allocation_x, "100.00", day=date(2024, 4, 1))
    with pytest.raises(ValidationError, match="不能晚于第一笔拨付的日期 2024-04-01"):
        update(personas.county_admin, funds.allocation_x, day=date(2024, 4, 2))
    with pytest.raises(ValidationError, match="不能早于资金下达日期"):
        update(personas.county_admin, funds.allocation_x, day=date(2024, 2, 29))
    update(personas.county_admin, funds.allocation_x, day=date(2024, 4, 1))
    assert refreshed(funds.allocation_x).date == date(2024, 4, 1)


def test_a_measure_allocation_keeps_the_sum_of_its_shares(personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    measure = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    source = make_source(personas.county_admin, "10000.00")
    allocation = services.allocation_create(
        actor=personas.county_admin, source=source, target="measures", measures=[measure], day=date(2024, 5, 1)
    )
    with pytest.raises(ValidationError, match="各措施金额之和"):
        update(personas.county_admin, allocation, "2000.00", day=date(2024, 5, 1))
    update(personas.county_admin, allocation, None, day=date(2024, 5, 2), purpose="秋季学期")
    assert (refreshed(allocation).amount, refreshed(allocation).purpose) == (Decimal("3000.00"), "秋季学期")


def test_only_a_county_administrator_corrects_or_cancels(personas, funds):
    with pytest.raises(PermissionDenied):
        update(personas.township_a, funds.allocation_x, "100.00")
    with pytest.raises(PermissionDenied):
        services.allocation_cancel(actor=personas.township_a, allocation=funds.allocation_x, reason="重复")


def test_cancelling_keeps_the_row_and_gives_the_money_back(personas, areas, funds):
    services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason=" 重复分配 ")
    allocation = refreshed(funds.allocation_x)
    assert allocation.status == AllocationStatus.CANCELLED and allocation.cancel_reason == "重复分配"
    assert (allocation.cancelled_by, allocation.amount) == (personas.county_admin, Decimal("50000.00"))
    assert refreshed(funds.source).allocated_total == Decimal("50000.00")
    assert LogEntry.objects.get_for_object(allocation).filter(changes__icontains="cancelled").exists()
    assert ledger_mismatches() == []
    # It counts nowhere, and its amount can be allocated again.
    admin = personas.county_admin
    assert selectors.allocation_totals(selectors.allocation_list(actor=admin))["allocated"] == Decimal("50000.00")
    project = selectors.project_list(actor=admin).get(pk=funds.project_x.pk)
    assert project.allocated == Decimal("0.00")
    assert selectors.project_totals(selectors.project_list(actor=admin))["allocated"] == Decimal("50000.00")
    assert [row["allocated"] for row in selectors.ledger_rows(actor=admin, by="source")] == [Decimal("50000.00")]
    assert [a.pk for a in selectors.ledger_rows(actor=admin, by="allocation")] == [funds.allocation_z.pk]
    make_allocation(admin, funds.source, funds.project_x, "50000.00")
    # Still listed (with its status), and found by the status filter.
    listed = selectors.allocation_list(actor=admin, filters={"status": "cancelled"})
    assert [a.pk for a in listed] == [allocation.pk]


def test_nothing_is_paid_out_of_a_cancelled_allocation_and_it_is_not_cancelled_twice(personas, funds):
    services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="重复分配")
    with pytest.raises(ValidationError, match="已撤销，不能再拨付"):
        record(personas.township_a, funds.allocation_x)
    with pytest.raises(ValidationError, match="已撤销"):
        services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="再撤")
    with pytest.raises(ValidationError, match="已撤销，不能修改"):
        update(personas.county_admin, funds.allocation_x, "10.00")


def test_an_allocation_with_money_paid_or_pending_is_not_cancelled(personas, second_admin, funds):
    with pytest.raises(ValidationError, match="撤销原因"):
        services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason=" ")
    entry = record(personas.township_a, funds.allocation_x, "800.00")
    with pytest.raises(ValidationError, match="待确认的请退回或撤回"):
        services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="重复")
    services.disbursement_confirm(actor=second_admin, disbursement=entry)
    with pytest.raises(ValidationError, match="已确认的拨付请先冲销"):
        services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="重复")
    reversal = services.disbursement_reverse(actor=personas.township_a, disbursement=entry, reason="付错项目", day=date(2024, 4, 2))
    with pytest.raises(ValidationError):  # the reversal awaits its checker
        services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="重复")
    services.disbursement_confirm(actor=second_admin, disbursement=reversal)
    services.allocation_cancel(actor=personas.county_admin, allocation=funds.allocation_x, reason="付错项目，整笔撤销")
    assert refreshed(funds.allocation_x).status == AllocationStatus.CANCELLED
    assert ledger_mismatches() == []


def test_the_database_refuses_a_cancelled_allocation_still_holding_money(personas, funds):
    record(personas.township_a, funds.allocation_x, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=funds.allocation_x.pk).update(
            status="cancelled", cancelled_by=personas.county_admin, cancelled_at="2024-05-01T00:00:00Z", cancel_reason="x"
        )


def test_a_cancelled_measure_allocation_frees_the_measure_for_another(personas, households):
    from households.models import Measure, MeasureCategory

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    measure = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    source = make_source(personas.county_admin, "10000.00", level="provincial", name="省级雨露计划资金")
    first = services.allocation_create(
        actor=personas.county_admin, source=source, target="measures", measures=[measure], day=date(2024, 5, 1)
    )
    services.allocation_cancel(actor=personas.county_admin, allocation=first, reason="来源选错")
    assert selectors.measure_funding([measure.pk]) == {}
    assert not selectors.measure_ledger(actor=personas.county_admin).exists()
    services.allocation_create(actor=personas.county_admin, source=source, target="measures", measures=[measure], day=date(2024, 5, 2))
    assert [f.amount for f in selectors.measure_funding([measure.pk])[measure.pk]] == [Decimal("3000.00")]
    assert FundSource.objects.get(pk=source.pk).allocated_total == Decimal("3000.00")
    assert ledger_mismatches() == []


def test_a_project_allocation_edit_is_seen_in_the_project_ledger(personas, areas, funds):
    project = make_project(personas.county_admin, [areas.village_y], name="李家湾村饮水")
    allocation = make_allocation(personas.county_admin, make_source(personas.county_admin, "9000.00"), project, "9000.00")
    update(personas.county_admin, allocation, "6000.00")
    row = selectors.project_list(actor=personas.county_admin).get(pk=project.pk)
    assert (row.allocated, row.balance) == (Decimal("6000.00"), Decimal("6000.00"))


def test_an_accepted_projects_allocation_is_lowered_but_never_raised(personas, areas, funds):
    project = make_project(personas.county_admin, [areas.village_y], name="李家湾村饮水")
    source = make_source(personas.county_admin, "9000.00")
    allocation = make_allocation(personas.county_admin, source, project, "5000.00")
    for _ in range(3):  # 实施, 完工, 验收
        services.project_advance(actor=personas.county_admin, project=project, day=ISSUED)
    assert refreshed(project).stage == "accepted"
    with pytest.raises(ValidationError, match="项目已验收，不能再增加分配金额"):
        update(personas.county_admin, allocation, "5000.01")
    update(personas.county_admin, allocation, "4000.00")
    assert refreshed(source).allocated_total == Decimal("4000.00")
