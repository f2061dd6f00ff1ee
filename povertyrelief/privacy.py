"""Logging access to sensitive personal information."""

from .client_ip import client_ip
from .models import PersonalDataAccess


def personal_data_access_record(*, actor, kind: str, what: str, object_repr: str = "", filters: str = "", rows=None, request=None):
    """Record one reveal, export or print of personal data."""
    return PersonalDataAccess.objects.create(
        user=actor,
        kind=kind,
        what=what[:200],
        object_repr=object_repr[:200],
        filters=filters,
        rows=rows,
        ip_address=client_ip(request),
    )
