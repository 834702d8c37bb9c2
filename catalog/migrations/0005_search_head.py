"""Narrow ranking vector: ``search_head`` (name A, summary and tags B) with its GIN index (PostgreSQL only)."""

import django.contrib.postgres.search
from django.db import migrations


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE catalog_dataproduct SET search_head = "
        "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(tag_text, '')), 'B')"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_product_head_gin ON catalog_dataproduct USING gin (search_head)"
    )
    schema_editor.execute("ANALYZE catalog_dataproduct")


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_head_gin")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_harvest_freshness")]
    operations = [
        migrations.AddField(
            model_name="dataproduct",
            name="search_head",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
