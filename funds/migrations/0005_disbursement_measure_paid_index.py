"""A small index of the disbursements naming a measure, for what the measure ledger shows as paid."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('funds', '0004_allocationmeasure_village_allocation_newest'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='disbursement',
            index=models.Index(condition=models.Q(('measure__isnull', False)), fields=['measure', 'allocation'], name='disbursement_measure_paid'),
        ),
    ]
