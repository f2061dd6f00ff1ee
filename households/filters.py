"""The household list's filters (list page, Excel roster and batch printing
all read them through ``selectors.registry.household_list``).

Filters arrive as a plain dict of strings so the same filter can be replayed
by a background export without a request. The ID number is never a filter
value in a URL: the list carries a random token (``idq``) and
``filters_from_request`` swaps it for the number kept in the session.
"""

from __future__ import annotations

import secrets

from functools import cached_property

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from povertyrelief.permissions import restrict
from villages.models import Area, AreaLevel

from .models import (
    Assignment,
    Household,
    HouseholdAttribute,
    HouseholdStatus,
    Member,
    Monitoring,
    MonitoringType,
    PovertyCause,
)

FIRST_IDENTIFICATION_YEAR = 2013

# ?sort= values people can pick, and what they order by. Anything else falls
# back to the default, so a hand-edited URL cannot order by a hidden column.
SORTS: dict[str, tuple[str, ...]] = {
    "number": ("number", "pk"),
    "-number": ("-number", "-pk"),
    "head": ("head_name", "pk"),
    "-head": ("-head_name", "-pk"),
    "size": ("member_count", "pk"),
    "-size": ("-member_count", "-pk"),
    "year": ("identification_year", "pk"),
    "-year": ("-identification_year", "-pk"),
    "status": ("status", "pk"),
    "-status": ("-status", "-pk"),
}
DEFAULT_ORDER = ("village__code", "number", "pk")

ID_QUERY_SESSION_KEY = "household_id_queries"
ID_QUERY_KEEP = 10


def identification_years() -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(timezone.localdate().year, FIRST_IDENTIFICATION_YEAR - 1, -1)]


class HouseholdFilter(django_filters.FilterSet):
    """Search and filters of the household list; area choices are limited to
    the actor's area, and villages to the chosen township."""

    q = django_filters.CharFilter(label="搜索", method="filter_q")
    township = django_filters.ModelChoiceFilter(
        label="乡镇", field_name="village__parent", queryset=Area.objects.none(), empty_label="全部乡镇"
    )
    village = django_filters.ModelChoiceFilter(label="村", queryset=Area.objects.none(), empty_label="全部村")
    status = django_filters.ChoiceFilter(label="脱贫状态", choices=HouseholdStatus.choices, empty_label="全部状态")
    attribute = django_filters.ChoiceFilter(label="贫困户属性", choices=HouseholdAttribute.choices, empty_label="全部属性")
    main_cause = django_filters.ChoiceFilter(label="主要致贫原因", choices=PovertyCause.choices, empty_label="全部致贫原因")
    identification_year = django_filters.ChoiceFilter(label="识别年度", choices=[], empty_label="全部年度")
    monitoring_type = django_filters.ChoiceFilter(
        label="监测对象", choices=MonitoringType.choices, method="filter_monitoring_type", empty_label="不限监测"
    )
    no_cadre = django_filters.BooleanFilter(
        label="无在帮干部", method="filter_no_cadre", widget=forms.CheckboxInput
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["identification_year"].extra["choices"] = identification_years()
        areas = restrict(Area, actor)
        self.filters["township"].queryset = areas.filter(level=AreaLevel.TOWNSHIP).order_by("code")
        villages = areas.filter(level=AreaLevel.VILLAGE).order_by("code")
        township = (data or {}).get("township")
        township_id = int(township) if township and str(township).isdigit() else None
        if township_id:
            villages = villages.filter(parent_id=township_id)
        self.filters["village"].queryset = villages
        self._areas, self._township_id = areas, township_id

    @cached_property
    def _area_options(self) -> list:
        # The drop-downs' options, read in one query when the filter bar is
        # rendered (the querysets above only validate a submitted value).
        return list(self._areas.filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).order_by("code"))

    @property
    def township_options(self) -> list:
        return [("", "全部乡镇")] + [(a.pk, a.name) for a in self._area_options if a.level == AreaLevel.TOWNSHIP]

    @property
    def village_options(self) -> list:
        return [("", "全部村")] + [
            (a.pk, a.name)
            for a in self._area_options
            if a.level == AreaLevel.VILLAGE and (self._township_id is None or a.parent_id == self._township_id)
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        named_member = Member.objects.filter(household=OuterRef("pk"), left_date__isnull=True, name__contains=value)
        return queryset.filter(Q(head_name__contains=value) | Q(number__contains=value) | Exists(named_member))

    def filter_monitoring_type(self, queryset, name, value):
        open_case = Monitoring.objects.filter(household=OuterRef("pk"), risk_eliminated=False, object_type=value)
        return queryset.filter(Exists(open_case))

    def filter_no_cadre(self, queryset, name, value):
        if not value:
            return queryset
        current = Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
        return queryset.filter(~Exists(current))


def filter_by_id_number(queryset, id_number: str):
    """Households with a member holding this ID. Members who left count too:
    the search answers "where is, or was, this person registered". Kept out
    of the filter form so the number can never be rendered into a link."""
    value = id_number.strip().replace(" ", "").upper()
    return queryset.filter(Exists(Member.objects.filter(household=OuterRef("pk"), id_number=value)))


def id_query_store(session, id_number: str) -> str:
    """Keep an ID number searched for in the session and return the token
    that stands for it in the list's URL."""
    token = secrets.token_urlsafe(12)
    queries = dict(session.get(ID_QUERY_SESSION_KEY, {}))
    queries[token] = id_number
    session[ID_QUERY_SESSION_KEY] = dict(list(queries.items())[-ID_QUERY_KEEP:])
    return token


def id_query_resolve(session, token: str) -> str | None:
    return session.get(ID_QUERY_SESSION_KEY, {}).get(token) if token else None


def filters_from_request(request) -> dict:
    """The list's filter dict from a request's query string, with the ID
    token resolved. An unknown or expired token matches nothing rather than
    silently widening the search to every household."""
    filters = {key: request.GET.get(key) for key in request.GET if key not in ("page", "idq", "id_number")}
    token = request.GET.get("idq", "")
    if token:
        filters["id_number"] = id_query_resolve(request.session, token) or "（已失效）"
    return filters
