"""The battle map of an area (挂图作战) and the data-quality finder, read
through the apps' figure providers and quality rules (povertyrelief.dashboard).

``area_map_compute`` sums each provider's per-area figures into the area's
townships (county map) or villages (township map), adds the quality rules'
counts and the annual targets: every query is a grouped aggregate, so a
county of 150,000 households costs the same number of queries as a village
(about a second of database work at that size). The figures of an area are
the same for everyone who may open its map, so ``area_map`` keeps them per
area and year in a ``MapSnapshot`` that every page view reads in one query,
and has the task worker recompute it when the audit log shows a change, a
day has passed or it is older than ``FRESH_FOR``; the page says when the
figures were computed and whether newer ones are on their way. The first
map of an area and year is the worker's too (the page says it is being
computed), unless ``manage.py refresh_map`` stored it beforehand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from auditlog.models import LogEntry
from django.conf import settings
from django.db import IntegrityError, connection, transaction
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
from povertyrelief.models import Role, User
from povertyrelief.permissions import area_code_prefix, restrict
from villages.models import Area, AreaLevel

from . import snapshots
from .models import AnnualTarget, MapSnapshot

# Figures older than this are recomputed even without an audited change
# (imports write in bulk) …
FRESH_FOR = 600
# … by the task worker; one it has not delivered after this long is
# computed in the request instead.
WORKER_GRACE = 300
# The worker recomputes one map at most this often: while staff keep writing
# (every audited change makes every map stale) a county map of 600,000
# households (6 s) would otherwise be recomputed back to back.
MIN_INTERVAL = 60
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
    def households_percent(self) -> Decimal | None:
        return ratio(self.households, self.target.households) if self.target else None

    @property
    def people_percent(self) -> Decimal | None:
        return ratio(self.people, self.target.people) if self.target else None

    @property
    def villages_percent(self) -> Decimal | None:
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


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=getattr(settings, name, default))


def area_map(
    *, actor: User, area: Area, year: int, today: date | None = None, refresh: bool = False, wait: bool = True,
) -> AreaMap | None:
    """The map of ``area`` (inside the actor's area: the caller checked).

    Read from its snapshot; when the audit log has moved on since, a day has
    passed or it is older than ``FRESH_FOR``, the snapshot is shown marked
    stale and the task worker recomputes it. Computed here on request, when
    the worker has not delivered within ``WORKER_GRACE``, or when there is no
    snapshot yet and the caller waits for one; the page does not wait
    (``wait=False``): it asks the worker and gets None until the first
    snapshot is stored (``refresh_map`` precomputes them)."""
    today = today or timezone.localdate()
    stamp = _stamp()
    snapshot = MapSnapshot.objects.filter(area=area, year=year).first()
    data = snapshots.load(snapshot.data, area) if snapshot is not None else None
    if data is not None and _layout_changed(data):
        data = None
    if refresh or (data is None and wait):
        return _store(actor=actor, area=area, year=year, today=today, stamp=stamp)
    now = timezone.now()
    if snapshot is None:
        snapshot = _placeholder(area=area, year=year, today=today, now=now)
    elif data is not None and snapshot.stamp == stamp and snapshot.computed_on == today and (
        now - snapshot.computed_at < _seconds("DASHBOARD_FRESH_FOR", FRESH_FOR)
    ):
        return data
    requested = snapshot.refresh_requested_at
    if requested is not None and now - requested > _seconds("DASHBOARD_WORKER_GRACE", WORKER_GRACE):
        return _store(actor=actor, area=area, year=year, today=today, stamp=stamp)
    if data is not None:
        data.stale = True
    done = _ask_worker(actor=actor, snapshot=snapshot, now=now)
    # A task backend that runs at once (tests, development) has refreshed it already.
    return (snapshots.load(done.data, area) or data) if done is not None else data


def _placeholder(*, area: Area, year: int, today: date, now: datetime) -> MapSnapshot:
    """An empty snapshot row (no figures) standing for the first computation
    while the worker does it, so it is asked for once, not on every view."""
    values = {"data": {}, "stamp": None, "computed_at": now, "computed_on": today, "refresh_requested_at": None}
    try:
        with transaction.atomic():
            return MapSnapshot.objects.create(area=area, year=year, **values)
    except IntegrityError:  # another request made it first
        return MapSnapshot.objects.get(area=area, year=year)


def _ask_worker(*, actor: User, snapshot: MapSnapshot, now: datetime) -> MapSnapshot | None:
    """Queue one background refresh of ``snapshot`` (none while one is
    pending); the snapshot as stored if the refresh already ran."""
    if snapshot.refresh_requested_at is not None or not MapSnapshot.objects.filter(
        pk=snapshot.pk, refresh_requested_at__isnull=True
    ).update(refresh_requested_at=now):
        return None
    from .tasks import refresh_map

    task = refresh_map
    not_before = snapshot.computed_at + _seconds("DASHBOARD_MIN_INTERVAL", MIN_INTERVAL)
    if snapshot.data and not_before > now and task.get_backend().supports_defer:
        task = refresh_map.using(run_after=not_before)
    task.enqueue(snapshot.area_id, snapshot.year, actor.pk)
    return MapSnapshot.objects.filter(pk=snapshot.pk, refresh_requested_at__isnull=True).first()


def _layout_changed(data: AreaMap) -> bool:
    """The providers' figures differ from the snapshot's (a new version)."""
    current = [f.key for provider in providers() for f in provider.figures] + [QUALITY.key]
    return [f.key for f in data.figures] != current


def _store(*, actor: User, area: Area, year: int, today: date, stamp: int | None) -> AreaMap:
    data = area_map_compute(actor=actor, area=area, year=year, today=today)
    data.stamp = stamp
    values = {
        "data": snapshots.dump(data), "stamp": stamp, "computed_at": data.computed_at, "computed_on": today,
        "refresh_requested_at": None,
    }
    try:
        with transaction.atomic():
            MapSnapshot.objects.update_or_create(area=area, year=year, defaults=values)
    except IntegrityError:  # another request stored it first: ours is as fresh
        MapSnapshot.objects.filter(area=area, year=year).update(**values)
    return data


def map_refresh(*, area_id: int, year: int, user_id: int) -> None:
    """The background refresh: recompute as the user who asked for it, while
    that user may still see the area."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("area").first()
    area = restrict(Area, user).filter(pk=area_id).first() if user is not None else None
    if area is None:
        MapSnapshot.objects.filter(area_id=area_id, year=year).update(refresh_requested_at=None)
        return
    _store(actor=user, area=area, year=year, today=timezone.localdate(), stamp=_stamp())


def maps_precompute(
    *, area: Area, year: int, villages: bool = True, progress: Callable[[Area, float], None] | None = None,
) -> int:
    """Compute and store the maps of ``area`` and of every area below it
    (county, townships and, unless ``villages`` is False, villages) for
    ``year``, so that no page view waits for a first computation; returns
    how many. Computed as a county viewer held in memory only: a map's
    figures are the same for everyone who may open it. ``progress`` hears
    of each area and its seconds."""
    county = area
    while county.parent_id is not None:
        county = county.parent
    actor = User(username="", role=Role.COUNTY_VIEWER, area=county, is_active=True)
    below = Area.objects.filter(pk=area.pk) if area.level == AreaLevel.VILLAGE else Area.objects.filter(
        code__startswith=area_code_prefix(area)
    )
    rank = {AreaLevel.COUNTY: 0, AreaLevel.TOWNSHIP: 1, AreaLevel.VILLAGE: 2}
    if not villages and area.level != AreaLevel.VILLAGE:
        del rank[AreaLevel.VILLAGE]
    areas = sorted(below.filter(level__in=rank), key=lambda a: (rank[a.level], a.code))
    today = timezone.localdate()
    for each in areas:
        started = time.perf_counter()
        _store(actor=actor, area=each, year=year, today=today, stamp=_stamp())
        if progress is not None:
            progress(each, time.perf_counter() - started)
    return len(areas)


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


@contextmanager
def _aggregates() -> Iterator[None]:
    """One transaction for the map's queries; on PostgreSQL without JIT,
    which for these short grouped scans costs more to compile than it saves
    (measured: 0.4 s of a 0.65 s household aggregate)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def area_map_compute(*, actor: User, area: Area, year: int, today: date | None = None) -> AreaMap:
    """Compute the map (no cache): each provider's figures by area, summed
    into the rows, with the quality counts, breakdowns and targets."""
    with _aggregates():
        return _compute(actor=actor, area=area, year=year, today=today)


def _compute(*, actor: User, area: Area, year: int, today: date | None) -> AreaMap:
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


def quality_scope(*, actor: User, area: Area, today: date | None = None) -> MapScope:
    today = today or timezone.localdate()
    return MapScope(actor=actor, area=area, year=today.year, today=today)


def quality_summary(*, scope: MapScope) -> list[tuple[QualityRule, int]]:
    """Every rule with its count of flagged records in the area (one count
    per rule, live: the finder is where people check their corrections)."""
    with _aggregates():
        return [(rule, rule.flagged(scope).order_by().values("pk").distinct().count()) for rule in quality_rules()]


def quality_records(*, scope: MapScope, rule: QualityRule) -> QuerySet:
    return rule.records(scope)


def map_area_get(*, actor: User, code: str) -> Area:
    """The area of a map or finder, inside the actor's area (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(restrict(Area, actor).select_related("parent", "parent__parent"), code=code)


def map_breadcrumbs(*, actor: User, area: Area) -> list[Area]:
    """The area's ancestors the actor may open, from the top down."""
    chain = []
    current = area.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    reachable = set(restrict(Area, actor).filter(pk__in=[a.pk for a in chain]).values_list("pk", flat=True))
    return [a for a in reversed(chain) if a.pk in reachable]
