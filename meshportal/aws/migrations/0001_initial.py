# The AWS account registry moves from provisioning to the platform app meshportal.aws. The tables stay
# where they are (db_table): only Django's state moves, so no data is copied and no constraint changes.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('provisioning', '0003_job_cancelled'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AwsAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('account_id', models.CharField(max_length=12, unique=True, validators=[django.core.validators.RegexValidator('^\\d{12}$', 'An AWS account id is exactly 12 digits.')])),
                        ('name', models.CharField(max_length=120)),
                        ('role', models.CharField(choices=[('producer', 'Producer'), ('consumer', 'Consumer'), ('central', 'Central governance')], max_length=10)),
                        ('line_of_business', models.CharField(blank=True, max_length=120)),
                        ('region', models.CharField(default='eu-west-1', max_length=32)),
                        ('role_arn', models.CharField(blank=True, help_text='The role the portal assumes there; empty means the default role name.', max_length=2048, validators=[django.core.validators.RegexValidator('^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$', 'Expected an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>.')])),
                        ('organization_id', models.CharField(blank=True, help_text='AWS Organization id; no RAM invitation inside one organization.', max_length=64)),
                        ('is_active', models.BooleanField(default=True)),
                        ('last_tested_at', models.DateTimeField(blank=True, null=True)),
                        ('last_test_ok', models.BooleanField(blank=True, null=True)),
                        ('last_test_message', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'ordering': ['name'],
                        'db_table': 'provisioning_awsaccount',
                    },
                ),
                migrations.CreateModel(
                    name='GovernanceSettings',
                    fields=[
                        ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ('model', models.CharField(choices=[('central', 'One central governance account'), ('lob', 'One central account per line of business'), ('federated', 'Fully federated: each producer account grants')], default='federated', max_length=10)),
                        ('repair_missing_grants', models.BooleanField(default=True, help_text='The reconciler re-applies missing grants.')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={'db_table': 'provisioning_governancesettings'},
                ),
            ],
            database_operations=[],
        ),
    ]
