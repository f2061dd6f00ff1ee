"""The township/village filter every list shares.

``AreaFilterSet`` is a django-filter FilterSet base: subclasses name the
path from their model to its area (``area_path``) and get two drop-downs,
乡镇 and 村, whose choices are limited to the actor's area (a value outside
it does not validate, so it filters nothing away and the selector's own
restriction still holds), and whose options for the filter bar are read in
one query (``township_options`` / ``village_options``).

A row matches a township when its area's code starts with the township's
(the township itself and its villages), and a village when its area is
that village. Models whose rows reach several villages override
``filter_village``.
"""

from __future__ import annotations

from functools import cached_property

import django_filters

from povertyrelief.permissions import area_code_prefix, restrict

from .models import Area, AreaLevel


def area_options(*, actor) -> list[Area]:
    """Townships and villages the actor may see, in code order (one query)."""
    return list(restrict(Area, actor).filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE]).order_by("code"))


class AreaFilterSet(django_filters.FilterSet):
    area_path = "area"

    township = django_filters.ModelChoiceFilter(
        label="乡镇", queryset=Area.objects.none(), method="filter_township", empty_label="全部乡镇"
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=Area.objects.none(), method="filter_village", empty_label="全部村"
    )

    def __init__(self, data=None, queryset=None, *, actor, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.actor = actor
        areas = restrict(Area, actor)
        self.filters["township"].queryset = areas.filter(level=AreaLevel.TOWNSHIP)
        self.filters["village"].queryset = areas.filter(level=AreaLevel.VILLAGE)
        township = (data or {}).get("township")
        self._township_id = int(township) if township and str(township).isdigit() else None

    def filter_township(self, queryset, name, value):
        return queryset.filter(**{f"{self.area_path}__code__startswith": area_code_prefix(value)})

    def filter_village(self, queryset, name, value):
        return queryset.filter(**{self.area_path: value})

    @cached_property
    def _area_options(self) -> list[Area]:
        return area_options(actor=self.actor)

    @property
    def township_options(self) -> list[tuple]:
        return [("", "全部乡镇")] + [(a.pk, a.name) for a in self._area_options if a.level == AreaLevel.TOWNSHIP]

    @property
    def village_options(self) -> list[tuple]:
        return [("", "全部村")] + [
            (a.pk, a.name)
            for a in self._area_options
            if a.level == AreaLevel.VILLAGE and (self._township_id is None or a.parent_id == self._township_id)
        ]
