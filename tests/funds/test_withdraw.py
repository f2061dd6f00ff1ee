"""撤回: the maker takes back their own entry before it is checked; it stays
on record as 已撤回 and holds nothing of the allocation."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from funds import selectors, services
from funds.models import Disbursement, DisbursementStatus
from funds.selectors import ledger_mismatches
from tests.funds.conftest import record, refreshed

pytestmark = pytest.mark.django_db


def test_the_maker_withdraws_a_pending_entry_and_it_stays_on_record(personas, funds):
    entry = record(personas.township_a, funds.allocation_x, "1500.00")
    record(personas.township_a, funds.allocation_x, "200.00")
    services.disbursement_withdraw(actor=personas.township_a, disbursement=entry, reason=" 金额录错 ")
    entry = refreshed(entry)
    assert (entry.status, entry.reason, entry.checked_by) == (DisbursementStatus.WITHDRAWN, "金额录错", None)
    assert entry.withdrawn_at is not None
    assert refreshed(funds.allocation_x).pending_total == Decimal("200.00")
    assert Disbursement.objects.filter(pk=entry.pk).exists()
    assert LogEntry.objects.get_for_object(entry).filter(actor=personas.township_a, changes__icontains="withdrawn").exists()
    totals = selectors.disbursement_totals(selectors.disbursement_list(actor=personas.township_a))
    assert (totals["confirmed"], totals["pending"]) == (Decimal("0.00"), Decimal("200.00"))
    assert ledger_mismatches() == []


def test_no_one_else_withdraws_it(personas, second_admin, funds):
    entry = record(personas.county_admin, funds.allocation_x)
    for other in (second_admin, personas.township_a):
        with pytest.raises(PermissionDenied, match="只能撤回自己录入的拨付"):
            services.disbursement_withdraw(actor=other, disbursement=entry)
    with pytest.raises(PermissionDenied):
        services.disbursement_withdraw(actor=personas.outsider, disbursement=entry)  # another township's allocation
    assert refreshed(entry).status == DisbursementStatus.PENDING


def test_a_checked_entry_is_not_withdrawn_and_a_withdrawn_one_is_not_checked(personas, second_admin, funds):
    confirmed = record(personas.township_a, funds.allocation_x, "100.00")
    services.disbursement_confirm(actor=second_admin, disbursement=confirmed)
    with pytest.raises(ValidationError, match="该笔拨付已确认，不能再撤回"):
        services.disbursement_withdraw(actor=personas.township_a, disbursement=confirmed)
    withdrawn = record(personas.township_a, funds.allocation_x, "100.00")
    services.disbursement_withdraw(actor=personas.township_a, disbursement=withdrawn)
    with pytest.raises(ValidationError, match="该笔拨付已撤回，不能再确认"):
        services.disbursement_confirm(actor=second_admin, disbursement=withdrawn)
    with pytest.raises(ValidationError, match="不能再退回"):
        services.disbursement_reject(actor=second_admin, disbursement=withdrawn, reason="x")
    with pytest.raises(ValidationError, match="不能再撤回"):
        services.disbursement_withdraw(actor=personas.township_a, disbursement=withdrawn)
    allocation = refreshed(funds.allocation_x)
    assert (allocation.confirmed_total, allocation.pending_total) == (Decimal("100.00"), Decimal("0.00"))
    assert ledger_mismatches() == []


def test_a_withdrawn_reversal_lets_the_payment_be_reversed_again(personas, second_admin, funds):
    paid = record(personas.township_a, funds.allocation_x, "900.00")
    services.disbursement_confirm(actor=second_admin, disbursement=paid)
    reversal = services.disbursement_reverse(actor=personas.township_a, disbursement=paid, reason="凭证有误", day=date(2024, 4, 2))
    services.disbursement_withdraw(actor=personas.township_a, disbursement=reversal, reason="原凭证无误")
    assert refreshed(reversal).reason == "凭证有误；撤回：原凭证无误"
    assert refreshed(funds.allocation_x).confirmed_total == Decimal("900.00")
    again = services.disbursement_reverse(actor=personas.township_a, disbursement=paid, reason="确需冲销", day=date(2024, 4, 3))
    services.disbursement_confirm(actor=second_admin, disbursement=again)
    assert refreshed(funds.allocation_x).confirmed_total == Decimal("0.00")
    assert ledger_mismatches() == []


def test_the_database_refuses_a_withdrawn_row_with_a_checker_or_without_a_time(personas, second_admin, funds):
    entry = record(personas.township_a, funds.allocation_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).update(status="withdrawn")
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=entry.pk).update(
            status="withdrawn", withdrawn_at="2024-05-01T00:00:00Z", checked_by=second_admin
        )
