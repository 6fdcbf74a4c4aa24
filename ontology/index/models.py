"""The persisted index: one projection of every branch head, moved with the head.

A row per element of the head (``IndexEntry``: kind, apiName, search text, content
version, the store's key of its body), a row per facet of an element (``IndexFacet``: what
list filters match and whom it refers to), the number of elements per kind (``IndexCount``)
and one ``IndexState`` per branch naming the commit the rows describe. They change only in
``ontology.index.maintain``, in the transaction that moves the head.
"""

from __future__ import annotations

from django.db import models


class IndexState(models.Model):
    """The head a branch's rows describe ("" while the branch has no rows yet)."""

    branch = models.CharField(max_length=100, primary_key=True)
    head = models.CharField(max_length=64, blank=True)

    class Meta:
        app_label = "ontology"
        db_table = "oms_index_state"

    def __str__(self) -> str:
        return f"{self.branch} @ {self.head[:12]}"


class IndexEntry(models.Model):
    """One element of a branch head."""

    branch = models.CharField(max_length=100)
    doc_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    api_name = models.CharField(max_length=200)
    search = models.TextField(blank=True)  # apiName, displayName, description, casefolded
    version = models.CharField(max_length=64)
    # The store's key of the body (``VersionedStore.content_key``); "" for a store without
    # such keys, and in rows written before it was kept (``storage_reindex`` fills them).
    content = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        app_label = "ontology"
        db_table = "oms_index_entry"
        constraints = [
            models.UniqueConstraint(fields=["branch", "doc_id"], name="oms_index_entry_doc")
        ]
        indexes = [models.Index(fields=["branch", "kind", "api_name"], name="oms_index_entry_name")]

    def __str__(self) -> str:
        return f"{self.branch}: {self.kind}/{self.api_name}"


class IndexFacet(models.Model):
    """``name=value`` an element can be filtered by, or ``ref:kind/apiName`` it refers to."""

    branch = models.CharField(max_length=100)
    doc_id = models.CharField(max_length=200)
    facet = models.CharField(max_length=400)

    class Meta:
        app_label = "ontology"
        db_table = "oms_index_facet"
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "doc_id", "facet"], name="oms_index_facet_doc"
            )
        ]
        # With the id, a lookup by facet (a filter, the referrers of a name) reads the index
        # alone: without it SQLite preferred the unique index, scanning the whole branch.
        indexes = [
            models.Index(fields=["branch", "facet", "doc_id"], name="oms_index_facet_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.branch}: {self.doc_id} {self.facet}"


class IndexCount(models.Model):
    """How many elements of one kind a branch head has (an unfiltered list's count)."""

    branch = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    count = models.BigIntegerField()

    class Meta:
        app_label = "ontology"
        db_table = "oms_index_count"
        constraints = [
            models.UniqueConstraint(fields=["branch", "kind"], name="oms_index_count_kind")
        ]

    def __str__(self) -> str:
        return f"{self.branch}: {self.count} {self.kind}"
