# Webhook deliveries move onto the outbox engine (meshportal/core/outbox), step 1 of 3: the attempt log table and
# the engine's fields. Three migrations, so that the data step (0003) runs in its own transaction between the
# schema steps (PostgreSQL refuses to alter a table with pending deferred foreign-key checks).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookDeliveryAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempt', models.PositiveIntegerField(help_text='1 for the first try; the X-MeshPortal-Attempt header.')),
                ('status', models.CharField(choices=[('sending', 'Sending'), ('succeeded', 'Delivered'), ('failed', 'Failed')], default='sending', max_length=10)),
                ('scheduled_for', models.DateTimeField(help_text='When this attempt was due.')),
                ('started_at', models.DateTimeField()),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('duration_ms', models.PositiveIntegerField(default=0)),
                ('response_status', models.PositiveIntegerField(blank=True, null=True)),
                ('response_body', models.TextField(blank=True)),
                ('error', models.TextField(blank=True)),
                ('will_retry', models.BooleanField(default=False, help_text='The delivery was put back for another attempt.')),
                ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='notifications.webhookdelivery')),
            ],
            options={
                'ordering': ['-id'],
                'constraints': [models.UniqueConstraint(fields=('delivery', 'attempt'), name='uniq_delivery_attempt_no')],
            },
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='last_error',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='last_error_code',
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
