# The account registry moved to meshportal.aws (same table): repoint the foreign keys in Django's state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_search_word_pairs'),
        ('aws', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='outputport',
                    name='aws_account',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='output_ports', to='aws.awsaccount'),
                ),
                migrations.AlterField(
                    model_name='harvestjob',
                    name='aws_account',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='harvests', to='aws.awsaccount'),
                ),
            ],
            database_operations=[],
        ),
    ]
