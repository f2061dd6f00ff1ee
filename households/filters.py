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
from django.db import connections
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from povertyrelief.permissions import restrict
from povertyrelief.validators import normalise_id_number
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

SELECTED = mark_safe(" selected")
ID_QUERY_SESSION_KEY = "household_id_queries"
ID_QUERY_KEEP = 10


def identification_years() -> list[tuple[str, str]]:
    # Values are strings, as submitted (and rendered without number formatting).
    return [(str(y), f"{y}年") for y in range(timezone.localdate().year, FIRST_IDENTIFICATION_YEAR - 1, -1)]


class HouseholdFilter(django_filters.FilterSet):
    """Search and filters of the household list; area choices are limited to
    the actor's area, and villages to the chosen township."""

    q = django_filters.CharFilter(label="搜索", method="filter_q")
    # Area choices come from the one query that also fills the drop-downs.
    township = django_filters.ChoiceFilter(label="乡镇", method="filter_township", choices=[], empty_label="全部乡镇")
    village = django_filters.ChoiceFilter(label="村", field_name="village_id", choices=[], empty_label="全部村")
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
        township = (data or {}).get("township")
        self._township_id = int(township) if township and str(township).isdigit() else None
        self._areas = restrict(Area, actor)
        # Callables: the areas are read only when a value is validated or the bar rendered.
        self.filters["township"].extra["choices"] = lambda: self.township_options[1:]
        self.filters["village"].extra["choices"] = lambda: self.village_options[1:]

    @cached_property
    def _area_options(self) -> list[tuple[int, str, str, int | None]]:
        # (pk, name, level, parent) of the actor's townships and villages, in
        # one query, for the drop-downs and for validating a submitted value.
        areas = self._areas.filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).order_by("code")
        return list(areas.values_list("pk", "name", "level", "parent_id"))

    @cached_property
    def township_options(self) -> list:
        return [("", "全部乡镇")] + [(str(pk), name) for pk, name, level, _ in self._area_options if level == AreaLevel.TOWNSHIP]

    @cached_property
    def village_options(self) -> list:
        return [("", "全部村")] + [
            (str(pk), name)
            for pk, name, level, parent in self._area_options
            if level == AreaLevel.VILLAGE and (self._township_id is None or parent == self._township_id)
        ]

    @cached_property
    def options_html(self) -> dict[str, str]:
        """Each drop-down's ``<option>``s with the submitted value selected,
        built here: as template loops the filter bar's options (170 for a
        county) took longer to render than the list's rows."""
        fields = self.form.fields

        def options(name, choices, label=lambda value, text: text):
            selected = (self.data or {}).get(name)
            selected = None if selected is None else str(selected)
            return mark_safe("".join(
                f'<option value="{escape(value)}"{SELECTED if str(value) == selected else ""}>'
                f"{escape(label(value, text))}</option>"
                for value, text in choices
            ))

        return {
            "township": options("township", self.township_options),
            "village": options("village", self.village_options),
            "status": options("status", fields["status"].choices, lambda value, text: f"{value} {text}" if value else text),
            "attribute": options("attribute", fields["attribute"].choices),
            "main_cause": options("main_cause", fields["main_cause"].choices),
            "identification_year": options("identification_year", fields["identification_year"].choices),
            "monitoring_type": options(
                "monitoring_type", fields["monitoring_type"].choices, lambda value, text: f"监测中：{text}" if value else text
            ),
        }

    def filter_township(self, queryset, name, value):
        # Both say the same (the triggers keep them equal); the planner reads
        # a township's index by the first and its villages by the second.
        return queryset.filter(township_id=value, village__parent_id=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(households_matching(value, using=queryset.db))

    def filter_monitoring_type(self, queryset, name, value):
        open_case = Monitoring.objects.filter(household=OuterRef("pk"), risk_eliminated=False, object_type=value).exclude(
            stage="not_identified"
        )
        return queryset.filter(Exists(open_case))

    def filter_no_cadre(self, queryset, name, value):
        if not value:
            return queryset
        current = Assignment.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
        return queryset.filter(~Exists(current))


class HasShortGram(Func):
    """The column's text holds ``value`` (one or two characters): on
    PostgreSQL the GIN index over ``households_short_grams(column)`` answers
    it, as trigrams cannot serve so short a ``LIKE``. Only ever added to the
    ``LIKE`` that decides the match, so it narrows by index and never changes
    a result."""

    output_field = BooleanField()

    def __init__(self, column: str, value: str):
        super().__init__(F(column), Value(value))

    def as_sql(self, compiler, connection, **extra_context):
        column, value = (compiler.compile(e) for e in self.get_source_expressions())
        return f"households_short_grams({column[0]}) @> ARRAY[{value[0]}]::text[]", (*column[1], *value[1])


# A 户编号 search matching more households than this (a county or village
# code prefix, a single digit) reads the household table once instead.
BROAD_NUMBER_SEARCH = 1000


def _containing(queryset: QuerySet, column: str, value: str, *, short_grams: bool = True) -> QuerySet:
    queryset = queryset.filter(**{f"{column}__contains": value}).order_by()
    if short_grams and len(value) <= 2 and connections[queryset.db].vendor == "postgresql":
        queryset = queryset.filter(HasShortGram(column, value))
    return queryset


def households_matching(value: str, *, using: str = "default") -> Q:
    """Households whose 户编号, 户主's name or a current member's name
    contains ``value`` (literally: ``%`` and ``_`` are characters).

    Names are found through their indexes (pg_trgm GIN for three characters
    or more, the short-gram GIN for one or two; migration 0006) and the
    households by their ids, instead of testing every household against
    every member. A 户编号 (ASCII) search first reads the matching ids,
    usually one household; one matching much of the county (a code prefix,
    a digit) tests each household's number once instead."""
    members = _containing(Member.objects.using(using).filter(left_date__isnull=True), "name", value)
    heads = _containing(Household.objects.using(using).all(), "head_name", value)
    names = members.values("household_id").union(heads.values("pk"))
    # Chinese text is in no 户编号: its short-gram lookup proves that at once.
    # A digit or letter is in most, and testing pieces row by row would cost
    # more than the LIKE.
    numbers = _containing(Household.objects.using(using).all(), "number", value, short_grams=not value.isascii())
    if value.isascii():
        # The probe's ids are the answer when there are few, so the number
        # index is read once, not again by the count and the page.
        found = list(numbers.values_list("pk", flat=True)[:BROAD_NUMBER_SEARCH])
        if len(found) == BROAD_NUMBER_SEARCH:
            return Q(number__contains=value) | Q(pk__in=names)
        numbers = Household.objects.using(using).filter(pk__in=found).order_by()
    return Q(pk__in=names.union(numbers.values("pk")))


def filter_by_id_number(queryset, id_number: str):
    """Households with a member holding this ID. Members who left count too:
    the search answers "where is, or was, this person registered". The
    members are found through the index on the number, then their one or
    two households. Kept out of the filter form so the number can never be
    rendered into a link."""
    holders = Member.objects.using(queryset.db).filter(id_number=normalise_id_number(id_number)).order_by()
    return queryset.filter(pk__in=holders.values("household_id"))


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
