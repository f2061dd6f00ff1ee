"""Allocate, correct, cancel, disburse, confirm, return, withdraw and
reverse in any order, by several users: after every step the invariants hold, the running totals agree with
a model kept here, and check_ledger finds nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from funds import services
from funds.models import Allocation, Disbursement, DisbursementStatus, FundSource
from funds.selectors import ledger_mismatches
from tests.funds.conftest import make_project, make_source

pytestmark = pytest.mark.django_db

AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700.00"), places=2)
DAY = date(2024, 6, 1)


class FundsMachine(RuleBasedStateMachine):
    """Each example runs inside a savepoint rolled back at teardown."""

    ctx = None  # set by the test: personas and two approved projects

    allocations = Bundle("allocations")
    entries = Bundle("entries")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.users = [self.ctx.personas.county_admin, self.ctx.second_admin, self.ctx.personas.township_a]
        self.source = make_source(self.ctx.personas.county_admin, "2000.00")
        # The model: what each allocation and entry should hold.
        self.allocated = Decimal("0.00")
        self.model: dict[int, dict] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def nothing_yet(self):
        assert ledger_mismatches() == []

    @rule(target=allocations, amount=AMOUNTS, to_x=st.booleans())
    def allocate(self, amount, to_x):
        project = self.ctx.project_x if to_x else self.ctx.project_y
        try:
            allocation = services.allocation_create(
                actor=self.users[0], source=self.source, target="project", project=project, amount=amount, day=DAY
            )
        except ValidationError:
            assert self.allocated + amount > Decimal("2000.00")
            return None
        assert self.allocated + amount <= Decimal("2000.00")
        self.allocated += amount
        self.model[allocation.pk] = {
            "amount": amount, "confirmed": Decimal("0.00"), "pending": Decimal("0.00"), "cancelled": False,
        }
        return allocation

    @rule(target=entries, allocation=allocations, amount=AMOUNTS, who=st.integers(0, 2))
    def disburse(self, allocation, amount, who):
        if allocation is None:
            return None
        state = self.model[allocation.pk]
        try:
            entry, _ = services.disbursement_record(
                actor=self.users[who], allocation=allocation, amount=amount, day=DAY, payee="收款人", voucher_number="记"
            )
        except ValidationError:
            assert state["cancelled"] or state["confirmed"] + state["pending"] + amount > state["amount"]
            return None
        assert not state["cancelled"] and state["confirmed"] + state["pending"] + amount <= state["amount"]
        state["pending"] += amount
        return entry

    @rule(entry=entries, who=st.integers(0, 2))
    def confirm(self, entry, who):
        if entry is None:
            return
        current = Disbursement.objects.get(pk=entry.pk)
        try:
            services.disbursement_confirm(actor=self.users[who], disbursement=entry)
        except PermissionDenied:
            assert who == 2  # township staff never confirm
            return
        except ValidationError:
            assert current.status != DisbursementStatus.PENDING or current.recorded_by_id == self.users[who].pk
            return
        assert current.status == DisbursementStatus.PENDING and current.recorded_by_id != self.users[who].pk
        state = self.model[current.allocation_id]
        state["confirmed"] += current.amount
        if not current.is_reversal:
            state["pending"] -= current.amount

    @rule(entry=entries, who=st.integers(0, 1))
    def reject(self, entry, who):
        if entry is None:
            return
        current = Disbursement.objects.get(pk=entry.pk)
        try:
            services.disbursement_reject(actor=self.users[who], disbursement=entry, reason="凭证不全")
        except ValidationError:
            assert current.status != DisbursementStatus.PENDING or current.recorded_by_id == self.users[who].pk
            return
        if not current.is_reversal:
            self.model[current.allocation_id]["pending"] -= current.amount

    @rule(target=entries, entry=entries, who=st.integers(0, 2))
    def reverse(self, entry, who):
        if entry is None:
            return None
        current = Disbursement.objects.get(pk=entry.pk)
        try:
            return services.disbursement_reverse(actor=self.users[who], disbursement=entry, reason="金额有误", day=DAY)
        except ValidationError:
            already = current.reversals.filter(status__in=["pending", "confirmed"]).exists()
            assert current.status != DisbursementStatus.CONFIRMED or current.is_reversal or already
            return None

    @rule(entry=entries, who=st.integers(0, 2))
    def withdraw(self, entry, who):
        if entry is None:
            return
        current = Disbursement.objects.get(pk=entry.pk)
        try:
            services.disbursement_withdraw(actor=self.users[who], disbursement=entry)
        except PermissionDenied:
            assert current.recorded_by_id != self.users[who].pk
            return
        except ValidationError:
            assert current.status != DisbursementStatus.PENDING
            return
        assert current.status == DisbursementStatus.PENDING and current.recorded_by_id == self.users[who].pk
        if not current.is_reversal:
            self.model[current.allocation_id]["pending"] -= current.amount

    @rule(allocation=allocations, amount=AMOUNTS)
    def correct(self, allocation, amount):
        if allocation is None:
            return
        state = self.model[allocation.pk]
        try:
            services.allocation_update(actor=self.users[0], allocation=allocation, amount=amount, day=DAY)
        except ValidationError:
            assert (state["cancelled"] or amount < state["confirmed"] + state["pending"]
                    or self.allocated - state["amount"] + amount > Decimal("2000.00"))
            return
        assert not state["cancelled"]
        self.allocated += amount - state["amount"]
        state["amount"] = amount

    @rule(allocation=allocations)
    def cancel(self, allocation):
        if allocation is None:
            return
        state = self.model[allocation.pk]
        awaiting = Disbursement.objects.filter(allocation=allocation, status=DisbursementStatus.PENDING).exists()
        try:
            services.allocation_cancel(actor=self.users[0], allocation=allocation, reason="重复分配")
        except ValidationError:
            assert state["cancelled"] or state["confirmed"] or awaiting
            return
        assert not (state["cancelled"] or state["confirmed"] or awaiting)
        state["cancelled"] = True
        self.allocated -= state["amount"]

    @invariant()
    def books_agree(self):
        source = FundSource.objects.get(pk=self.source.pk)
        assert source.allocated_total == self.allocated <= source.amount
        for allocation in Allocation.objects.filter(source=source):
            state = self.model[allocation.pk]
            assert (allocation.confirmed_total, allocation.pending_total) == (state["confirmed"], state["pending"])
            assert Decimal("0.00") <= allocation.confirmed_total
            assert allocation.confirmed_total + allocation.pending_total <= allocation.amount
        assert ledger_mismatches() == []


def test_any_sequence_of_money_changes_keeps_the_books(personas, areas, second_admin):
    FundsMachine.ctx = type(
        "Ctx", (), dict(
            personas=personas, second_admin=second_admin,
            project_x=make_project(personas.county_admin, [areas.village_x]),
            project_y=make_project(personas.county_admin, [areas.village_y], name="李家湾村饮水"),
        ),
    )
    run_state_machine_as_test(
        FundsMachine,
        settings=settings(
            max_examples=30, stateful_step_count=20, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
