"""Reading 防返贫监测 cases (the list and its totals: selectors.measures)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ..models import Monitoring


def monitoring_get(*, actor: User, pk: int, action: str = "view") -> Monitoring:
    """One case in the actor's area for ``action``, else 404."""
    cases = Monitoring.objects.select_related("household", "household__village", "household__village__parent")
    return get_object_or_404(restrict(cases, actor, action), pk=pk)
