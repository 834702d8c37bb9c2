# Harvests run on the outbox engine (meshportal/core/outbox): HarvestJob becomes an OutboxJob.
# The statuses keep their values (pending, running, succeeded and failed exist in both); started_at becomes the
# engine's claimed_at (when the current attempt started), so a harvest left running keeps its lease clock.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0007_aws_account_registry_moved'),
    ]

    operations = [
        migrations.RenameField(
            model_name='harvestjob',
            old_name='started_at',
            new_name='claimed_at',
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='last_error',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='last_error_code',
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='harvestjob',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='harvestjob',
            name='status',
            field=models.CharField(choices=[('pending', 'Committed, not yet enqueued'), ('queued', 'Queued'), ('running', 'Running'), ('retry', 'Waiting to retry'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10),
        ),
        migrations.AddIndex(
            model_name='harvestjob',
            index=models.Index(fields=['status', 'next_attempt_at'], name='harvest_status_idx'),
        ),
    ]
