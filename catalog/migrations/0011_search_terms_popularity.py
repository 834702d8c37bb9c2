"""The vocabulary for spelling suggestions (``SearchTerm``), filled from the existing products; the products'
``popularity`` (the "popular" sort, kept by access_requests/popularity.py).

On PostgreSQL, ``pg_trgm`` and a trigram GIN index on the word: close spellings are an index lookup
(``term % 'custmer'``), not a scan of the vocabulary.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TRIGRAM_INDEX = "CREATE INDEX IF NOT EXISTS catalog_searchterm_trgm ON catalog_searchterm USING gin (term gin_trgm_ops)"


def trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM_INDEX)


def drop_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_searchterm_trgm")


def fill_vocabulary(apps, schema_editor):  # type: ignore[no-untyped-def]
    from catalog.search import terms_of

    product_model = apps.get_model("catalog", "DataProduct")
    term_model = apps.get_model("catalog", "SearchTerm")
    rows = product_model.objects.values_list("name", "summary", "tag_text", "column_text").iterator(chunk_size=2000)
    batch: set[str] = set()
    for row in rows:
        batch |= terms_of(row)
        if len(batch) >= 5000:
            term_model.objects.bulk_create([term_model(term=t) for t in batch], ignore_conflicts=True)
            batch = set()
    term_model.objects.bulk_create([term_model(term=t) for t in batch], ignore_conflicts=True)


def fill_certified(apps, schema_editor):  # type: ignore[no-untyped-def]
    from catalog.search import refresh_search_fields

    product_model = apps.get_model("catalog", "DataProduct")
    ids = list(product_model.objects.filter(contracts__isnull=False).values_list("pk", flat=True).distinct())
    for start in range(0, len(ids), 1000):  # only products with a contract can be certified
        refresh_search_fields(ids[start : start + 1000])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_product_contract_id")]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=64, unique=True)),
            ],
        ),
        migrations.RunPython(trigram_index, drop_trigram_index),
        migrations.AddField(
            model_name="dataproduct",
            name="popularity",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="dataproduct",
            index=models.Index(fields=["-popularity", "-updated_at"], name="product_popularity_idx"),
        ),
        migrations.AddField(
            model_name="dataproduct",
            name="certified",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(fill_vocabulary, migrations.RunPython.noop),
        migrations.RunPython(fill_certified, migrations.RunPython.noop),
    ]
