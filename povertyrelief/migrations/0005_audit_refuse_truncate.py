"""On PostgreSQL the audit table refuses TRUNCATE too (``auditlogflush`` and a
console ``TRUNCATE`` fail), not only UPDATE and DELETE of single rows.

The test suite empties the database between transactional tests with TRUNCATE;
it sets ``povertyrelief.allow_audit_truncate = on`` on its own connections
(``tests/conftest.py``). No production connection sets it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION povertyrelief_refuse_audit_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('povertyrelief.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '审计日志不可清空';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS povertyrelief_audit_no_truncate ON auditlog_logentry;
CREATE TRIGGER povertyrelief_audit_no_truncate
    BEFORE TRUNCATE ON auditlog_logentry
    FOR EACH STATEMENT EXECUTE FUNCTION povertyrelief_refuse_audit_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS povertyrelief_audit_no_truncate ON auditlog_logentry;
DROP FUNCTION IF EXISTS povertyrelief_refuse_audit_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("povertyrelief", "0004_job")]
    operations = [migrations.RunPython(forwards, backwards)]
