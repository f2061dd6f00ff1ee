"""Two transactions in separate connections race to overspend one
allocation, and one source: exactly one wins, the books still agree.

PostgreSQL only: SQLite has no row locks (it serialises whole writes)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from funds import services
from funds.models import Allocation, Disbursement, FundSource
from funds.selectors import ledger_mismatches
from tests.funds.conftest import make_allocation, make_project, make_source

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run each call in its own thread (its own connection), all released at
    once; returns each one's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is the result
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_disbursements_race_for_one_allocation_and_only_one_fits(personas, areas, second_admin):
    assert connection.vendor == "postgresql"
    source = make_source(personas.county_admin, "100000.00")
    project = make_project(personas.county_admin, [areas.village_x])
    allocation = make_allocation(personas.county_admin, source, project, "1000.00")

    def pay(user, voucher):
        return lambda: services.disbursement_record(
            actor=user, allocation=allocation, amount=Decimal("600.00"), day=date(2024, 4, 1), payee="施工单位", voucher_number=voucher
        )

    results = race(pay(personas.township_a, "记-1"), pay(personas.county_admin, "记-2"))

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert "超出分配余额" in str(errors[0])
    assert Disbursement.objects.count() == 1
    assert Allocation.objects.get(pk=allocation.pk).pending_total == Decimal("600.00")
    assert ledger_mismatches() == []


def test_two_allocations_race_for_one_source_and_only_one_fits(personas, areas):
    source = make_source(personas.county_admin, "1000.00")
    project = make_project(personas.county_admin, [areas.village_x])
    other = make_project(personas.county_admin, [areas.village_z], name="王家坪村产业路")

    def allocate(target):
        return lambda: make_allocation(personas.county_admin, source, target, "600.00")

    results = race(allocate(project), allocate(other))

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert Allocation.objects.count() == 1
    assert FundSource.objects.get(pk=source.pk).allocated_total == Decimal("600.00")
    assert ledger_mismatches() == []


def test_the_database_refuses_to_delete_or_edit_a_confirmed_disbursement(personas, areas, second_admin):
    from django.db import InternalError, transaction

    source = make_source(personas.county_admin)
    allocation = make_allocation(personas.county_admin, source, make_project(personas.county_admin, [areas.village_x]))
    entry, _ = services.disbursement_record(
        actor=personas.township_a, allocation=allocation, amount=Decimal("10.00"), day=date(2024, 4, 1), payee="x", voucher_number="1"
    )
    services.disbursement_confirm(actor=second_admin, disbursement=entry)
    with pytest.raises(InternalError, match="不能删除"), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).delete()
    with pytest.raises(InternalError, match="不能修改"), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).update(amount=Decimal("9.00"))
    assert Disbursement.objects.get(pk=entry.pk).amount == Decimal("10.00")
