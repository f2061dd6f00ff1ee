"""Reading households (一户一档), always scoped to the actor.

The list page, the Excel roster and batch printing all call
``household_list`` with the same filter dict, so they can never disagree
about which households a filter (or a user's area) covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from povertyrelief.audit import HISTORY_LIMIT
from povertyrelief.masking import is_sensitive, mask_value
from povertyrelief.permissions import restrict
from villages.models import Area, WorkTeam

from .. import rules
from ..filters import DEFAULT_ORDER, SORTS, HouseholdFilter, filter_by_id_number
from ..models import Household, Member
from .income import income_rows, standards_by_year
from .monitoring import monitoring_overdue_cutoff


def household_filterset(*, actor, filters: dict) -> HouseholdFilter:
    """The bound filter set (its form renders the list's filter bar)."""
    return HouseholdFilter(filters, queryset=restrict(Household, actor, "view"), actor=actor)


def household_list(*, actor, filters: dict, filterset: HouseholdFilter | None = None) -> QuerySet[Household]:
    """Households in the actor's area matching ``filters`` (search, area,
    status, attribute, cause, year, monitoring, no cadre, ``id_number``,
    ``sort``), with their village and township, in a stable order. A page
    that also renders the filter bar passes its ``filterset`` so it is built once."""
    filterset = filterset or household_filterset(actor=actor, filters=filters)
    households = filterset.qs
    id_number = (filters.get("id_number") or "").strip()
    if id_number:
        households = filter_by_id_number(households, id_number)
    order = SORTS.get(filters.get("sort") or "", DEFAULT_ORDER)
    return households.select_related("village", "village__parent").order_by(*order)


def household_totals(households: QuerySet[Household]) -> dict:
    """Households and people (current members) in a list, in one query."""
    totals = households.order_by().aggregate(households=Count("pk"), people=Sum("member_count"))
    return {"households": totals["households"] or 0, "people": totals["people"] or 0}


def household_page(households: QuerySet[Household], *, page, per_page: int) -> tuple[Page, dict]:
    """One page of an ordered household list and the list's totals.

    A list that fits on its first page (a search's usual answer) takes one
    query and is counted from its rows; any other takes two. Past the first
    page the database picks the page's ids from the narrowest read the
    order allows (a township's index alone for 识别年度) and then fetches
    those rows; a page past the middle is picked from the end in the
    reverse order, so the last page is as quick as the first. Page numbers
    behave as ``Paginator.get_page`` (not a number: the first page; out of
    range: the last)."""
    try:
        first = int(page) == 1
    except (TypeError, ValueError):
        first = True
    rows = None
    if first:
        rows = list(households[: per_page + 1])
        if len(rows) <= per_page:
            totals = {"households": len(rows), "people": sum(h.member_count for h in rows)}
            return _page(households, per_page, totals, 1, rows), totals
    totals = household_totals(households)
    paginator = Paginator(households, per_page)
    paginator.count = totals["households"]
    number = paginator.get_page(page).number
    if number == 1 and rows is not None:
        return _page(households, per_page, totals, 1, rows[:per_page]), totals
    count = totals["households"]
    start = (number - 1) * per_page
    end = min(start + per_page, count)
    ordered = households
    if start > count - end:
        ordered, start, end = households.reverse(), count - end, count - start
    rows = list(households.filter(pk__in=ordered.values("pk")[start:end]))
    return _page(households, per_page, totals, number, rows), totals


def _page(households, per_page: int, totals: dict, number: int, rows: list) -> Page:
    paginator = Paginator(households, per_page)
    paginator.count = totals["households"]
    return Page(rows, number, paginator)


def household_get(*, actor, pk: int, action: str = "view") -> Household:
    """One household the actor may ``action``, else 404."""
    return get_object_or_404(restrict(Household, actor, action).select_related("village", "village__parent"), pk=pk)


def member_get(*, actor, pk: int, action: str = "view") -> Member:
    """One member of a household the actor may ``action``, else 404."""
    return get_object_or_404(
        restrict(Member, actor, action).select_related("household", "household__village", "household__village__parent"),
        pk=pk,
    )


def household_page_context(*, actor, household: Household) -> dict:
    """Everything the household page and its sections show, fetched in a
    fixed number of queries whatever the household holds. Sections read only
    this context; each related row already knows its household."""
    today = timezone.localdate()
    members = list(household.members.all().order_by("pk"))
    for member in members:
        member.age = member.age_on(today)
    members.sort(key=lambda m: m.left_date is not None)
    current_members = [m for m in members if m.is_current]
    assignments = list(household.assignments.select_related("cadre").order_by("-start_date", "-pk"))
    standards = standards_by_year()
    return {
        "household": household,
        "members": members,
        "current_members": current_members,
        "left_members": [m for m in members if not m.is_current],
        "incomes": income_rows(incomes=household.incomes.order_by("-year"), standards=standards),
        "standards": standards,
        "assignments": assignments,
        "current_assignment": next((a for a in assignments if a.end_date is None), None),
        "visits": list(household.visits.select_related("cadre").order_by("-date", "-pk")[:20]),
        "visit_count": household.visits.count(),
        "measures": list(household.measures.select_related("category", "member", "cadre").order_by("-year", "pk")),
        "monitorings": list(household.monitorings.order_by("-risk_identified_date", "-pk")),
        "attachments": list(household.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-pk")),
        "work_team": WorkTeam.objects.filter(village_id=household.village_id, end_date__isnull=True)
        .order_by("-start_date", "-pk")
        .first(),
        "guarantee_checks": rules.guarantee_checks(household, members, today),
        "can_change": restrict(Household, actor, "change").filter(pk=household.pk).exists(),
        "can_reveal": actor.can("reveal"),
        "today": today,
        "monitoring_overdue_cutoff": monitoring_overdue_cutoff(today),
        "history": household_history(household=household, members=members),
    }


# Sensitive values stay masked in the change history (povertyrelief.masking):
# the page shows full numbers only through the logged reveal.
# Columns whose change says nothing to people reading the history.
HIDDEN_FIELDS = {Member: {"household"}, Household: {"created_at"}}
EMPTY_VALUES = ("None", "")


@dataclass
class HistoryEntry:
    """One audit entry shaped for ``generic/_history.html``."""

    timestamp: datetime
    actor: object
    action: int
    changes_display_dict: dict = field(default_factory=dict)


def household_history(*, household: Household, members: list[Member], limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The household's and its members' changes, newest first; a member's
    fields are prefixed with the member's name so each line says whose
    record changed. ID and bank numbers are masked. Constant queries: the
    display is built here instead of per entry by auditlog (which looks up
    content types and foreign keys one entry at a time)."""
    household_type = ContentType.objects.get_for_model(Household)
    member_type = ContentType.objects.get_for_model(Member)
    entries = list(
        LogEntry.objects.filter(
            Q(content_type=household_type, object_pk=str(household.pk))
            | Q(content_type=member_type, object_pk__in=[str(m.pk) for m in members])
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
    village_ids = {
        value
        for entry in entries
        if entry.content_type_id == household_type.pk
        for value in entry.changes_dict.get("village", [])
        if value and value != "None" and str(value).isdigit()
    }
    villages = {str(a.pk): a.name for a in Area.objects.filter(pk__in=village_ids)} if village_ids else {}
    rows = []
    for entry in entries:
        model = Household if entry.content_type_id == household_type.pk else Member
        prefix = "" if model is Household else f"{entry.object_repr}·"
        display = {}
        for name, values in entry.changes_dict.items():
            if name in HIDDEN_FIELDS[model]:
                continue
            try:
                model_field = model._meta.get_field(name)
            except Exception:
                continue
            if all(str(v) in EMPTY_VALUES for v in values):
                continue  # a blank field on a new record: noise, not a change
            shown = [_display_value(model, model_field, str(v), villages) for v in values]
            display[prefix + str(model_field.verbose_name)] = shown
        rows.append(HistoryEntry(entry.timestamp, entry.actor, entry.action, display))
    return rows


def _display_value(model, model_field, value: str, villages: dict) -> str:
    if value in EMPTY_VALUES:
        return value
    if is_sensitive(model_field.name):
        return mask_value(model_field.name, value)
    if model_field.name == "village":
        return villages.get(value, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.get_internal_type() == "BooleanField":
        return {"True": "是", "False": "否"}.get(value, value)
    return value
