"""Reading cadres (帮扶责任人), their pairings with households and visits,
always scoped to the user.

The same selectors feed the pages and the 帮扶结对 ledger, so both agree on
scope and filters.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ..filters import AssignableFilter, AssignmentFilter, WithoutCadreFilter
from ..models import Assignment, Cadre, Household, UnitLevel, Visit

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


def _matching(cadres: QuerySet[Cadre], query: str | None) -> QuerySet[Cadre]:
    """Those whose name, unit or phone contains ``query`` (all when blank)."""
    query = (query or "").strip()
    if not query:
        return cadres
    return cadres.filter(Q(name__contains=query) | Q(unit__contains=query) | Q(phone__contains=query))


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
    cadres = _matching(cadres, filters.get("q"))
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


CADRE_SEARCH_LIMIT = 20
CADRE_SUGGESTIONS = 8


def cadre_search(*, actor: User, query: str, limit: int = CADRE_SEARCH_LIMIT) -> list[Cadre]:
    """Up to ``limit`` + 1 cadres of ``cadre_choices`` whose name, unit or
    phone contains ``query`` (the extra one tells the picker there are more)."""
    return list(_matching(cadre_choices(actor=actor), query)[: limit + 1])


def cadre_suggestions(*, actor: User, choices: QuerySet[Cadre], household: Household | None = None) -> QuerySet[Cadre]:
    """A few cadres worth offering before any search, among ``choices``: the
    household's (current and past pairings), or without a household those
    the actor's area paired most recently. Lazy: read only when shown."""
    if household is not None:
        paired = Assignment.objects.filter(household=household)
    else:
        paired = restrict(Assignment, actor).order_by("-pk")[:50]
    return choices.filter(pk__in=paired.values("cadre_id"))[:CADRE_SUGGESTIONS]


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


def assignment_list(*, actor: User, filters: dict) -> QuerySet[Assignment]:
    """帮扶结对 inside the actor's area, for the ledger and pages.

    Filters: ``township`` / ``village`` (pk), ``cadre`` (pk), ``current``
    ('1' current only, '0' ended only), ``q`` (cadre name, 户编号 or 户主)."""
    assignments = AssignmentFilter(filters, queryset=restrict(Assignment, actor), actor=actor).qs.select_related(
        "cadre", "household", "household__village", "household__village__parent"
    )
    return assignments.order_by("household__village__code", "household__number", "-start_date", "-pk")


def current_assignment_exists():
    return Exists(Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True))


def without_cadre_filterset(*, actor: User, filters: dict) -> WithoutCadreFilter:
    """The bound filters of the households-without-a-cadre page."""
    return WithoutCadreFilter(filters, queryset=restrict(Household, actor), actor=actor)


def households_without_cadre(*, actor: User, filters: dict, filterset: WithoutCadreFilter | None = None) -> QuerySet[Household]:
    """Households not yet exited (status 0 or 3) that have no current cadre,
    breaking 一户一名干部; each with ``last_assignments`` (latest first) so the
    page can show who helped before.

    Filters: ``township`` / ``village`` (pk), ``status`` ('0' or '3'),
    ``q`` (户编号 or 户主)."""
    filterset = filterset or without_cadre_filterset(actor=actor, filters=filters)
    households = (
        filterset.qs
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
    return households.order_by("village__code", "number")


def assignable_filterset(*, actor: User, filters: dict) -> AssignableFilter:
    """The bound filters of the bulk pairing page's household list; the
    queryset carries ``has_cadre`` for its 无帮扶责任人 filter."""
    households = restrict(Household, actor, "change").annotate(has_cadre=current_assignment_exists())
    return AssignableFilter(filters, queryset=households, actor=actor)


def assignable_households(*, actor: User, filters: dict, filterset: AssignableFilter | None = None) -> QuerySet[Household]:
    """Households the actor may pair with a cadre, for the bulk page's
    checkbox list. ``without_cadre`` ('1') keeps only those with no current
    cadre, ``not_exited`` ('1') those not exited; ``township`` / ``village``
    / ``q`` as elsewhere."""
    filterset = filterset or assignable_filterset(actor=actor, filters=filters)
    return filterset.qs.select_related("village", "village__parent").order_by("village__code", "number")


def visit_get(*, actor, pk: int) -> Visit:
    return get_object_or_404(restrict(Visit, actor).select_related("household", "cadre"), pk=pk)
