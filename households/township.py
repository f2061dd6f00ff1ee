"""``Household.township``: the household's village's township, kept by the
database itself so that every write path keeps it right — the services, the
roster import, the demo seeder's multi-row INSERTs, the admin, a queryset
``update(village=…)``, and a village moved to another township.

On PostgreSQL a BEFORE trigger sets the column from the village; SQLite
cannot change the row being written, so an AFTER trigger corrects it. A
second trigger follows a village whose township changes. SQLite drops a
table's triggers when a later migration rebuilds the table, so
``ensure_township_triggers`` runs after every ``migrate`` too (it is
idempotent).
"""

from __future__ import annotations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION households_household_set_township() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.township_id := (SELECT parent_id FROM villages_area WHERE id = NEW.village_id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER households_household_township
    BEFORE INSERT OR UPDATE OF village_id, township_id ON households_household
    FOR EACH ROW EXECUTE FUNCTION households_household_set_township()
    """,
    """
    CREATE OR REPLACE FUNCTION households_village_moved() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE households_household SET township_id = NEW.parent_id WHERE village_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER households_village_moved
    AFTER UPDATE OF parent_id ON villages_area
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION households_village_moved()
    """,
]

_SQLITE_TOWNSHIP_OF_NEW = "(SELECT parent_id FROM villages_area WHERE id = NEW.village_id)"
SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS households_household_township_insert
    AFTER INSERT ON households_household
    FOR EACH ROW WHEN NEW.township_id IS NOT {_SQLITE_TOWNSHIP_OF_NEW}
    BEGIN
        UPDATE households_household SET township_id = {_SQLITE_TOWNSHIP_OF_NEW} WHERE id = NEW.id;
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS households_household_township_update
    AFTER UPDATE OF village_id, township_id ON households_household
    FOR EACH ROW WHEN NEW.township_id IS NOT {_SQLITE_TOWNSHIP_OF_NEW}
    BEGIN
        UPDATE households_household SET township_id = {_SQLITE_TOWNSHIP_OF_NEW} WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS households_village_moved
    AFTER UPDATE OF parent_id ON villages_area
    FOR EACH ROW WHEN NEW.parent_id IS NOT OLD.parent_id
    BEGIN
        UPDATE households_household SET township_id = NEW.parent_id WHERE village_id = NEW.id;
    END
    """,
]

DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS households_household_township ON households_household",
        "DROP TRIGGER IF EXISTS households_village_moved ON villages_area",
        "DROP FUNCTION IF EXISTS households_household_set_township()",
        "DROP FUNCTION IF EXISTS households_village_moved()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS households_household_township_insert",
        "DROP TRIGGER IF EXISTS households_household_township_update",
        "DROP TRIGGER IF EXISTS households_village_moved",
    ],
}

BACKFILL = (
    "UPDATE households_household SET township_id = "
    "(SELECT parent_id FROM villages_area WHERE villages_area.id = households_household.village_id)"
)


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES
    if vendor == "sqlite":
        return SQLITE
    raise NotImplementedError(f"Household.township needs triggers written for {vendor}.")


def create_township_triggers(cursor_or_editor, vendor: str) -> None:
    for statement in _statements(vendor):
        cursor_or_editor.execute(statement)


def drop_township_triggers(cursor_or_editor, vendor: str) -> None:
    for statement in DROP[vendor]:
        cursor_or_editor.execute(statement)


def ensure_township_triggers(*, using: str = "default", **kwargs) -> None:
    """``post_migrate``: put the triggers back if a table rebuild dropped them."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if not MigrationRecorder(connection).migration_qs.filter(app="households", name="0006_search_indexes").exists():
        return  # not migrated that far (e.g. migrating backwards)
    with connection.cursor() as cursor:
        create_township_triggers(cursor, connection.vendor)
