"""python manage.py check_ledger: silent books pass, a wrong total is named
and the command exits 1."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from funds.models import Allocation
from tests.funds.conftest import record

pytestmark = pytest.mark.django_db


def test_books_that_agree_exit_0(personas, funds):
    record(personas.township_a, funds.allocation_x, "250.00")
    out = StringIO()
    call_command("check_ledger", stdout=out)
    assert "资金台账一致：资金来源 1 个，资金分配 2 笔，拨付 1 笔" in out.getvalue()


def test_a_total_that_disagrees_is_named_and_exits_1(personas, funds):
    record(personas.township_a, funds.allocation_x, "250.00")
    Allocation.objects.filter(pk=funds.allocation_z.pk).update(confirmed_total=Decimal("1.00"))
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_ledger", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert f"资金分配 #{funds.allocation_z.pk}" in out.getvalue()
    assert f"资金分配 #{funds.allocation_x.pk}" not in out.getvalue()
    assert "不一致：1 条" in err.getvalue()


def test_a_measure_share_that_disagrees_is_named_once_with_the_allocations_other_figures(personas, households, funds):
    from datetime import date

    from households.models import Measure, MeasureCategory

    from funds import services
    from funds.models import AllocationMeasure
    from funds.selectors import ledger_mismatches
    from tests.funds.conftest import make_source

    category = MeasureCategory.objects.get(group="教育扶贫", name="雨露计划")
    measure = Measure.objects.create(household=households.x, year=2024, category=category, content="雨露计划补助", amount=3000)
    allocation = services.allocation_create(
        actor=personas.county_admin, source=make_source(personas.county_admin, "5000.00"), target="measures", measures=[measure],
        day=date(2024, 5, 1),
    )
    AllocationMeasure.objects.filter(allocation=allocation).update(amount=Decimal("2999.00"))
    (line,) = ledger_mismatches()
    assert line.startswith(f"资金分配 #{allocation.pk}：分配 3,000.00 元；记录已拨付 0.00 元") and line.endswith("各措施金额合计 2,999.00 元")
    # Wrong in both ways: still one line.
    Allocation.objects.filter(pk=allocation.pk).update(pending_total=Decimal("5.00"))
    (line,) = ledger_mismatches()
    assert "待确认 5.00 元" in line and line.endswith("各措施金额合计 2,999.00 元")
