"""Sums and flags for the measures and monitoring sections of the household
page, computed from the lists the page already holds (no queries)."""

from decimal import Decimal

from django import template

from ..models import MeasureStatus

register = template.Library()


@register.simple_tag
def measure_summary(measures) -> dict:
    """Counts by status and amounts (total, 已落实, not yet done) of some measures."""
    summary = {"count": 0, "planned": 0, "in_progress": 0, "done": 0,
               "amount": Decimal("0.00"), "done_amount": Decimal("0.00"), "open_amount": Decimal("0.00")}
    for measure in measures:
        summary["count"] += 1
        summary[measure.status] = summary.get(measure.status, 0) + 1
        amount = measure.amount or Decimal("0.00")
        summary["amount"] += amount
        summary["done_amount" if measure.status == MeasureStatus.DONE else "open_amount"] += amount
    return summary


@register.filter
def monitoring_overdue(monitoring, today) -> bool:
    """Decided after the deadline, or undecided with the deadline passed on ``today``."""
    if today is None:
        return False
    return monitoring.overdue_on(today)


@register.filter
def open_case(monitorings):
    """The household's monitoring case still open (in identification, or
    identified with the risk not yet eliminated), if any."""
    return next((m for m in monitorings if m.is_open), None)


@register.filter
def monitoring_step_url(monitoring, user=None) -> str:
    """The page taking the case's next identification step (村, 乡镇 or 县),
    or the village page for a case whose identification is over; given a
    user, "" when the step belongs to another level than theirs (its page
    would refuse them)."""
    from django.urls import reverse

    from ..services.monitoring import STEP_ACTION

    following = monitoring.next_stage
    level = STEP_ACTION[following] if following else "village_review"
    if user is not None and not user.can(level):
        return ""
    name = {"village_review": "monitoring_step", "township_review": "monitoring_township", "county_review": "monitoring_county"}[level]
    return reverse(f"households:{name}", args=[monitoring.pk])
