"""Area-scoped permissions: the one place that decides who sees and changes what.

Every domain model's manager is built from ``ScopedQuerySet``. A model names
the path from itself to the village (or area) it belongs to in
``area_scope_path``; ``restrict(user, action)`` then keeps only rows inside the
user's area, and nothing at all when the role may not do the action. Views take
their querysets from here, so a row outside the user's area is a 404 in pages,
exports and PDFs alike.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models


def area_code_prefix(area) -> str:
    """The code prefix shared by an area and everything below it."""
    if area.level == "county":
        return area.code[:6]
    if area.level == "township":
        return area.code[:9]
    return area.code


def _areas_above(area) -> list:
    """The ids of the township and county above a village, or the county
    above a township."""
    if area.level == "township":
        above = [area.parent_id]
    else:
        above = [area.parent_id, area.parent.parent_id]
    return [pk for pk in above if pk]


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rows of this queryset the user may do ``action`` on: those of the
        user's area and below; for the actions a model names in
        ``area_scope_upward``, also those registered at the areas above it
        (cadres of county and township units serve the villages below)."""
        if user is None or not user.can(action):
            return self.none()
        path = getattr(self.model, "area_scope_path", None)
        if path is None:
            raise TypeError(f"{self.model.__name__} has no area_scope_path")
        prefix = area_code_prefix(user.area)
        lookup = "code__startswith" if path == "" else f"{path}__code__startswith"
        if user.area.level == "village":
            lookup = "code" if path == "" else f"{path}__code"
        scoped = self.filter(**{lookup: prefix})
        if action not in getattr(self.model, "area_scope_upward", ()) or user.area.level == "county":
            return scoped
        upward = {"pk__in" if path == "" else f"{path}__in": _areas_above(user.area)}
        return (scoped | self.filter(**upward)).distinct()


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def restrict(queryset, user, action: str = "view"):
    """Scope any queryset (or model) of a scoped model to the user."""
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    return queryset.restrict(user, action)


def require(user, action: str) -> None:
    """Refuse (403) a user whose role never may do ``action``."""
    if not user.can(action):
        raise PermissionDenied("您的角色无权执行此操作。")


def assert_in_scope(instance, user, action: str = "change") -> None:
    """After a save: the row must still be inside the user's area.

    Called inside the saving transaction; raising rolls the save back, so no
    one can move a record out of reach (e.g. to another township's village).
    """
    model = type(instance)
    if not model._default_manager.restrict(user, action).filter(pk=instance.pk).exists():
        raise PermissionDenied("保存后的记录将超出您的管辖范围，已撤销本次修改。")
