"""What a database holds, as a backup's manifest records it and a restore
compares it: row counts of every table behind a model, money totals, the
latest migration of each app, the audit log's size and last entries, the
database's own triggers.

Read through any DB-API cursor: Django's on PostgreSQL (inside the snapshot
pg_dump reads), sqlite3's on a SQLite file (the copy itself is counted).
Only tables and columns the database has are read, so a database behind the
code's migrations (a backup taken before ``migrate``) is counted too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db import models

MONEY_APPS = ("households", "funds")
AUDIT_TABLE = "auditlog_logentry"
AUDIT_LAST = 10


def model_tables() -> list[str]:
    """Every table behind an installed model (many-to-many ones included)."""
    tables = {"django_migrations"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def money_columns() -> list[tuple[str, list[str], str | None]]:
    """(table, money columns, status column or None) of every households or
    funds model with money in it (DecimalField(14, 2))."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in MONEY_APPS:
            continue
        fields = model._meta.concrete_fields
        columns = [
            f.column for f in fields if isinstance(f, models.DecimalField) and (f.max_digits, f.decimal_places) == (14, 2)
        ]
        if columns:
            status = next((f.column for f in fields if f.name == "status"), None)
            found.append((model._meta.db_table, columns, status))
    return sorted(found)


def existing_tables(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in cursor.fetchall()}


def existing_columns(cursor, vendor: str, table: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = current_schema() AND table_name = '{table}'"
        )
        return {row[0] for row in cursor.fetchall()}
    cursor.execute(f'PRAGMA table_info("{table}")')
    return {row[1] for row in cursor.fetchall()}


def table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _sum_sql(column: str, vendor: str) -> str:
    # SQLite keeps decimals as floating point: add whole fen to stay exact.
    return f'SUM(CAST(ROUND("{column}" * 100) AS INTEGER))' if vendor == "sqlite" else f'SUM("{column}")'


def _money(value, vendor: str) -> str:
    amount = Decimal(value or 0).scaleb(-2) if vendor == "sqlite" else Decimal(value or 0)
    return f"{amount:.2f}"


def money_totals(cursor, vendor: str, existing: set[str]) -> dict[str, dict[str, str]]:
    """Sum of every money column, by status where the model has one
    ("*" otherwise): ``{"funds_disbursement.amount": {"confirmed": "1.00"}}``."""
    totals = {}
    for table, wanted, status in money_columns():
        present = existing_columns(cursor, vendor, table) if table in existing else set()
        columns = [column for column in wanted if column in present]
        if not columns:
            continue
        sums = ", ".join(_sum_sql(column, vendor) for column in columns)
        if status in present:
            cursor.execute(f'SELECT "{status}", {sums} FROM "{table}" GROUP BY "{status}" ORDER BY "{status}"')
        else:
            cursor.execute(f'SELECT \'*\', {sums} FROM "{table}"')
        rows = cursor.fetchall()
        for index, column in enumerate(columns, start=1):
            totals[f"{table}.{column}"] = {str(row[0]): _money(row[index], vendor) for row in rows}
    return totals


def migration_state(cursor) -> dict[str, str]:
    """The latest applied migration of each app."""
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def audit_summary(cursor) -> dict:
    """How many audit entries, and a fingerprint of the last ones (no names
    or numbers from the records themselves: a hash of their changes)."""
    cursor.execute(f'SELECT COUNT(*) FROM "{AUDIT_TABLE}"')
    count = cursor.fetchone()[0]
    cursor.execute(
        f'SELECT id, timestamp, action, content_type_id, object_pk, changes FROM "{AUDIT_TABLE}" '
        f"ORDER BY id DESC LIMIT {AUDIT_LAST}"
    )
    keys = ("id", "timestamp", "action", "content_type", "object_pk", "changes_sha256")
    last = [
        dict(zip(keys, (row[0], _text(row[1]), row[2], row[3], _text(row[4]), hashlib.sha256(_text(row[5]).encode()).hexdigest())))
        for row in cursor.fetchall()
    ]
    return {"count": count, "last": last}


def trigger_names(cursor, vendor: str) -> list[str]:
    """The database's own triggers ("table.trigger"), e.g. the audit table
    refusing changes and confirmed disbursements refusing edits."""
    if vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname || '.' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema() ORDER BY 1"
        )
    else:
        cursor.execute("SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")
    return [row[0] for row in cursor.fetchall()]


def database_figures(cursor, vendor: str) -> dict:
    """The figures a manifest records and a restore compares."""
    existing = existing_tables(cursor, vendor)
    return {
        "migrations": migration_state(cursor) if "django_migrations" in existing else {},
        "tables": table_counts(cursor, [table for table in model_tables() if table in existing]),
        "money": money_totals(cursor, vendor, existing),
        "audit": audit_summary(cursor) if AUDIT_TABLE in existing else {},
        "triggers": trigger_names(cursor, vendor),
    }


def _flatten(figures: dict) -> dict[str, dict[str, object]]:
    """Each figure by its label, as the comparison names it."""
    audit = figures.get("audit") or {}
    return {
        "迁移": figures.get("migrations", {}),
        "表": {table: f"{count} 行" for table, count in figures.get("tables", {}).items()},
        "金额": {
            f"{column}[{status}]": f"{amount} 元"
            for column, by_status in figures.get("money", {}).items()
            for status, amount in by_status.items()
        },
        "审计日志": {"条数": audit.get("count"), **{f"#{entry['id']}": _text(entry) for entry in audit.get("last", [])}},
        "触发器": {name: "有" for name in figures.get("triggers", [])},
    }


def compare_figures(expected: dict, got: dict) -> list[str]:
    """Every figure that differs, named with what the backup said and what
    the restored database holds."""
    differences = []
    wanted, found = _flatten(expected), _flatten(got)
    for label, values in wanted.items():
        for key in sorted(set(values) | set(found[label])):
            want, have = values.get(key, "无"), found[label].get(key, "无")
            if want != have:
                differences.append(f"{label} {key}：备份中为 {want}，恢复后为 {have}")
    return differences
