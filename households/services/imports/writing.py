"""Writing a planned import in one transaction: bulk inserts and updates,
household summaries, one audit entry per record, and a last check that
everything written lies inside the importer's area."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from datetime import timezone as dt_timezone
from itertools import islice

from auditlog.cid import get_cid
from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Field, Model, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.encoding import smart_str

from povertyrelief.models import User
from povertyrelief.permissions import restrict

from ...models import Household, Member, Relation
from ..printing import card_data_changed
from .planning import HOUSEHOLD_FIELDS, LOOKUP_CHUNK, MEMBER_DERIVED, Plan
from .report import HouseholdImportReport

BATCH_SIZE = 1000


class Conflict(Exception):
    pass


def _audit_fields(model: type[Model]) -> list[Field]:
    names = set(auditlog.get_model_fields(model)["include_fields"])
    return [f for f in model._meta.concrete_fields if f.name in names]


def _audit_value(obj: Model, model_field: Field) -> str:
    value = getattr(obj, model_field.attname)
    if type(value) is str:
        return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value, timezone=dt_timezone.utc)
    return smart_str(value)


def _log_entries(actor: User | None, plan: Plan) -> int:
    """One audit entry per created or changed record, as auditlog would have
    written on save, inserted in bulk batches (so memory stays flat); actor,
    address and correlation id come from the same context auditlog uses."""
    try:
        context = auditlog_value.get()
    except LookupError:
        context = {}
    common = {
        "actor": actor, "actor_email": getattr(actor, "email", None) if actor else None,
        "remote_addr": context.get("remote_addr"), "cid": get_cid(), "timestamp": timezone.now(),
    }

    def entries() -> Iterator[LogEntry]:
        for model, created, changed in (
            (Household, plan.new_households, plan.changed_households),
            (Member, plan.new_members, plan.changed_members),
        ):
            content_type = ContentType.objects.get_for_model(model)
            fields = _audit_fields(model)
            by_name = {f.name: f for f in fields}
            for obj in created:
                changes = {}
                for model_field in fields:
                    new = _audit_value(obj, model_field)
                    if new != "None":
                        changes[model_field.name] = ["None", new]
                yield LogEntry(
                    content_type=content_type, object_pk=str(obj.pk), object_id=obj.pk, object_repr=smart_str(obj),
                    action=LogEntry.Action.CREATE, changes=changes, **common,
                )
            for obj, diff in changed:
                changes = {name: [smart_str(old), _audit_value(obj, by_name[name])] for name, (old, _) in diff.items() if name in by_name}
                if changes:
                    yield LogEntry(
                        content_type=content_type, object_pk=str(obj.pk), object_id=obj.pk, object_repr=smart_str(obj),
                        action=LogEntry.Action.UPDATE, changes=changes, **common,
                    )

    count = 0
    pending = entries()
    while batch := list(islice(pending, BATCH_SIZE)):
        LogEntry.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        count += len(batch)
    return count


def _full_clean(objects: Iterable[Model], fields: list[str]) -> None:
    """Field checks (lengths, choices) on the fields the import sets; the
    cross-field rules were checked while planning and the database
    constraints back them all."""
    exclude = None
    for obj in objects:
        if exclude is None:
            exclude = [f.name for f in obj._meta.concrete_fields if f.name not in fields]
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def write(
    actor: User | None, plan: Plan, report: HouseholdImportReport, member_fields: list[str], progress: Callable[[int], None]
) -> None:
    now = timezone.now()
    household_fields = sorted({f for _, changes in plan.changed_households for f in changes})
    member_update_fields = sorted({f for _, changes in plan.changed_members for f in changes})
    # The village was found in the importer's scope; checking it again per
    # row would cost a query each.
    _full_clean(plan.new_households, HOUSEHOLD_FIELDS + ["number", "status"])
    _full_clean([h for h, _ in plan.changed_households], household_fields)
    _full_clean(plan.new_members, member_fields + list(MEMBER_DERIVED))
    _full_clean([m for m, _ in plan.changed_members], member_update_fields)
    with transaction.atomic(), set_actor(actor):
        touched = sorted(plan.touched)
        for start in range(0, len(touched), LOOKUP_CHUNK):
            chunk = touched[start : start + LOOKUP_CHUNK]
            for pk, version in Household.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "version"):
                if plan.versions[pk] != version:
                    raise Conflict
        Household.objects.bulk_create(plan.new_households, batch_size=BATCH_SIZE)
        progress(len(plan.new_households))
        if household_fields:
            for household, _ in plan.changed_households:
                household.updated_at = now
            Household.objects.bulk_update(
                [h for h, _ in plan.changed_households], household_fields + ["updated_at"], batch_size=BATCH_SIZE
            )
        progress(len(plan.changed_households))
        if member_update_fields:
            # Former 户主 first: one 户主 per household holds after every statement.
            demoted = [m for m, c in plan.changed_members if c.get("relation", (None,))[0] == Relation.HEAD]
            others = [m for m, c in plan.changed_members if c.get("relation", (None,))[0] != Relation.HEAD]
            Member.objects.bulk_update(demoted, member_update_fields, batch_size=BATCH_SIZE)
            Member.objects.bulk_update(others, member_update_fields, batch_size=BATCH_SIZE)
        progress(len(plan.changed_members))
        for member in plan.new_members:
            member.household_id = member.household.pk
        Member.objects.bulk_create(plan.new_members, batch_size=BATCH_SIZE)
        progress(len(plan.new_members))

        summarised = sorted(plan.touched | {h.pk for h in plan.new_households})
        current = Member.objects.filter(household=OuterRef("pk"), left_date__isnull=True).order_by()
        for start in range(0, len(summarised), BATCH_SIZE):
            chunk = summarised[start : start + BATCH_SIZE]
            Household.objects.filter(pk__in=chunk).update(
                head_name=Coalesce(Subquery(current.filter(relation=Relation.HEAD).values("name")[:1]), Value("")),
                member_count=Coalesce(
                    Subquery(current.values("household").annotate(n=Count("pk")).values("n")), Value(0)
                ),
            )
        card_data_changed(household_ids=summarised, at=now)
        # Optimistic locks: an edit form opened before the import is refused
        # rather than overwriting what the import wrote.
        for start in range(0, len(touched), BATCH_SIZE):
            Household.objects.filter(pk__in=touched[start : start + BATCH_SIZE]).update(version=F("version") + 1)
        changed_members = sorted(m.pk for m, _ in plan.changed_members)
        for start in range(0, len(changed_members), BATCH_SIZE):
            Member.objects.filter(pk__in=changed_members[start : start + BATCH_SIZE]).update(version=F("version") + 1)
        for household in plan.new_households:
            household.card_data_changed_at = now

        report.audit_entries = _log_entries(actor, plan)

        if actor is not None:
            # Everything written must lie inside the importer's area.
            allowed = restrict(Household, actor, "change")
            for start in range(0, len(summarised), LOOKUP_CHUNK):
                chunk = summarised[start : start + LOOKUP_CHUNK]
                if allowed.filter(pk__in=chunk).count() != len(chunk):
                    raise PermissionDenied("导入的户超出您的管辖范围，已撤销本次导入。")

