"""挂图作战 and the data-quality finder: what each app contributes.

The battle map (``dashboard`` app) knows no domain model. Each app adds its
figures in its own ``dashboard`` module and its rules in its own ``quality``
module, both imported once, the way ``exports`` modules are
(``autodiscover_modules``):

- a **figure provider** (``@register_provider`` on a ``FigureProvider``
  subclass) returns additive figures keyed by the area a record belongs to
  (a village, or the township or county itself for a county-level fund), one
  database aggregate per kind of record; the map sums them into townships or
  villages and computes rates after summing. It may also return small
  ``Breakdown`` tables of the whole area (measures by category, trend by
  year), each drawn as a chart and printed as a table;
- a **quality rule** (``@quality_rule(...)`` on a small function) narrows a
  queryset, already restricted to the user and the area, to the records that
  break the rule; the finder lists them with a Chinese explanation and a link
  to each record, and the map counts them per area.

Well-known figure keys let providers meet on the map: ``exit_households``
and ``exit_people`` (the registry's exits of the map's year, by 脱贫状态 and
脱贫年度) and ``exit_villages`` (the exit procedure's villages announced
that year) are set against the townships' annual targets. A rule registered
again with ``replace=True`` replaces an earlier one of the same code.

This module imports no domain app except ``villages``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, ClassVar

from django.db.models import QuerySet
from django.utils.module_loading import autodiscover_modules

from .permissions import area_code_prefix, restrict

INT = "int"
MONEY = "money"
PERCENT = "percent"
KINDS = (INT, MONEY, PERCENT)

# Figures the map sets against the townships' annual targets.
EXIT_HOUSEHOLDS = "exit_households"
EXIT_PEOPLE = "exit_people"
EXIT_VILLAGES = "exit_villages"

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    """One column of the map's table by township or village.

    ``ratio`` figures are not summed: they are 100 × numerator ÷ denominator
    of the summed figures they name. ``headline`` figures become the cards
    at the top of the map, ``chart`` ones a bar chart by township or village;
    ``alert`` figures are problems to bring down to zero."""

    key: str
    label: str
    kind: str = INT
    ratio: tuple[str, str] | None = None
    headline: bool = False
    chart: bool = False
    alert: bool = False
    help: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown figure kind {self.kind!r}")


@dataclass
class Breakdown:
    """A small table of the whole area (rows of ``(label, values)``), drawn
    as a ``bar``, ``stacked`` bar or ``line`` chart of ``chart_columns``."""

    key: str
    title: str
    label: str
    columns: list[Figure]
    rows: list[tuple[str, dict]]
    chart: str = "bar"
    chart_columns: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self):
        # Ratios of each row after its own sums, as on the map's table.
        for _, values in self.rows:
            apply_ratios(self.columns, values)

    @property
    def plotted(self) -> list[Figure]:
        if self.chart_columns:
            return [c for key in self.chart_columns for c in self.columns if c.key == key]
        return [c for c in self.columns if c.ratio is None]


def ratio(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """100 × numerator ÷ denominator to two places; None without a denominator."""
    if not denominator:
        return None
    return (Decimal(numerator or 0) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def apply_ratios(figures: list[Figure], values: dict) -> dict:
    for figure in figures:
        if figure.ratio is not None:
            values[figure.key] = ratio(values.get(figure.ratio[0]), values.get(figure.ratio[1]))
    return values


@dataclass(frozen=True)
class MapScope:
    """Whose map of which area for which year. ``rows`` is the one way a
    provider or a rule reads records: restricted to the actor (404 rules),
    then to the area."""

    actor: Any
    area: Any
    year: int
    today: date

    @property
    def prefix(self) -> str:
        return area_code_prefix(self.area)

    @property
    def year_end(self) -> date:
        return date(self.year, 12, 31)

    def rows(self, queryset, path: str) -> QuerySet:
        """``queryset`` (or a model) restricted to the actor and narrowed to
        the area; ``path`` leads from a row to its area (``"village"``,
        ``"household__village"``, ``"allocation__area"``)."""
        rows = restrict(queryset, self.actor, "view")
        if not path:  # the areas themselves
            return rows.filter(pk=self.area.pk) if self.area.level == "village" else rows.filter(code__startswith=self.prefix)
        if self.area.level == "village":
            return rows.filter(**{path: self.area.pk})
        return rows.filter(**{f"{path}__code__startswith": self.prefix})


class FigureProvider:
    """An app's figures on the map. Subclasses set ``key``, ``title``,
    ``figures`` and implement ``by_area`` (and ``breakdowns``)."""

    key: ClassVar[str]
    title: ClassVar[str]
    order: ClassVar[int] = 100
    figures: ClassVar[list[Figure]] = []

    def by_area(self, scope: MapScope) -> dict[int, dict[str, Number]]:
        """Additive figures keyed by area id: a constant number of grouped
        database aggregates, never a loop over records."""
        return {}

    def breakdowns(self, scope: MapScope) -> list[Breakdown]:
        return []


@dataclass(frozen=True)
class QualityRule:
    """One data-quality rule: ``find(rows, scope)`` narrows the scoped rows
    of ``model`` to those breaking it. ``detail(record)`` says what is wrong
    with one record (from fields ``find`` selected or annotated), and the
    record's ``get_absolute_url()`` is where to fix it."""

    code: str
    title: str
    explanation: str
    model: type
    area_path: str
    find: Callable[[QuerySet, MapScope], QuerySet]
    detail: Callable[[Any], str]
    label: Callable[[Any], str] = str
    related: tuple[str, ...] = ()
    group: str = ""
    order: int = 100

    def flagged(self, scope: MapScope) -> QuerySet:
        return self.find(scope.rows(self.model, self.area_path), scope)

    def records(self, scope: MapScope) -> QuerySet:
        """The flagged records with their areas, in a stable order for paging."""
        related = (self.area_path, f"{self.area_path}__parent", *self.related)
        return self.flagged(scope).select_related(*related).order_by(f"{self.area_path}__code", "pk")


_PROVIDERS: dict[str, type[FigureProvider]] = {}
_RULES: dict[str, QualityRule] = {}
_discovered = False


def register_provider(cls: type[FigureProvider]) -> type[FigureProvider]:
    """Class decorator: put an app's figures on the map."""
    existing = _PROVIDERS.get(cls.key)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"figure provider {cls.key} registered twice")
    _PROVIDERS[cls.key] = cls
    return cls


def quality_rule(
    code: str,
    title: str,
    *,
    model: type,
    area_path: str,
    explanation: str,
    detail: Callable[[Any], str],
    label: Callable[[Any], str] = str,
    related: tuple[str, ...] = (),
    group: str = "",
    order: int = 100,
    replace: bool = False,
):
    """Decorator: register ``function(rows, scope) -> rows breaking the rule``."""

    def decorate(function):
        existing = _RULES.get(code)
        if existing is not None and not replace and existing.find.__qualname__ != function.__qualname__:
            raise ValueError(f"quality rule {code} registered twice")
        _RULES[code] = QualityRule(
            code=code, title=title, explanation=explanation, model=model, area_path=area_path, find=function,
            detail=detail, label=label, related=related, group=group, order=order,
        )
        return function

    return decorate


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("dashboard", "quality")
        _discovered = True


def providers() -> list[FigureProvider]:
    """Every app's figure provider, in map order."""
    _discover()
    return [cls() for cls in sorted(_PROVIDERS.values(), key=lambda cls: (cls.order, cls.key))]


def quality_rules() -> list[QualityRule]:
    """Every app's quality rules, in finder order."""
    _discover()
    return sorted(_RULES.values(), key=lambda rule: (rule.order, rule.code))


def quality_rule_get(code: str) -> QualityRule | None:
    _discover()
    return _RULES.get(code)
