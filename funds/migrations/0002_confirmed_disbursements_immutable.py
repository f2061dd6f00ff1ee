"""On PostgreSQL the database itself refuses to delete a confirmed
disbursement or to change what it paid (amount, allocation, date, payee,
voucher, status): a correction is a reversal, never an edit. No-op on SQLite,
where the services are the only writers."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION funds_refuse_confirmed_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'confirmed' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '已确认的拨付不能删除，只能冲销';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status
           OR NEW.amount IS DISTINCT FROM OLD.amount
           OR NEW.allocation_id IS DISTINCT FROM OLD.allocation_id
           OR NEW.date IS DISTINCT FROM OLD.date
           OR NEW.payee IS DISTINCT FROM OLD.payee
           OR NEW.voucher_number IS DISTINCT FROM OLD.voucher_number
           OR NEW.reversal_of_id IS DISTINCT FROM OLD.reversal_of_id THEN
            RAISE EXCEPTION '已确认的拨付不能修改，只能冲销';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS funds_confirmed_disbursement_immutable ON funds_disbursement;
CREATE TRIGGER funds_confirmed_disbursement_immutable
    BEFORE UPDATE OR DELETE ON funds_disbursement
    FOR EACH ROW EXECUTE FUNCTION funds_refuse_confirmed_change();
"""
DROP = """
DROP TRIGGER IF EXISTS funds_confirmed_disbursement_immutable ON funds_disbursement;
DROP FUNCTION IF EXISTS funds_refuse_confirmed_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
