"""On PostgreSQL the audit table refuses UPDATE and DELETE, so not even a bug
or a raw SQL console session in the application's name can rewrite history."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION povertyrelief_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志不可修改或删除';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS povertyrelief_audit_immutable ON auditlog_logentry;
CREATE TRIGGER povertyrelief_audit_immutable
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION povertyrelief_refuse_audit_change();
"""
DROP = """
DROP TRIGGER IF EXISTS povertyrelief_audit_immutable ON auditlog_logentry;
DROP FUNCTION IF EXISTS povertyrelief_refuse_audit_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("povertyrelief", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
