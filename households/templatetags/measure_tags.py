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
def monitoring_overdue(monitoring, cutoff) -> bool:
    """Open and identified before ``cutoff`` (today minus the year's deadline)."""
    if monitoring.risk_eliminated or cutoff is None:
        return False
    return monitoring.risk_identified_date < cutoff


@register.filter
def open_case(monitorings):
    """The household's monitoring case whose risk is not yet eliminated, if any."""
    return next((m for m in monitorings if not m.risk_eliminated), None)
