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
