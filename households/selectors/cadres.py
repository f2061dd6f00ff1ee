"""Reading cadres (帮扶责任人), their pairings with households and visits,
always scoped to the user.

The same selectors feed the pages and the 帮扶结对 ledger, so both agree on
scope and filters.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from povertyrelief.permissions import restrict
from villages.models import Area, AreaLevel

from ..models import Assignment, Cadre, Household, HouseholdStatus, UnitLevel, Visit

CADRE_SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "unit": ("unit", "name", "pk"),
    "-unit": ("-unit", "name", "pk"),
    "households": ("current_households", "name", "pk"),
    "-households": ("-current_households", "name", "pk"),
}


def _flag(value) -> bool | None:
    """'1' / '0' from a query string as True / False, anything else as no filter."""
    return {"1": True, "0": False}.get(str(value or ""))


def cadre_list(*, actor, filters: dict) -> QuerySet[Cadre]:
    """Cadres the actor may see, each with ``current_households``: the number
    of households inside the actor's area the cadre helps now (a county cadre
    seen from a township counts only that township's households).

    Filters: ``q`` (name, unit or phone), ``unit_level``, ``active`` ('1'/'0'),
    ``sort`` (one of CADRE_SORTS)."""
    in_scope = restrict(Household, actor).values("pk")
    cadres = restrict(Cadre, actor).select_related("area").annotate(
        current_households=Count(
            "assignments",
            filter=Q(assignments__end_date__isnull=True, assignments__household__in=in_scope),
            distinct=True,
        )
    )
    query = (filters.get("q") or "").strip()
    if query:
        cadres = cadres.filter(Q(name__contains=query) | Q(unit__contains=query) | Q(phone__contains=query))
    if filters.get("unit_level") in UnitLevel.values:
        cadres = cadres.filter(unit_level=filters["unit_level"])
    active = _flag(filters.get("active"))
    if active is not None:
        cadres = cadres.filter(active=active)
    return cadres.order_by(*CADRE_SORTS.get(filters.get("sort") or "", CADRE_SORTS["name"]))


def cadre_get(*, actor, pk: int, action: str = "view") -> Cadre:
    """One cadre the actor may see (or change); 404 otherwise."""
    return get_object_or_404(restrict(Cadre, actor, action).select_related("area"), pk=pk)


def cadre_choices(*, actor, include: Cadre | None = None) -> QuerySet[Cadre]:
    """Cadres the actor may pair with a household or name on a visit: those it
    may see and still in post (``include`` stays selectable even if not)."""
    visible = restrict(Cadre, actor)
    active = Q(active=True)
    if include is not None:
        active |= Q(pk=include.pk)
    return visible.filter(active).order_by("name", "pk")


def cadre_assignments(*, actor, cadre: Cadre) -> list[Assignment]:
    """The cadre's pairings with households inside the actor's area, current first."""
    return list(
        restrict(Assignment, actor)
        .filter(cadre=cadre)
        .select_related("household", "household__village", "household__village__parent")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    )


def cadre_recent_visits(*, actor, cadre: Cadre, limit: int = 20) -> list[Visit]:
    return list(
        restrict(Visit, actor)
        .filter(cadre=cadre)
        .select_related("household", "household__village")
        .order_by("-date", "-pk")[:limit]
    )


def _filter_area(queryset: QuerySet, filters: dict, *, village_path: str) -> QuerySet:
    """Narrow to a township or village given by pk (ignored unless a number)."""
    township = str(filters.get("township") or "")
    village = str(filters.get("village") or "")
    if village.isdigit():
        queryset = queryset.filter(**{f"{village_path}_id": int(village)})
    elif township.isdigit():
        queryset = queryset.filter(**{f"{village_path}__parent_id": int(township)})
    return queryset


def assignment_list(*, actor, filters: dict) -> QuerySet[Assignment]:
    """帮扶结对 inside the actor's area, for the ledger and pages.

    Filters: ``township`` / ``village`` (pk), ``cadre`` (pk), ``current``
    ('1' current only, '0' ended only), ``q`` (cadre name, 户编号 or 户主)."""
    assignments = restrict(Assignment, actor).select_related(
        "cadre", "household", "household__village", "household__village__parent"
    )
    assignments = _filter_area(assignments, filters, village_path="household__village")
    cadre = str(filters.get("cadre") or "")
    if cadre.isdigit():
        assignments = assignments.filter(cadre_id=int(cadre))
    current = _flag(filters.get("current"))
    if current is not None:
        assignments = assignments.filter(end_date__isnull=current)
    query = (filters.get("q") or "").strip()
    if query:
        assignments = assignments.filter(
            Q(cadre__name__contains=query) | Q(household__number__contains=query) | Q(household__head_name__contains=query)
        )
    return assignments.order_by("household__village__code", "household__number", "-start_date", "-pk")


def current_assignment_exists():
    return Exists(Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True))


def households_without_cadre(*, actor, filters: dict) -> QuerySet[Household]:
    """Households not yet exited (status 0 or 3) that have no current cadre,
    breaking 一户一名干部; each with ``last_assignments`` (latest first) so the
    page can show who helped before.

    Filters: ``township`` / ``village`` (pk), ``status`` ('0' or '3'),
    ``q`` (户编号 or 户主)."""
    households = (
        restrict(Household, actor)
        .not_exited()
        .filter(~current_assignment_exists())
        .select_related("village", "village__parent")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("cadre").order_by("-start_date", "-pk"),
                to_attr="last_assignments",
            )
        )
    )
    households = _filter_area(households, filters, village_path="village")
    if filters.get("status") in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED):
        households = households.filter(status=filters["status"])
    query = (filters.get("q") or "").strip()
    if query:
        households = households.filter(Q(number__contains=query) | Q(head_name__contains=query))
    return households.order_by("village__code", "number")


def assignable_households(*, actor, filters: dict) -> QuerySet[Household]:
    """Households the actor may pair with a cadre, for the bulk page's
    checkbox list. ``without_cadre`` ('1') keeps only those with no current
    cadre; ``township`` / ``village`` / ``q`` as elsewhere."""
    households = (
        restrict(Household, actor, "change")
        .select_related("village", "village__parent")
        .annotate(has_cadre=current_assignment_exists())
    )
    households = _filter_area(households, filters, village_path="village")
    if _flag(filters.get("without_cadre")):
        households = households.filter(has_cadre=False)
    if _flag(filters.get("not_exited")):
        households = households.not_exited()
    query = (filters.get("q") or "").strip()
    if query:
        households = households.filter(Q(number__contains=query) | Q(head_name__contains=query))
    return households.order_by("village__code", "number")


def area_filter_choices(*, actor) -> dict:
    """Townships and villages the actor may see, for filter drop-downs."""
    areas = list(restrict(Area, actor).filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).order_by("code"))
    return {
        "townships": [a for a in areas if a.level == AreaLevel.TOWNSHIP],
        "villages": [a for a in areas if a.level == AreaLevel.VILLAGE],
    }


def visit_get(*, actor, pk: int) -> Visit:
    return get_object_or_404(restrict(Visit, actor).select_related("household", "cadre"), pk=pk)
