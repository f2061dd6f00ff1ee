from auditlog.models import LogEntry
from django import template

from povertyrelief.audit import changes_shown

register = template.Library()


@register.filter
def audit_changes(entry) -> list:
    """``(field label, [before, after])`` pairs of an audit entry, sensitive
    values masked. Entries already shaped for a page (with their own masked
    ``changes_display_dict``) pass through."""
    if isinstance(entry, LogEntry):
        return list(changes_shown(entry).items())
    return list(entry.changes_display_dict.items())


@register.filter
def audit_field_labels(entry: LogEntry) -> list[str]:
    """The labels of the fields an entry changed (no values, so nothing to mask)."""
    model = entry.content_type.model_class()
    labels = []
    for name in entry.changes_dict:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except Exception:
            labels.append(name)
    return labels
