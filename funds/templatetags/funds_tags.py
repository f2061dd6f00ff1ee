"""Money formatting and, for the household page and the 明白卡, where each
measure's money came from (one query for all the measures shown)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from ..selectors import measure_funding

register = template.Library()


@register.filter
def money(value) -> str:
    """12,345.60 (blank when there is no amount)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{Decimal(value):.2f}%"


@register.simple_tag
def funding_for(measures) -> dict:
    """{measure id: [Funding, ...]} for the given measures (or cards: their
    measures), read in one query."""
    ids = []
    for item in measures or []:
        if hasattr(item, "measures"):  # a 明白卡
            ids.extend(m.pk for m in item.measures)
        else:
            ids.append(item.pk)
    return measure_funding(ids)


@register.filter
def funded_by(funding: dict, measure_id) -> str:
    """The sources of one measure, as printed: 中央财政衔接资金（中央财政专项）3,000.00 元；…"""
    if not funding:
        return ""
    return "；".join(str(f) for f in funding.get(measure_id, []))


@register.filter
def param(query, name: str) -> str:
    """One query-string value, '' when absent (for the filter bar)."""
    return query.get(name, "")


@register.filter
def level_label(value) -> str:
    from ..models import FundLevel

    return dict(FundLevel.choices).get(value, value)


@register.filter
def area_level_label(value) -> str:
    return {"county": "县本级", "township": "乡镇本级", "village": "村"}.get(value, value)
