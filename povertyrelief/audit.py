"""The audit trail: django-auditlog records every create/update/delete of a
registered model in one table (who, when, action, before/after per field).
This module reads it for record pages and the auditor's search.

ID, bank and disability certificate numbers are stored as they were, but
every page shows them masked (``changes_shown``), whoever reads: the full
value is seen only through the logged reveal on the record's own page."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from .masking import mask_changes

HISTORY_LIMIT = 50
# Optimistic-lock counters are bookkeeping, not data: never audited.
UNAUDITED_FIELDS = ("version",)


def changes_shown(entry: LogEntry) -> dict:
    """The entry's changes for people, ``{field label: [before, after]}``,
    with sensitive values masked before auditlog labels them."""
    masked = LogEntry(pk=entry.pk, content_type=entry.content_type, changes=mask_changes(entry.changes_dict))
    return masked.changes_display_dict


def history_for(instance, limit: int = HISTORY_LIMIT):
    """The latest changes of one record, newest first, with their actors."""
    content_type = ContentType.objects.get_for_model(type(instance))
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(instance.pk))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")[:limit]
    )


def audit_log_search(*, query: str = "", actor: str = "", action: str = "", model: str = "", date_from=None, date_to=None):
    """Audit entries matching the auditor's search, newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if query:
        from django.db.models import Q

        entries = entries.filter(Q(object_repr__contains=query) | Q(object_pk=query))
    if actor:
        entries = entries.filter(actor__username=actor)
    if action != "" and action is not None:
        entries = entries.filter(action=int(action))
    if model:
        entries = entries.filter(content_type_id=model)
    if date_from:
        entries = entries.filter(timestamp__date__gte=date_from)
    if date_to:
        entries = entries.filter(timestamp__date__lte=date_to)
    return entries


ACTION_LABELS = {0: "新增", 1: "修改", 2: "删除", 3: "访问"}


def audit_register(model, exclude: tuple[str, ...] = ()) -> None:
    """Audit a model's own columns (not reverse relations, not the id)."""
    from auditlog.registry import auditlog

    skipped = set(exclude) | set(UNAUDITED_FIELDS)
    fields = [f.name for f in model._meta.concrete_fields if f.name not in skipped and not f.primary_key]
    auditlog.register(model, include_fields=fields)
