# Webhook deliveries on the outbox engine, step 3 of 3: drop the per-attempt columns from the delivery (they live
# on WebhookDeliveryAttempt now), one delivery per (webhook, event), and the engine's statuses and index.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_delivery_attempts_data'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='webhookdelivery',
            name='uniq_delivery_attempt',
        ),
        migrations.RemoveIndex(
            model_name='webhookdelivery',
            name='delivery_due_idx',
        ),
        migrations.RemoveIndex(
            model_name='webhookdelivery',
            name='delivery_webhook_idx',
        ),
        # A default first, so that undoing this migration can add the column back to existing rows (0003's
        # reverse then sets the real values).
        migrations.AlterField(
            model_name='webhookdelivery',
            name='scheduled_for',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RemoveField(model_name='webhookdelivery', name='attempt'),
        migrations.RemoveField(model_name='webhookdelivery', name='duration_ms'),
        migrations.RemoveField(model_name='webhookdelivery', name='error'),
        migrations.RemoveField(model_name='webhookdelivery', name='response_body'),
        migrations.RemoveField(model_name='webhookdelivery', name='response_status'),
        migrations.RemoveField(model_name='webhookdelivery', name='scheduled_for'),
        migrations.RemoveField(model_name='webhookdelivery', name='started_at'),
        migrations.RemoveField(model_name='webhookdelivery', name='will_retry'),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='status',
            field=models.CharField(choices=[('pending', 'Committed, not yet enqueued'), ('queued', 'Queued'), ('running', 'Running'), ('retry', 'Waiting to retry'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(fields=['status', 'next_attempt_at'], name='delivery_retry_idx'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('webhook', 'event_id'), name='uniq_webhook_event_delivery'),
        ),
    ]
