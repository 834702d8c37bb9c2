# The account registry moved to meshportal.aws (same table): repoint the foreign keys in Django's state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access_requests', '0001_initial'),
        ('aws', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='accessrequest',
                    name='consumer_account',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_requests', to='aws.awsaccount'),
                ),
                migrations.AlterField(
                    model_name='grant',
                    name='consumer_account',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='aws.awsaccount'),
                ),
            ],
            database_operations=[],
        ),
    ]
