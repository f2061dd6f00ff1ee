"""Unsaved rows built fast, and written a chunk of households at a time
through multi-row INSERTs."""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field

from django.db import connections, models, router, transaction
from django.utils import timezone

from ..models import Assignment, Household, Income, Measure, Member, Monitoring, Visit


@dataclass
class Plan:
    """One household in memory, with everything that hangs from it."""

    household: Household
    members: list[Member] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    measures: list[tuple[Measure, Member | None]] = field(default_factory=list)
    rest: list = field(default_factory=list)  # incomes, visits, monitorings


class RowFactory:
    """Builds unsaved rows through the model's positional constructor, the
    fast path Django itself uses when loading rows: with tens of thousands of
    rows per chunk, keyword construction dominated the seeder's time."""

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.model = model
        self.defaults = [None if f.primary_key else f.get_default() for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}

    def __call__(self, **values):
        args = self.defaults.copy()
        for name, value in values.items():
            args[self.position[name]] = value
        return self.model(*args)


@functools.cache
def _factory(model) -> RowFactory:
    return RowFactory(model)


def new(model, **values):
    """An unsaved ``model`` row; foreign keys are given as ``<name>_id``."""
    return _factory(model)(**values)


class BulkWriter:
    """Multi-row INSERTs for one model, up to a thousand rows per statement.

    ``bulk_create`` spends most of its time preparing each value in Python
    (about 60 million of them for 150,000 households); the seeder's values
    are already in their database form, so they go straight to the driver.
    With ``returning`` the new primary keys are set on the objects, as
    ``bulk_create`` does, so rows pointing at them can follow.
    """

    def __init__(self, model, *, returning: bool = False):
        self.connection = connections[router.db_for_write(model)]
        quote = self.connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.returning = returning
        self.get_values = operator.attrgetter(*(f.attname for f in fields))
        # Timestamps and files need the backend's own conversion.
        now = timezone.now()
        self.converters = []
        for index, f in enumerate(fields):
            if isinstance(f, models.DateTimeField):
                if f.auto_now or f.auto_now_add:
                    fixed = self.connection.ops.adapt_datetimefield_value(now)
                    self.converters.append((index, lambda value, fixed=fixed: fixed))
                else:
                    self.converters.append((index, self.connection.ops.adapt_datetimefield_value))
            elif isinstance(f, models.FileField):
                self.converters.append((index, lambda value: value.name or ""))
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        limit = self.connection.features.max_query_params or 30000
        self.rows_per_statement = max(1, min(1000, limit // len(fields)))
        self.head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
        self.row = row
        self.tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""

    def insert(self, objs: list) -> None:
        with self.connection.cursor() as wrapper:
            # The raw driver cursor: the debug wrapper would log every parameter.
            cursor = wrapper.cursor
            for start in range(0, len(objs), self.rows_per_statement):
                batch = objs[start:start + self.rows_per_statement]
                params = []
                for obj in batch:
                    values = list(self.get_values(obj))
                    for index, convert in self.converters:
                        values[index] = convert(values[index])
                    params.extend(values)
                cursor.execute(self.head + ", ".join([self.row] * len(batch)) + self.tail, params)
                if self.returning:
                    for obj, (pk,) in zip(batch, cursor.fetchall()):
                        obj.pk = pk
                        obj._state.adding = False


def flush(plans: list[Plan], writers: dict) -> None:
    """Write a chunk of households in one transaction, parents before children."""
    with transaction.atomic():
        writers[Household].insert([p.household for p in plans])
        members = []
        for plan in plans:
            for row in itertools.chain(plan.members, plan.assignments, plan.rest):
                row.household_id = plan.household.pk
            members.extend(plan.members)
        writers[Member].insert(members)
        writers[Assignment].insert([a for p in plans for a in p.assignments])
        rows: dict[type, list] = {Measure: []}
        for plan in plans:
            for row in plan.rest:
                rows.setdefault(type(row), []).append(row)
            for measure, member in plan.measures:
                measure.household_id = plan.household.pk
                measure.member_id = member.pk if member else None
                rows[Measure].append(measure)
        for model in (Income, Measure, Visit, Monitoring):
            writers[model].insert(rows.get(model, []))


def refresh_statistics(tables: list) -> None:
    """Planner statistics for the freshly loaded tables: PostgreSQL's
    autovacuum gets to them only later, and until then the first pages
    people open pick slow plans (a household page took three times as long)."""
    connection = connections[router.db_for_write(Household)]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
