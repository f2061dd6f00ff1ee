"""Each measure share keeps the village of the measure's household (filled
here for existing shares), so the measure ledger is scoped without joining
the measures and households; allocations get a newest-first index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_villages(apps, schema_editor):
    AllocationMeasure = apps.get_model("funds", "AllocationMeasure")
    Measure = apps.get_model("households", "Measure")
    village = Measure.objects.filter(pk=OuterRef("measure_id")).values("household__village_id")[:1]
    AllocationMeasure.objects.update(village_id=Subquery(village))


class Migration(migrations.Migration):
    dependencies = [("funds", "0003_allocation_cancel_disbursement_withdraw")]

    operations = [
        migrations.AddField(
            model_name="allocationmeasure",
            name="village",
            field=models.ForeignKey(
                editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="villages.area",
                verbose_name="村",
            ),
        ),
        migrations.RunPython(fill_villages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="allocationmeasure",
            name="village",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="villages.area", verbose_name="村",
            ),
        ),
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(fields=["-date", "-id"], name="allocation_newest"),
        ),
    ]
