from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from povertyrelief.dashboard import MONEY, PERCENT

register = template.Library()


@register.filter
def figure(values: dict, column) -> str:
    """A figure of a row, formatted by its kind: 1,234 / 1,234.50 / 2.35%."""
    value = values.get(column.key) if isinstance(values, dict) else values
    return format_figure(value, column.kind)


def format_figure(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == PERCENT:
        return f"{Decimal(value):.2f}%"
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    return intcomma(int(value))


@register.filter
def percent_width(value) -> str:
    """A progress bar's width: 0–100, as CSS wants it."""
    if value is None:
        return "0"
    return f"{min(Decimal(value), Decimal(100)):.0f}"


@register.filter
def item(mapping: dict, key):
    return mapping.get(key) if mapping else None
