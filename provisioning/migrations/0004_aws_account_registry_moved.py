# The account registry moved to meshportal.aws (same tables): forget the models in provisioning's state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('provisioning', '0003_job_cancelled'),
        ('aws', '0001_initial'),
        ('catalog', '0007_aws_account_registry_moved'),
        ('access_requests', '0002_aws_account_registry_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AwsAccount'),
                migrations.DeleteModel(name='GovernanceSettings'),
            ],
            database_operations=[],
        ),
    ]
