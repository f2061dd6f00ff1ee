"""Reading 防返贫监测 cases: one case, the list and its totals, and when
identification is overdue.

The list page and the 监测台账 export call the same functions, so a ledger
can never show a row, or apply a filter, the page would not.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ..filters import MONITORING_SORTS, MONITORING_STATES, MonitoringFilter
from ..models import MONITORING_DECIDED, Monitoring


def monitoring_overdue_days(today: date | None = None) -> int:
    """The identification deadline in force this year (年度标准, default 15)."""
    from .income import standard_in_force

    return standard_in_force(year=(today or timezone.localdate()).year).monitoring_deadline_days


def monitoring_overdue_cutoff(today: date | None = None) -> date:
    """Undecided cases first signalled before this day are overdue today."""
    return (today or timezone.localdate()) - timedelta(days=monitoring_overdue_days(today))


def monitoring_overdue_q(today: date | None = None) -> Q:
    """Overdue: the 县级审定 came after the deadline (首次信号 + the year's
    days), or has not come and the deadline has passed. Eliminated or not,
    a late identification stays late on record."""
    today = today or timezone.localdate()
    undecided = Q(decided_on__isnull=True) & ~Q(stage__in=MONITORING_DECIDED)
    return (undecided & Q(due_date__lt=today)) | Q(decided_on__gt=F("due_date"))


def monitoring_filterset(
    *, actor: User, filters: dict | None, action: str = "view", today: date | None = None
) -> MonitoringFilter:
    """The monitoring list's bound filters (its form renders the filter bar);
    ``overdue`` as on ``today``."""
    return MonitoringFilter(
        filters or None, queryset=restrict(Monitoring, actor, action), actor=actor, overdue=monitoring_overdue_q(today)
    )


def monitoring_list(
    *, actor: User, filters: dict | None = None, action: str = "view", today: date | None = None,
    filterset: MonitoringFilter | None = None,
) -> QuerySet[Monitoring]:
    """Monitoring cases in the actor's area matching ``filters`` (state =
    identifying/open/closed/not_identified, stage, object_type, signal_kind,
    overdue, township, village, q, sort); each row carries ``is_overdue``
    (see ``monitoring_overdue_q``). A page that also renders the filter bar
    passes its ``filterset``."""
    filterset = filterset or monitoring_filterset(actor=actor, filters=filters, action=action, today=today)
    overdue = monitoring_overdue_q(today)
    cases = (
        filterset.qs.select_related("household", "household__village", "household__village__parent")
        .annotate(is_overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    return cases.order_by(*MONITORING_SORTS.get(filterset.chosen.get("sort", ""), MONITORING_SORTS["-signal"]))


def monitoring_totals(cases: QuerySet[Monitoring], today: date | None = None) -> dict:
    """Counts of a monitoring list by state, and the overdue ones (one query)."""
    return cases.order_by().aggregate(
        count=Count("pk"),
        **{state: Count("pk", filter=condition) for state, condition in MONITORING_STATES.items()},
        overdue=Count("pk", filter=monitoring_overdue_q(today)),
    )


def monitoring_get(*, actor: User, pk: int, action: str = "view") -> Monitoring:
    """One case in the actor's area for ``action``, else 404."""
    cases = Monitoring.objects.select_related("household", "household__village", "household__village__parent")
    return get_object_or_404(restrict(cases, actor, action), pk=pk)
