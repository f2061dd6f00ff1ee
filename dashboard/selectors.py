"""The battle map of an area (挂图作战) and the data-quality finder, read
through the apps' figure providers and quality rules (povertyrelief.dashboard).

``area_map`` sums each provider's per-area figures into the area's townships
(county map) or villages (township map), adds the quality rules' counts and
the annual targets, and keeps the result in the cache: every query is a
grouped aggregate, so a county of 150,000 households costs the same number
of queries as a village. The figures of an area are the same for everyone
who may open its map, so they are cached per area and year; they are
recomputed when the audit log shows a change (after a quiet period), when
they are older than ``MAX_AGE``, or on request, and the page says when they
were computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from auditlog.models import LogEntry
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from povertyrelief.dashboard import (
    EXIT_HOUSEHOLDS,
    EXIT_PEOPLE,
    EXIT_VILLAGES,
    Breakdown,
    Figure,
    MapScope,
    QualityRule,
    apply_ratios,
    providers,
    quality_rules,
    ratio,
)
from povertyrelief.permissions import restrict
from villages.models import Area, AreaLevel

from .models import AnnualTarget

# Figures are recomputed at the latest after this many seconds …
MAX_AGE = 600
# … and, after a change, not before this many (a busy office saving every
# few seconds would otherwise recompute the county on every view).
QUIET = 30
QUALITY = Figure("quality_issues", "数据质量问题", headline=True, alert=True, help="数据质量规则查出的记录数")
OWN = "own"


@dataclass
class AreaRow:
    """One township or village of the map (or the area's own level: 本级)."""

    area: Area | None
    label: str
    values: dict


@dataclass
class TargetRow:
    township: Area
    target: AnnualTarget | None
    households: int
    people: int
    villages: int

    @property
    def households_percent(self):
        return ratio(self.households, self.target.households) if self.target else None

    @property
    def people_percent(self):
        return ratio(self.people, self.target.people) if self.target else None

    @property
    def villages_percent(self):
        return ratio(self.villages, self.target.villages) if self.target else None


@dataclass
class AreaMap:
    area: Area
    year: int
    today: date
    computed_at: datetime
    figures: list[Figure]
    groups: list[tuple[str, list[Figure]]]
    rows: list[AreaRow]
    total: dict
    breakdowns: list[Breakdown]
    quality: list[dict]
    targets: list[TargetRow]
    villages_done_label: str
    stamp: int | None = None
    stale: bool = field(default=False)

    @property
    def child_level(self) -> str | None:
        return {AreaLevel.COUNTY: "乡镇", AreaLevel.TOWNSHIP: "村"}.get(self.area.level)

    @property
    def headline(self) -> list[Figure]:
        return [f for f in self.figures if f.headline]

    @property
    def charted(self) -> list[Figure]:
        return [f for f in self.figures if f.chart]

    @property
    def days_left(self) -> int | None:
        """Days left in the map's year; None once it is over."""
        if self.year < self.today.year:
            return None
        return (date(self.year, 12, 31) - self.today).days

    @property
    def target_total(self) -> TargetRow | None:
        rows = [row for row in self.targets if row.target is not None]
        if not rows:
            return None
        total = AnnualTarget(
            year=self.year, households=sum(r.target.households for r in rows), people=sum(r.target.people for r in rows),
            villages=sum(r.target.villages for r in rows),
        )
        return TargetRow(self.area, total, sum(r.households for r in rows), sum(r.people for r in rows),
                         sum(r.villages for r in rows))


def _stamp() -> int | None:
    """The latest audit entry: every audited change to a record moves it."""
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()


def _max_age() -> int:
    return getattr(settings, "DASHBOARD_MAX_AGE", MAX_AGE)


def area_map(*, actor, area: Area, year: int, today: date | None = None, refresh: bool = False) -> AreaMap:
    """The map of ``area`` (inside the actor's area: the caller checked),
    from the cache when still fresh."""
    today = today or timezone.localdate()
    stamp = _stamp()
    key = f"dashboard:map:{area.pk}:{area.code}:{year}:{today.isoformat()}"
    cached = None if refresh else cache.get(key)
    if cached is not None:
        age = (timezone.now() - cached.computed_at).total_seconds()
        if age < _max_age() and (cached.stamp == stamp or age < getattr(settings, "DASHBOARD_QUIET", QUIET)):
            cached.stale = cached.stamp != stamp
            return cached
    result = area_map_compute(actor=actor, area=area, year=year, today=today)
    result.stamp = stamp
    cache.set(key, result, _max_age())
    return result


def _tree(scope: MapScope) -> tuple[list[Area], dict[int, object]]:
    """The rows of the map (townships of a county, villages of a township)
    and, for every area inside, the row its figures go to."""
    areas = list(scope.rows(Area, "").order_by("code"))
    children = [a for a in areas if a.parent_id == scope.area.pk]
    bucket: dict[int, object] = {scope.area.pk: OWN}
    for child in children:
        bucket[child.pk] = child.pk
    for area in areas:
        if area.pk not in bucket:
            bucket[area.pk] = bucket.get(area.parent_id, OWN)
    return children, bucket


def _add(into: dict, values: dict) -> None:
    for key, value in values.items():
        if value is not None:
            into[key] = into.get(key, 0) + value


def area_map_compute(*, actor, area: Area, year: int, today: date | None = None) -> AreaMap:
    """Compute the map (no cache): each provider's figures by area, summed
    into the rows, with the quality counts, breakdowns and targets."""
    scope = MapScope(actor=actor, area=area, year=year, today=today or timezone.localdate())
    children, bucket = _tree(scope)
    sums: dict[object, dict] = {child.pk: {} for child in children}
    sums[OWN] = {}
    found = providers()
    figures: list[Figure] = []
    groups: list[tuple[str, list[Figure]]] = []
    for provider in found:
        figures.extend(provider.figures)
        groups.append((provider.title, list(provider.figures)))
        for area_id, values in provider.by_area(scope).items():
            if area_id in bucket:
                _add(sums[bucket[area_id]], values)
    quality = _quality_counts(scope, bucket, sums)
    figures.append(QUALITY)
    groups.append(("数据质量", [QUALITY]))
    total: dict = {}
    for values in sums.values():
        _add(total, values)
    rows = [AreaRow(child, child.name, _complete(figures, sums[child.pk])) for child in children]
    if children and any(sums[OWN].values()):
        rows.append(AreaRow(None, f"{area.name}本级", _complete(figures, sums[OWN])))
    breakdowns = [b for provider in found for b in provider.breakdowns(scope)]
    keys = {f.key for f in figures}
    villages_key = EXIT_VILLAGES if EXIT_VILLAGES in keys else "villages_below_line"
    return AreaMap(
        area=area, year=year, today=scope.today, computed_at=timezone.now(), figures=figures, groups=groups, rows=rows,
        total=_complete(figures, total), breakdowns=breakdowns, quality=quality,
        targets=_targets(scope, rows, total, villages_key),
        villages_done_label="已退出" if villages_key == EXIT_VILLAGES else "贫困发生率已达退出标准",
    )


def _complete(figures: list[Figure], values: dict) -> dict:
    for figure in figures:
        if figure.ratio is None:
            values.setdefault(figure.key, 0)
    return apply_ratios(figures, values)


def _quality_counts(scope: MapScope, bucket: dict, sums: dict) -> list[dict]:
    """Each rule's flagged records, one grouped count per rule."""
    counts = []
    for rule in quality_rules():
        total = 0
        grouped = rule.flagged(scope).order_by().values(rule.area_path).annotate(n=Count("pk", distinct=True))
        for row in grouped:
            target = bucket.get(row[rule.area_path])
            if target is None:
                continue
            sums[target]["quality_issues"] = sums[target].get("quality_issues", 0) + row["n"]
            total += row["n"]
        counts.append({"code": rule.code, "title": rule.title, "group": rule.group, "count": total})
    return counts


def _targets(scope: MapScope, rows: list[AreaRow], total: dict, villages_key: str) -> list[TargetRow]:
    """Each township's target for the year against its exits (a township's
    map: its own; a village's map: none, targets are per township)."""
    if scope.area.level == AreaLevel.VILLAGE:
        return []
    targets = {
        t.township_id: t for t in restrict(AnnualTarget, scope.actor).filter(year=scope.year, township__code__startswith=scope.prefix)
    }
    if scope.area.level == AreaLevel.TOWNSHIP:
        done = [(scope.area, total)]
    else:
        done = [(row.area, row.values) for row in rows if row.area is not None]
    return [
        TargetRow(township, targets.get(township.pk), values.get(EXIT_HOUSEHOLDS, 0), values.get(EXIT_PEOPLE, 0),
                  values.get(villages_key, 0))
        for township, values in done
    ]


# --- the finder ------------------------------------------------------------------


def quality_scope(*, actor, area: Area, today: date | None = None) -> MapScope:
    today = today or timezone.localdate()
    return MapScope(actor=actor, area=area, year=today.year, today=today)


def quality_summary(*, scope: MapScope) -> list[tuple[QualityRule, int]]:
    """Every rule with its count of flagged records in the area (one count per rule, live)."""
    return [(rule, rule.flagged(scope).order_by().values("pk").distinct().count()) for rule in quality_rules()]


def quality_records(*, scope: MapScope, rule: QualityRule) -> QuerySet:
    return rule.records(scope)


def map_area_get(*, actor, code: str) -> Area:
    """The area of a map or finder, inside the actor's area (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(restrict(Area, actor).select_related("parent", "parent__parent"), code=code)


def map_breadcrumbs(*, actor, area: Area) -> list[Area]:
    """The area's ancestors the actor may open, from the top down."""
    chain = []
    current = area.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    reachable = set(restrict(Area, actor).filter(pk__in=[a.pk for a in chain]).values_list("pk", flat=True))
    return [a for a in reversed(chain) if a.pk in reachable]
