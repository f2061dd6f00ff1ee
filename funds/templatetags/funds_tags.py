"""Money formatting and, for the household page and the 明白卡, where each
measure's money came from (one query for all the measures shown)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django import template
from django.utils.safestring import mark_safe

from povertyrelief.forms import option_tags
from povertyrelief.templatetags.pr_tags import money

from ..models import FundLevel
from ..selectors import measure_funding

register = template.Library()
LEVELS = dict(FundLevel.choices)


# The funds pages load only this library: the shared money format with it.
register.filter("money", money)


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{Decimal(value):.2f}%"


@register.simple_tag
def money_cells(row, allocated: str = "allocated", disbursed: str = "disbursed", pending: str = "pending", balance: str = "balance"):
    """The five figures every ledger row ends with (已分配, 已拨付, 待确认,
    结余, 执行率) as table cells, read from a grouped row (a dict) or an
    object; rendered here rather than by an include per row, which cost
    more than the row's query."""
    get = row.get if isinstance(row, dict) else (lambda key: getattr(row, key, None))
    # Formatted numbers only: nothing to escape.
    cells = [money(get(key)) for key in (allocated, disbursed, pending, balance)] + [percent(get("rate"))]
    return mark_safe("".join(f'<td class="text-end">{cell}</td>' for cell in cells))


@register.simple_tag
def filter_select(name: str, label: str, options, selected) -> str:
    """One drop-down of a filter bar, its options marked and escaped in
    Python (a county's village list is a few hundred options); ``selected``
    None marks none."""
    rendered = option_tags(options, selected)
    return mark_safe(
        f'<div class="col-6 col-md-3 col-xl-2"><select class="form-select form-select-sm" name="{escape(str(name))}" '
        f'aria-label="{escape(str(label))}">{rendered}</select></div>'
    )


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
    return LEVELS.get(value, value)


@register.filter
def area_level_label(value) -> str:
    return {"county": "县本级", "township": "乡镇本级", "village": "村"}.get(value, value)
