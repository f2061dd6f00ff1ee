"""The township/village filter every list shares.

``AreaFilterSet`` is a django-filter FilterSet base: subclasses name the
path from their model to its area (``area_path``) and get two drop-downs,
乡镇 and 村. Their choices are the actor's area options
(``villages.selectors.area_options``), read in one query that serves both
the drop-downs and the check of a submitted value, which cleans to its
Area. A value outside the actor's area does not validate, so it filters
nothing away and the selector's own restriction still holds.

A row matches a township when its area's code starts with the township's
(the township itself and its villages) or, for rows that always sit in a
village, when that village's township is it (``township_path``, read by
its index); a row matches a village when its area is that village. Models
whose rows reach several villages override ``filter_village``.

``SearchFilter`` is every list's search box: rows whose text at any of its
paths contains what was typed.
"""

from __future__ import annotations

from functools import cached_property

import django_filters
from django.db.models import Q
from django_filters import fields

from povertyrelief.permissions import area_code_prefix

from .models import Area, AreaLevel
from .selectors import area_options_by_level


class AreaFilterField(fields.ChoiceField):
    """A list filter's area drop-down: a submitted pk is checked against the choices and
    cleans to the Area the options already hold (no query of its own)."""

    def __init__(self, *args, areas, **kwargs):
        self.areas = areas  # a callable: {pk as text: Area}
        super().__init__(*args, **kwargs)

    def valid_value(self, value) -> bool:
        # Not a number: no area, without reading the areas.
        return str(value).isdigit() and super().valid_value(value)

    def clean(self, value):
        value = super().clean(value)
        return self.areas()[str(value)] if value not in self.empty_values else None


class AreaChoiceFilter(django_filters.ChoiceFilter):
    field_class = AreaFilterField


class SearchFilter(django_filters.CharFilter):
    """A list's search box: rows whose text at any of ``paths`` contains the
    value, taken literally (blank: every row)."""

    def __init__(self, *args, paths: tuple[str, ...], **kwargs):
        self.paths = paths
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path}__contains": value})
        return queryset.filter(condition)


def area_picker_label(area: Area) -> str:
    """An area in a one-list picker of townships and villages: a village
    after its township, a township as all of it."""
    if area.level == AreaLevel.VILLAGE:
        return f"{area.parent.name} {area.name}" if area.parent is not None else area.name
    return f"{area.name}（全乡镇）"


class AreaFilterSet(django_filters.FilterSet):
    area_path = "area"
    # Rows that always sit in a village name their township through it (a
    # household's ``village__parent``): filtering by that column reads its index.
    township_path: str | None = None
    # The 村 choices are only the chosen township's villages (a village of
    # another township is not applied), as the household list offers them.
    villages_follow_township = False
    # A chosen village decides alone: the township is then not applied.
    village_overrides_township = False

    township = AreaChoiceFilter(label="乡镇", method="filter_township", empty_label="全部乡镇")
    village = AreaChoiceFilter(label="村", method="filter_village", empty_label="全部村")

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.actor = actor
        township = (data or {}).get("township")
        self._township_id = int(township) if township and str(township).isdigit() else None
        # Callables (lambdas: a form copies its fields deeply, and with them a
        # bound method's object): the areas are read only when a value is
        # checked or a drop-down rendered.
        self.filters["township"].extra.update(choices=lambda: self.township_options[1:], areas=self._areas_by_pk)
        villages = (lambda: self.village_options[1:]) if self.villages_follow_township else (lambda: self._all_villages())
        self.filters["village"].extra.update(choices=villages, areas=self._areas_by_pk)

    @cached_property
    def _options(self) -> dict[str, list[Area]]:
        return area_options_by_level(actor=self.actor)

    @property
    def townships(self) -> list[Area]:
        """The actor's townships, in code order."""
        return self._options["townships"]

    @property
    def villages(self) -> list[Area]:
        """All the actor's villages, in code order."""
        return self._options["villages"]

    def _areas_by_pk(self) -> dict[str, Area]:
        return {str(a.pk): a for a in self.townships + self.villages}

    def _all_villages(self) -> list[tuple[str, str]]:
        return [(str(a.pk), a.name) for a in self.villages]

    @cached_property
    def township_options(self) -> list[tuple[str, str]]:
        return [("", "全部乡镇")] + [(str(a.pk), a.name) for a in self.townships]

    @cached_property
    def village_options(self) -> list[tuple[str, str]]:
        """全部村 and the villages of the chosen township (all without one)."""
        return [("", "全部村")] + [
            (str(a.pk), a.name) for a in self.villages if self._township_id is None or a.parent_id == self._township_id
        ]

    @property
    def chosen(self) -> dict:
        """The submitted values that validated, empty ones left out: what a
        page calls "filtered" and what a ledger job stores."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", False)}

    def filter_township(self, queryset, name, value):
        if self.village_overrides_township and self.form.cleaned_data.get("village"):
            return queryset
        if self.township_path:
            return queryset.filter(**{self.township_path: value})
        return queryset.filter(**{f"{self.area_path}__code__startswith": area_code_prefix(value)})

    def filter_village(self, queryset, name, value):
        return queryset.filter(**{self.area_path: value})
