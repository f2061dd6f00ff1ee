"""Reading incomes (收入测算) and the per-year lines (年度标准).

The household page, the 收入测算 ledger and the 明白卡 read incomes through
here, so they show the same group totals and the same comparison with the
year's lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from povertyrelief.permissions import restrict

from ..filters import IncomeFilter
from ..models import INCOME_GROUPS, AnnualStandard, Income

# The province whose lines apply; a setting so another province's county can
# run the system without a code change.
DEFAULT_PROVINCE = AnnualStandard._meta.get_field("province").default


def county_province() -> str:
    return getattr(settings, "POVERTY_RELIEF_PROVINCE", DEFAULT_PROVINCE)


def standards_by_year(*, province: str | None = None) -> dict[int, AnnualStandard]:
    """Every year's lines and coefficients for the province (one small query)."""
    return {s.year: s for s in AnnualStandard.objects.filter(province=province or county_province())}


def standard_in_force(*, year: int, province: str | None = None) -> AnnualStandard:
    """The rules that apply in ``year``: that year's standard, else the latest
    earlier one, else the defaults domain.md gives (an unsaved row)."""
    found = (
        AnnualStandard.objects.filter(year__lte=year, province=province or county_province()).order_by("-year").first()
    )
    return found or AnnualStandard(year=year)


def standard_for(*, year: int, province: str | None = None) -> AnnualStandard | None:
    return AnnualStandard.objects.filter(year=year, province=province or county_province()).first()


def standard_list() -> QuerySet[AnnualStandard]:
    """All provinces' lines, newest year first (county-wide; no area)."""
    return AnnualStandard.objects.order_by("-year", "province")


def income_get(*, actor, pk: int, action: str = "view") -> Income:
    return get_object_or_404(
        restrict(Income, actor, action).select_related("household", "household__village", "household__village__parent"),
        pk=pk,
    )


def income_list(*, actor, filters: dict) -> QuerySet[Income]:
    """收入测算 inside the actor's area, for the ledger.

    Filters: ``year``, ``township`` / ``village`` (pk), ``q`` (户编号 or 户主)."""
    incomes = IncomeFilter(filters, queryset=restrict(Income, actor), actor=actor).qs
    incomes = incomes.select_related("household", "household__village", "household__village__parent")
    return incomes.order_by("household__village__code", "household__number", "-year")


def line_comparison(amount: Decimal, line: Decimal | None) -> dict | None:
    """How a per-capita income stands against a line: above (strictly, as the
    exit criterion requires), and by how much."""
    if line is None:
        return None
    return {"line": line, "above": amount > line, "gap": abs(amount - line)}


def income_rows(*, incomes: Iterable[Income], standards: dict[int, AnnualStandard]) -> list[Income]:
    """The incomes, each given (without queries) ``group_totals`` — the four
    income groups as (label, amount) — ``standard``, ``poverty`` and
    ``monitoring`` (see ``line_comparison``)."""
    rows = []
    for income in incomes:
        standard = standards.get(income.year)
        income.group_totals = [(group, income.group_total(group)) for group in INCOME_GROUPS]
        income.standard = standard
        income.poverty = line_comparison(income.net_income_per_capita, standard.poverty_line if standard else None)
        income.monitoring = line_comparison(income.net_income_per_capita, standard.monitoring_line if standard else None)
        rows.append(income)
    return rows
