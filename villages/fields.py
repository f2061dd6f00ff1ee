"""The form fields that offer areas to choose from.

Every form drop-down of townships or villages is an ``AreaChoiceField`` (or,
choosing several, an ``AreaMultipleChoiceField``): its choices are the
actor's area options (``villages.selectors.area_options``) at its ``level``
that the actor may ``action``, in code order, labelled the way every area
picker labels them (a village after its township). The form hands the
field its actor once, ``field.offer_to(user)``; until then it offers
nothing, so a form that forgets cannot offer another area's villages.
"""

from __future__ import annotations

from django import forms

from .filters import area_picker_label
from .models import Area, AreaLevel
from .selectors import area_options


class AreaFieldMixin:
    def __init__(self, *, level: str | None = None, action: str = "view", **kwargs):
        self.level, self.action = level, action
        super().__init__(queryset=Area.objects.none(), **kwargs)

    def offer_to(self, actor) -> None:
        """Offer the areas of ``level`` the actor may ``action``."""
        self.queryset = area_options(actor=actor, action=self.action, level=self.level).select_related("parent")

    def label_from_instance(self, area: Area) -> str:
        # Townships alone need no "all of it" beside their name.
        return area.name if self.level == AreaLevel.TOWNSHIP else area_picker_label(area)


class AreaChoiceField(AreaFieldMixin, forms.ModelChoiceField):
    """One area of the actor's area options."""


class AreaMultipleChoiceField(AreaFieldMixin, forms.ModelMultipleChoiceField):
    """Any number of the actor's area options."""
