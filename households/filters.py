"""The filters of the households app's lists, on the shared township/village
filter (``villages.filters.AreaFilterSet``): the household list (page,
Excel roster and batch printing, through ``selectors.registry.household_list``),
measures, monitoring cases, incomes, pairings with cadres, households
without a cadre, and the 明白卡 print queue.

Filters arrive as a plain dict of strings so the same filter can be replayed
by a background export without a request; each selector builds its
FilterSet from it. The ID number is never a filter value in a URL: the
household list carries a random token (``idq``) and
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

from povertyrelief.forms import option_tags
from povertyrelief.permissions import area_code_prefix
from povertyrelief.validators import normalise_id_number
from villages.filters import AreaChoiceFilter, AreaFilterSet, SearchFilter, area_picker_label
from villages.models import Area
from villages.selectors import area_options

from .forms.fields import GroupedCategoryField, SmallWidgetsMixin, year_choices
from .models import (
    MONITORING_DECIDED,
    Assignment,
    Household,
    HouseholdAttribute,
    HouseholdStatus,
    Income,
    Measure,
    MeasureCategory,
    MeasureGroup,
    MeasureStatus,
    Member,
    Monitoring,
    MonitoringStage,
    MonitoringType,
    PovertyCause,
    SignalKind,
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
MEASURE_SORTS = {
    "year": ("year", "household__village__code", "household__number", "pk"),
    "-year": ("-year", "household__village__code", "household__number", "pk"),
    "household": ("household__village__code", "household__number", "-year", "pk"),
    "amount": ("amount", "pk"),
    "-amount": ("-amount", "pk"),
    "planned_date": ("planned_date", "pk"),
    "done_date": ("done_date", "pk"),
    "status": ("status", "-year", "pk"),
}
MONITORING_SORTS = {
    "-signal": ("-signal_date", "-pk"),
    "signal": ("signal_date", "pk"),
    "-identified": ("-risk_identified_date", "pk"),
    "identified": ("risk_identified_date", "pk"),
    "household": ("household__village__code", "household__number", "-signal_date"),
    "-eliminated": ("-risk_eliminated_date", "pk"),
}
MONITORING_STATES = {
    "identifying": Q(stage__in=[s for s in MonitoringStage.values if s not in MONITORING_DECIDED]),
    "open": Q(stage=MonitoringStage.IDENTIFIED, risk_eliminated=False),
    "closed": Q(risk_eliminated=True),
    "not_identified": Q(stage=MonitoringStage.NOT_IDENTIFIED),
}
MONITORING_STATE_CHOICES = [
    ("identifying", "识别中"), ("open", "监测中（风险未消除）"), ("closed", "风险已消除"), ("not_identified", "不予纳入"),
]

ID_QUERY_SESSION_KEY = "household_id_queries"
ID_QUERY_KEEP = 10


def identification_years() -> list[tuple[str, str]]:
    # Values are strings, as submitted (and rendered without number formatting).
    return [(str(y), f"{y}年") for y in range(timezone.localdate().year, FIRST_IDENTIFICATION_YEAR - 1, -1)]


class HouseholdFilter(AreaFilterSet):
    """Search and filters of the household list; area choices are limited to
    the actor's area, and villages to the chosen township."""

    area_path = "village"
    villages_follow_township = True

    q = django_filters.CharFilter(label="搜索", method="filter_q")
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
        super().__init__(data, queryset, actor=actor, **kwargs)
        self.filters["identification_year"].extra["choices"] = identification_years()

    @cached_property
    def options_html(self) -> dict[str, str]:
        """Each drop-down's ``<option>``s with the submitted value selected,
        built here: as template loops the filter bar's options (170 for a
        county) took longer to render than the list's rows."""
        fields = self.form.fields

        def options(name, choices, label=None):
            return option_tags(choices, (self.data or {}).get(name), label)

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
        return queryset.filter(township=value, village__parent=value)

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


class FilterBarForm(forms.Form):
    """Compact Bootstrap controls for a list's filter bar; the 措施 drop-down
    grouped by 类别."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, GroupedCategoryField):
                field.set_grouped_choices(field.empty_label)
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
            field.widget.attrs["aria-label"] = field.label


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = GroupedCategoryField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, a row's id); anything else filters nothing away."""

    field_class = forms.IntegerField


class SortFilter(django_filters.ChoiceFilter):
    """``?sort=``: one of ``sorts``' keys, checked here; the selector orders by it."""

    def __init__(self, sorts: dict, **kwargs):
        super().__init__(label="排序", choices=[(k, k) for k in sorts], empty_label="默认", **kwargs)

    def filter(self, queryset, value):
        return queryset


FLAG_CHOICES = [("1", "是"), ("0", "否")]


HOUSEHOLD_SEARCH = ("household__number", "household__head_name")
SEARCH_BOX = forms.TextInput(attrs={"placeholder": "户编号或户主姓名"})


class HouseholdAreaFilterSet(AreaFilterSet):
    """Lists of a household's rows (measures, cases, incomes, pairings): the
    area is the household's village."""

    area_path = "household__village"
    township_path = "household__village__parent"


class MeasureFilter(HouseholdAreaFilterSet):
    q = SearchFilter(label="户编号或户主", paths=HOUSEHOLD_SEARCH, widget=SEARCH_BOX)
    year = django_filters.TypedChoiceFilter(label="年度", coerce=int, empty_value=None, choices=[])
    group = django_filters.ChoiceFilter(label="类别", field_name="category__group", choices=MeasureGroup.choices, empty_label="全部类别")
    category = CategoryFilter(label="措施", queryset=MeasureCategory.objects.order_by("sort_order", "pk"), empty_label="全部措施")
    status = django_filters.ChoiceFilter(label="状态", choices=MeasureStatus.choices, empty_label="全部状态")
    sort = SortFilter(MEASURE_SORTS)

    class Meta:
        model = Measure
        fields: list[str] = []
        form = FilterBarForm

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, actor=actor, **kwargs)
        self.filters["year"].extra["choices"] = year_choices("全部年度")


class MonitoringFilter(HouseholdAreaFilterSet):
    """``overdue`` is the selector's condition for an overdue case, passed in
    (it depends on the day)."""

    q = SearchFilter(label="户编号或户主", paths=HOUSEHOLD_SEARCH, widget=SEARCH_BOX)
    state = django_filters.ChoiceFilter(label="状态", choices=MONITORING_STATE_CHOICES, empty_label="全部", method="filter_state")
    stage = django_filters.ChoiceFilter(label="识别环节", choices=MonitoringStage.choices, empty_label="全部环节")
    object_type = django_filters.ChoiceFilter(label="监测对象类型", choices=MonitoringType.choices, empty_label="全部类型")
    signal_kind = django_filters.ChoiceFilter(label="信号来源", choices=SignalKind.choices, empty_label="全部来源")
    overdue = django_filters.BooleanFilter(label="仅逾期", method="filter_overdue", widget=forms.CheckboxInput)
    sort = SortFilter(MONITORING_SORTS)

    class Meta:
        model = Monitoring
        fields: list[str] = []
        form = FilterBarForm

    def __init__(self, data=None, queryset=None, *, actor, overdue: Q, **kwargs):
        super().__init__(data, queryset, actor=actor, **kwargs)
        self.overdue = overdue

    def filter_state(self, queryset, name, value):
        return queryset.filter(MONITORING_STATES[value])

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(self.overdue) if value else queryset


class IncomeFilter(HouseholdAreaFilterSet):
    """The 收入测算 ledger's filters: year, area (a village decides alone), 户编号 or 户主."""

    village_overrides_township = True

    year = IntegerFilter(label="年度", min_value=0)
    q = SearchFilter(label="户编号或户主", paths=HOUSEHOLD_SEARCH)

    class Meta:
        model = Income
        fields: list[str] = []


class AssignmentFilter(HouseholdAreaFilterSet):
    """帮扶结对: area (a village decides alone), cadre (pk), current ('1'
    current only, '0' ended only), q (cadre's name, 户编号 or 户主)."""

    village_overrides_township = True

    cadre = IntegerFilter(label="帮扶责任人", field_name="cadre_id", min_value=0)
    current = django_filters.ChoiceFilter(label="结对状态", choices=FLAG_CHOICES, method="filter_current")
    q = SearchFilter(label="搜索", paths=("cadre__name", *HOUSEHOLD_SEARCH))

    class Meta:
        model = Assignment
        fields: list[str] = []

    def filter_current(self, queryset, name, value):
        return queryset.filter(end_date__isnull=value == "1")


class CadreHouseholdFilter(HouseholdAreaFilterSet):
    """Households on the cadre pages: area (a village decides alone), 户编号 or 户主."""

    area_path = "village"
    township_path = "village__parent"
    village_overrides_township = True

    q = SearchFilter(label="户编号或户主", paths=("number", "head_name"))

    class Meta:
        model = Household
        fields: list[str] = []


class WithoutCadreFilter(CadreHouseholdFilter):
    """Households without a cadre: also 未脱贫 or 返贫 only."""

    status = django_filters.ChoiceFilter(
        label="脱贫状态", choices=[(s.value, s.label) for s in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)]
    )


class AssignableFilter(CadreHouseholdFilter):
    """Households to pair with a cadre: also without a current cadre
    (``has_cadre``, annotated by the selector) and not exited, each '1' to apply."""

    without_cadre = django_filters.ChoiceFilter(label="帮扶责任人", choices=FLAG_CHOICES, method="filter_without_cadre")
    not_exited = django_filters.ChoiceFilter(label="脱贫状态", choices=FLAG_CHOICES, method="filter_not_exited")

    def filter_without_cadre(self, queryset, name, value):
        return queryset.filter(has_cadre=False) if value == "1" else queryset

    def filter_not_exited(self, queryset, name, value):
        return queryset.not_exited() if value == "1" else queryset


class PrintState:
    MISSING = "missing"
    STALE = "stale"
    PRINTED = "printed"
    HANDED = "handed"
    TODO = "todo"  # missing or stale: what needs printing

    LABELS = {MISSING: "未打印", STALE: "已过期", PRINTED: "已打印未发放", HANDED: "已发放"}
    CHOICES = [(TODO, "待打印（未打印或已过期）"), (MISSING, "未打印"), (STALE, "已过期"), (PRINTED, "已打印未发放"), (HANDED, "已发放"), ("all", "全部")]


class SmallWidgetsForm(SmallWidgetsMixin, forms.Form):
    """The print queue's bar: small controls, as its other forms."""


class PrintQueueFilter(django_filters.FilterSet):
    """The 明白卡 print queue: one area picker (a township or a village), a
    search, and the year and state the selector reads (``params``). The queue
    is always of a year, this one unless chosen; a value that does not
    validate drops every filter."""

    year = django_filters.TypedChoiceFilter(label="年度", coerce=int, choices=[], method="keep")
    village = AreaChoiceFilter(label="乡镇或村", method="filter_area", empty_label="全部乡镇和村")
    state = django_filters.ChoiceFilter(label="状态", choices=PrintState.CHOICES, method="keep")
    q = SearchFilter(label="搜索", max_length=30, paths=("head_name", "number"))

    class Meta:
        model = Household
        fields: list[str] = []
        form = SmallWidgetsForm

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("year", str(timezone.localdate().year))
        super().__init__(data, queryset, **kwargs)
        self.actor = actor
        self.filters["year"].extra["choices"] = year_choices()
        self.filters["village"].extra.update(choices=lambda: self._area_choices(), areas=lambda: self._areas)

    @cached_property
    def _areas(self) -> dict[str, Area]:
        # With their townships, for the labels of a village user's one village.
        return {str(a.pk): a for a in area_options(actor=self.actor).select_related("parent")}

    def _area_choices(self) -> list[tuple[str, str]]:
        return [(pk, area_picker_label(area)) for pk, area in self._areas.items()]

    @cached_property
    def params(self) -> dict:
        """The queue's year, area, state and search, as the selector takes them."""
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return {
            "year": data.get("year") or timezone.localdate().year,
            "village": data.get("village"),
            "state": data.get("state") or PrintState.TODO,
            "query": (data.get("q") or "").strip(),
        }

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.form.is_valid() else queryset

    def keep(self, queryset, name, value):
        # The year and state are the selector's (``params``): the year's
        # card states are annotated, and the counts take every state.
        return queryset

    def filter_area(self, queryset, name, value):
        return queryset.filter(village__code__startswith=area_code_prefix(value))


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
