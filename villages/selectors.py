"""Reading areas and work teams, always scoped to the user."""

from django.db.models import Count, Q, QuerySet

from povertyrelief.permissions import restrict

from .models import Area, AreaLevel, WorkTeam


def area_tree(*, actor) -> list[dict]:
    """Townships with their villages, as far as the actor may see (one query)."""
    areas = list(
        restrict(Area, actor)
        .annotate(current_teams=Count("work_teams", filter=Q(work_teams__end_date__isnull=True)))
        .order_by("code")
    )
    townships: dict[int, dict] = {}
    loose_villages = []
    for area in areas:
        if area.level == AreaLevel.TOWNSHIP:
            townships[area.pk] = {"area": area, "villages": []}
    for area in areas:
        if area.level == AreaLevel.VILLAGE:
            if area.parent_id in townships:
                townships[area.parent_id]["villages"].append(area)
            else:
                loose_villages.append(area)
    tree = list(townships.values())
    if loose_villages:
        tree.append({"area": None, "villages": loose_villages})
    return tree


def area_options(*, actor, action: str = "view", county: bool = False, level: str | None = None) -> QuerySet[Area]:
    """The areas every area drop-down offers: the townships and villages
    (with ``county``, the county too; with ``level``, only that level) the
    actor may ``action``, in code order. A form's drop-down takes it through
    ``villages.fields.AreaChoiceField``; one showing townships and villages
    apart reads it once through ``area_options_by_level``."""
    levels = [level] if level else [AreaLevel.TOWNSHIP, AreaLevel.VILLAGE] + ([AreaLevel.COUNTY] if county else [])
    return restrict(Area, actor, action).filter(level__in=levels).order_by("code")


def area_options_by_level(*, actor, action: str = "view") -> dict[str, list[Area]]:
    """``area_options`` in one query, split: ``{"townships": [...], "villages": [...]}``."""
    areas = list(area_options(actor=actor, action=action))
    return {
        "townships": [a for a in areas if a.level == AreaLevel.TOWNSHIP],
        "villages": [a for a in areas if a.level == AreaLevel.VILLAGE],
    }


def area_get(*, actor, pk: int, action: str = "view") -> Area:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(restrict(Area, actor, action).select_related("parent", "parent__parent"), pk=pk)


def workteam_list(*, actor, query: str = "", status: str = ""):
    """Work teams in the actor's area; ``status`` is 'current' or 'ended'."""
    teams = restrict(WorkTeam, actor).select_related("village", "village__parent")
    if query:
        teams = teams.filter(
            Q(village__name__contains=query)
            | Q(leader_name__contains=query)
            | Q(first_secretary_name__contains=query)
            | Q(dispatching_unit__contains=query)
        )
    if status == "current":
        teams = teams.filter(end_date__isnull=True)
    elif status == "ended":
        teams = teams.filter(end_date__isnull=False)
    return teams.order_by("village__code", "-start_date")
