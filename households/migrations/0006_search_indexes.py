"""Finding a person and listing a township at city scale.

- ``Household.township``, kept by database triggers (households/township.py),
  with an index serving a township's list in identification order and its
  counts from the index alone.
- Every member's ID number (members who left included: the ID search answers
  "where is, or was, this person registered").
- On PostgreSQL only (a no-op elsewhere): pg_trgm GIN indexes serving
  ``LIKE '%…%'`` on current members' names, heads' names and 户编号 for three
  characters or more, and GIN indexes over each text's one- and
  two-character pieces (``households_short_grams``) for one- and
  two-character searches, which trigrams cannot serve. pg_trgm is a trusted extension: the database owner may create it.
"""

import django.db.models.deletion
from django.db import migrations, models

from households.township import BACKFILL, create_township_triggers, drop_township_triggers

SHORT_GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION households_short_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, 2) AS n, generate_series(1, char_length(value) - n + 1) AS i
$$
"""

INDEXES = {
    "member_name_trgm": "households_member USING gin (name gin_trgm_ops) WHERE left_date IS NULL",
    "member_name_short_grams": "households_member USING gin (households_short_grams(name)) WHERE left_date IS NULL",
    "household_head_name_trgm": "households_household USING gin (head_name gin_trgm_ops)",
    "household_head_name_short_grams": "households_household USING gin (households_short_grams(head_name))",
    "household_number_trgm": "households_household USING gin (number gin_trgm_ops)",
    "household_number_short_grams": "households_household USING gin (households_short_grams(number))",
}


def fill_township(apps, schema_editor):
    schema_editor.execute(BACKFILL)
    create_township_triggers(schema_editor, schema_editor.connection.vendor)


def unfill_township(apps, schema_editor):
    drop_township_triggers(schema_editor, schema_editor.connection.vendor)


def create_text_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(SHORT_GRAMS_FUNCTION)
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_text_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS households_short_grams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("households", "0005_member_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="township",
            field=models.ForeignKey(
                blank=True, db_index=False, editable=False, null=True,
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="villages.area", verbose_name="乡镇",
            ),
        ),
        migrations.RunPython(fill_township, unfill_township, elidable=False),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["township", "identification_year", "id", "member_count", "village"], name="household_township_year",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["id_number"], name="member_id_number"),
        ),
        migrations.RunPython(create_text_search_indexes, drop_text_search_indexes, elidable=False),
    ]
