"""The facet index holds the element id too: lookups by facet read the index alone (SQLite
preferred the unique (branch, doc_id, facet) index without it, scanning the whole branch)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ontology", "0005_index_content"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="indexfacet",
            index=models.Index(
                fields=["branch", "facet", "doc_id"], name="oms_index_facet_lookup"
            ),
        ),
        migrations.RemoveIndex(
            model_name="indexfacet",
            name="oms_index_facet_value",
        ),
    ]
