"""Reading funds, always scoped to the actor.

Lists, ledgers, Excel files and PDFs of the same thing call the same
function here, so they can never disagree about scope or filters. Ledger
figures are database aggregates over the allocations' running totals: a
ledger page costs the same few queries for ten allocations or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.db.models.lookups import LessThan
from django.shortcuts import get_object_or_404
from django_filters import FilterSet

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from .filters import AllocationFilter, DisbursementFilter, MeasureFundingFilter, ProjectFilter, SourceFilter
from .models import (
    MONEY,
    ZERO,
    Allocation,
    AllocationMeasure,
    AllocationStatus,
    AllocationTarget,
    Disbursement,
    DisbursementStatus,
    FundSource,
    Project,
)

MONEY_FIELD = DecimalField(**MONEY)
# Cancelled allocations stay on record but count in no total.
ACTIVE = Q(status=AllocationStatus.ACTIVE)
RATE_FIELD = DecimalField(max_digits=7, decimal_places=2)


def _money(expression: Expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=MONEY_FIELD)


def _filtered(filterset_class: type[FilterSet], queryset: QuerySet, actor: User, filters: dict | None) -> QuerySet:
    return filterset_class(filters or {}, queryset, actor=actor).qs


def _with_balance(totals: dict) -> dict:
    """Balance and execution rate of summed totals."""
    totals["balance"] = totals["allocated"] - totals["disbursed"]
    totals["rate"] = (totals["disbursed"] * 100 / totals["allocated"]).quantize(Decimal("0.01")) if totals["allocated"] else None
    return totals


def _rate(done: str, total: str) -> Case:
    """Execution rate in percent, two places (资金执行率 = 已拨付 ÷ 已分配)."""
    return Case(
        When(**{f"{total}__gt": 0}, then=ExpressionWrapper(F(done) * Value(Decimal("100")) / F(total), output_field=RATE_FIELD)),
        default=Value(None),
        output_field=RATE_FIELD,
    )


# --- sources -------------------------------------------------------------------


def source_list(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[FundSource]:
    """Fund sources in the actor's area with what is allocated, confirmed
    disbursed, pending and left of each."""
    sums = Allocation.objects.filter(source=OuterRef("pk")).order_by().values("source")
    sources = (
        restrict(FundSource, actor, action)
        .select_related("area")
        .annotate(
            disbursed=_money(Subquery(sums.annotate(t=Sum("confirmed_total")).values("t"))),
            pending=_money(Subquery(sums.annotate(t=Sum("pending_total")).values("t"))),
        )
        .annotate(
            left=ExpressionWrapper(F("amount") - F("allocated_total"), output_field=MONEY_FIELD),
            rate=_rate("disbursed", "allocated_total"),
        )
    )
    return _filtered(SourceFilter, sources, actor, filters).order_by("-year", "level", "pk")


def source_get(*, actor: User, pk: int, action: str = "view") -> FundSource:
    return get_object_or_404(source_list(actor=actor, action=action), pk=pk)


def source_totals(sources: QuerySet[FundSource]) -> dict:
    return sources.aggregate(
        amount=_money(Sum("amount")), allocated=_money(Sum("allocated_total")),
    )


# --- projects ------------------------------------------------------------------


def project_list(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[Project]:
    """Projects in the actor's area (by their own area: a project of two
    townships belongs to the county), with their funds so far."""
    sums = Allocation.objects.filter(ACTIVE, project=OuterRef("pk")).order_by().values("project")
    projects = (
        restrict(Project, actor, action)
        .select_related("area", "area__parent")
        .annotate(
            allocated=_money(Subquery(sums.annotate(t=Sum("amount")).values("t"))),
            disbursed=_money(Subquery(sums.annotate(t=Sum("confirmed_total")).values("t"))),
            pending=_money(Subquery(sums.annotate(t=Sum("pending_total")).values("t"))),
        )
        .annotate(
            balance=ExpressionWrapper(F("allocated") - F("disbursed"), output_field=MONEY_FIELD),
            rate=_rate("disbursed", "allocated"),
        )
    )
    return _filtered(ProjectFilter, projects, actor, filters).order_by("-year", "area__code", "pk")


def project_get(*, actor: User, pk: int, action: str = "view") -> Project:
    return get_object_or_404(project_list(actor=actor, action=action).prefetch_related("villages"), pk=pk)


def project_totals(projects: QuerySet[Project]) -> dict:
    """Budget of the projects and the sums of their allocations (summing
    the per-project subquery annotations themselves is unreliable on SQLite)."""
    counted = projects.order_by().aggregate(rows=Count("pk"), budget=_money(Sum("budget")))
    funded = Allocation.objects.filter(ACTIVE, project__in=projects.order_by().values("pk"))
    totals = funded.aggregate(
        allocated=_money(Sum("amount")), disbursed=_money(Sum("confirmed_total")), pending=_money(Sum("pending_total"))
    )
    return _with_balance({**counted, **totals})


# --- allocations ---------------------------------------------------------------


def _allocations(actor: User, action: str) -> QuerySet[Allocation]:
    return (
        restrict(Allocation, actor, action)
        .select_related("source", "project", "village", "area", "area__parent")
        .annotate(
            balance_amount=ExpressionWrapper(F("amount") - F("confirmed_total"), output_field=MONEY_FIELD),
            rate=_rate("confirmed_total", "amount"),
        )
    )


def allocation_list(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[Allocation]:
    """Allocations in the actor's area with balance and execution rate,
    cancelled ones included (``status`` filters them)."""
    return _filtered(AllocationFilter, _allocations(actor, action), actor, filters).order_by("-date", "-pk")


def allocation_get(*, actor: User, pk: int, action: str = "view") -> Allocation:
    return get_object_or_404(_allocations(actor, action), pk=pk)


def allocation_totals(allocations: QuerySet[Allocation], rows_per: str = "pk") -> dict:
    """Sums of a (filtered) allocation list in one query, cancelled
    allocations left out, with the number of ledger rows they make (one per
    allocation, or per distinct ``rows_per``), so a ledger page needs no
    separate count."""
    totals = allocations.filter(ACTIVE).aggregate(
        rows=Count(rows_per, distinct=rows_per != "pk"),
        allocated=_money(Sum("amount")), disbursed=_money(Sum("confirmed_total")), pending=_money(Sum("pending_total")),
    )
    return _with_balance(totals)


# --- disbursements -------------------------------------------------------------


def disbursement_list(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[Disbursement]:
    """Disbursements of allocations in the actor's area (``status=pending``
    is the checker's queue)."""
    disbursements = restrict(Disbursement, actor, action).select_related(
        "allocation", "allocation__source", "allocation__project", "allocation__village", "allocation__area",
        "recorded_by", "checked_by", "reversal_of", "measure", "measure__household",
    )
    return _filtered(DisbursementFilter, disbursements, actor, filters).order_by("-date", "-pk")


def disbursement_get(*, actor: User, pk: int, action: str = "view", own: bool = False) -> Disbursement:
    """One disbursement in the actor's area; with ``own``, only one the
    actor recorded (what its maker alone may act on)."""
    disbursements = disbursement_list(actor=actor, action=action)
    if own:
        disbursements = disbursements.filter(recorded_by=actor)
    return get_object_or_404(disbursements, pk=pk)


def disbursement_totals(disbursements: QuerySet[Disbursement]) -> dict:
    return disbursements.aggregate(
        confirmed=_money(Sum("amount", filter=Q(status=DisbursementStatus.CONFIRMED))),
        pending=_money(Sum("amount", filter=Q(status=DisbursementStatus.PENDING, reversal_of__isnull=True))),
    )


# --- the fund ledger (资金台账) -------------------------------------------------

# Each way of reading the ledger: what its rows are grouped by and the
# columns naming a row.
LEDGER_GROUPS = {
    "source": ("资金来源", ["source_id", "source__year", "source__level", "source__name", "source__document_number", "source__amount"]),
    "project": ("项目", ["project_id", "project__year", "project__name", "project__project_type", "project__stage", "area__name"]),
    "area": ("区划", ["area_id", "area__code", "area__name", "area__level", "area__parent__name"]),
    "allocation": ("资金分配", None),
}


def ledger_rows(*, actor: User, by: str, filters: dict | None = None, action: str = "view") -> QuerySet:
    """The fund ledger grouped ``by`` source, project, area (village, or
    township for projects of several villages) or allocation: allocated,
    confirmed disbursed, pending, balance and execution rate per row, all
    computed by the database."""
    allocations = allocation_list(actor=actor, filters=filters, action=action).filter(ACTIVE)
    if by == "allocation":
        return allocations.annotate(allocated=F("amount"), disbursed=F("confirmed_total"), pending=F("pending_total"))
    if by not in LEDGER_GROUPS:
        raise ValueError(f"unknown ledger grouping {by!r}")
    keys = LEDGER_GROUPS[by][1]
    rows = allocations
    if by == "project":
        rows = rows.filter(project__isnull=False)
    rows = (
        rows.order_by()
        .values(*keys)
        .annotate(
            allocated=_money(Sum("amount")), disbursed=_money(Sum("confirmed_total")), pending=_money(Sum("pending_total")),
        )
        .annotate(
            balance=ExpressionWrapper(F("allocated") - F("disbursed"), output_field=MONEY_FIELD),
            rate=_rate("disbursed", "allocated"),
        )
    )
    order = {"source": ["-source__year", "source__level", "source_id"], "project": ["-project__year", "area__name", "project_id"],
             "area": ["area__code"]}[by]
    return rows.order_by(*order)


def measure_ledger(*, actor: User, filters: dict | None = None, action: str = "view") -> QuerySet[AllocationMeasure]:
    """Per household measure: the share each allocation gives it and what
    has been paid for it (confirmed disbursements naming the measure). Rows
    run by village, then allocation, newest first: keys of the share and its
    allocation, so a page reads only its own measures and households."""
    paid = (
        Disbursement.objects.filter(
            allocation=OuterRef("allocation"), measure=OuterRef("measure"), status=DisbursementStatus.CONFIRMED
        )
        .order_by()
        .values("measure")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    pending = (
        Disbursement.objects.filter(
            allocation=OuterRef("allocation"), measure=OuterRef("measure"), status=DisbursementStatus.PENDING,
            reversal_of__isnull=True,
        )
        .order_by()
        .values("measure")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    shares = (
        restrict(AllocationMeasure, actor, action)
        .filter(allocation__status=AllocationStatus.ACTIVE)
        .select_related("measure__household", "measure__category", "village", "allocation__source")
        # What a ledger row shows: a household has forty columns, a row needs two.
        .only(
            "amount", "allocation__source__name", "village__name", "measure__year", "measure__content",
            "measure__category__name", "measure__household__head_name", "measure__household__number",
        )
        .annotate(disbursed=_money(Subquery(paid)), pending=_money(Subquery(pending)))
        .annotate(
            balance=ExpressionWrapper(F("amount") - F("disbursed"), output_field=MONEY_FIELD),
            rate=_rate("disbursed", "amount"),
        )
    )
    return _filtered(MeasureFundingFilter, shares, actor, filters).order_by(
        "village__code", "-allocation__date", "-allocation_id", "pk"
    )


def measure_ledger_totals(shares: QuerySet[AllocationMeasure]) -> dict:
    """Sums of the per-measure ledger: the shares, and the disbursements
    naming one of those measures under its allocation."""
    counted = shares.order_by().aggregate(rows=Count("pk"), allocated=_money(Sum("amount")))
    pairs = shares.order_by().filter(allocation=OuterRef("allocation"), measure=OuterRef("measure"))
    # Only entries naming a measure can match: read by the measure index, not the whole table.
    paid = Disbursement.objects.filter(Exists(pairs), measure__isnull=False).aggregate(
        disbursed=_money(Sum("amount", filter=Q(status=DisbursementStatus.CONFIRMED))),
        pending=_money(Sum("amount", filter=Q(status=DisbursementStatus.PENDING, reversal_of__isnull=True))),
    )
    return _with_balance({**counted, **paid})


# --- where a household measure's money came from --------------------------------


@dataclass(frozen=True)
class Funding:
    source_name: str
    level: str
    document_number: str
    amount: Decimal

    def __str__(self) -> str:
        return f"{self.source_name}（{self.level}）{self.amount:,.2f} 元"


def measure_funding(measure_ids: Iterable[int | None]) -> dict[int, list[Funding]]:
    """For each measure, the sources funding it with their shares (one
    query, for the household page and the 明白卡; the measures themselves
    were read through the household's scope)."""
    from .models import FundLevel

    ids = [i for i in measure_ids if i is not None]
    if not ids:
        return {}
    levels = dict(FundLevel.choices)
    funding: dict[int, list[Funding]] = {}
    rows = (
        AllocationMeasure.objects.filter(measure_id__in=ids, allocation__status=AllocationStatus.ACTIVE)
        .order_by("allocation__date", "pk")
        .values_list("measure_id", "allocation__source__name", "allocation__source__level", "allocation__source__document_number", "amount")
    )
    for measure_id, name, level, document, amount in rows:
        funding.setdefault(measure_id, []).append(Funding(name, levels.get(level, level), document, amount))
    return funding


# --- check_ledger ----------------------------------------------------------------


def _exact(expression: Expression) -> Round:
    """A sum rounded to the fen, so SQLite's floating-point sums compare
    equal to the stored totals (PostgreSQL's numeric sums already are exact)."""
    return Round(_money(expression), 2, output_field=MONEY_FIELD)


def ledger_mismatches() -> list[str]:
    """Every running total recomputed from the entries, and every rule the
    entries must obey, over the whole database: one line per wrong row
    (empty when the books agree). Each check is one GROUP BY over its
    entries (a join, never a subquery per row): four or five queries
    whatever the size."""
    return _source_mismatches() + _allocation_mismatches() + _reversal_mismatches()


def _source_mismatches() -> list[str]:
    sources = (
        FundSource.objects.annotate(computed=_exact(Sum("allocations__amount", filter=Q(allocations__status=AllocationStatus.ACTIVE))))
        .filter(~Q(allocated_total=F("computed")) | Q(computed__gt=F("amount")))
        .values("pk", "name", "amount", "allocated_total", "computed")
        .order_by("pk")
    )
    return [
        f"资金来源 #{s['pk']}「{s['name']}」：记录已分配 {s['allocated_total']:,.2f} 元，"
        f"按分配明细应为 {s['computed']:,.2f} 元（下达 {s['amount']:,.2f} 元）"
        for s in sources
    ]


def _allocation_mismatches() -> list[str]:
    """Confirmed and pending totals against the disbursements, and a
    measures allocation's amount against its shares, in one line per
    allocation wrong in either way."""
    paid = Allocation.objects.annotate(
        computed_confirmed=_exact(Sum("disbursements__amount", filter=Q(disbursements__status=DisbursementStatus.CONFIRMED))),
        computed_pending=_exact(Sum("disbursements__amount", filter=Q(
            disbursements__status=DisbursementStatus.PENDING, disbursements__reversal_of__isnull=True
        ))),
    ).values("pk", "amount", "target", "confirmed_total", "pending_total", "computed_confirmed", "computed_pending")
    wrong_paid = paid.filter(
        ~Q(confirmed_total=F("computed_confirmed"))
        | ~Q(pending_total=F("computed_pending"))
        | Q(computed_confirmed__lt=0)
        | Q(LessThan(Round(F("amount") - F("computed_confirmed") - F("computed_pending"), 2), 0))
    )
    wrong_shares = dict(
        Allocation.objects.filter(target=AllocationTarget.MEASURES)
        .annotate(shares=Round(Sum("measure_shares__amount"), 2, output_field=MONEY_FIELD))
        .filter(Q(shares__isnull=True) | ~Q(shares=F("amount")))
        .values_list("pk", "shares")
    )
    rows = {a["pk"]: a for a in wrong_paid.order_by()}
    missing = set(wrong_shares) - set(rows)
    if missing:
        rows.update((a["pk"], a) for a in paid.filter(pk__in=missing).order_by())
    problems = []
    for pk in sorted(rows):
        a = rows[pk]
        line = (
            f"资金分配 #{pk}：分配 {a['amount']:,.2f} 元；记录已拨付 {a['confirmed_total']:,.2f} 元、待确认 {a['pending_total']:,.2f} 元，"
            f"按拨付明细应为已拨付 {a['computed_confirmed']:,.2f} 元、待确认 {a['computed_pending']:,.2f} 元"
        )
        if pk in wrong_shares:
            line += f"；各措施金额合计 {wrong_shares[pk] or ZERO:,.2f} 元"
        problems.append(line)
    return problems


def _reversal_mismatches() -> list[str]:
    reversals = Disbursement.objects.filter(reversal_of__isnull=False).filter(
        ~Q(amount=-F("reversal_of__amount"))
        | ~Q(reversal_of__status=DisbursementStatus.CONFIRMED)
        | ~Q(allocation=F("reversal_of__allocation"))
    )
    return [
        f"冲销 #{r['pk']}：金额 {r['amount']:,.2f} 元，与所冲销的拨付 #{r['reversal_of']}（{r['reversal_of__amount']:,.2f} 元，"
        f"须为已确认且属同一分配）不相抵"
        for r in reversals.values("pk", "amount", "reversal_of", "reversal_of__amount").order_by("pk")
    ]
