"""Git's object model in tables: content-addressed objects, commits, parents, refs, changes."""

from __future__ import annotations

from django.db import models


class StoreObject(models.Model):
    """An immutable object named by the SHA-256 of its type and canonical JSON text."""

    hash = models.CharField(max_length=64, primary_key=True)
    type = models.CharField(max_length=4)  # "doc" (a document body) | "tree" (a tree node)
    data = models.TextField()

    class Meta:
        app_label = "ontology"
        db_table = "oms_store_object"

    def __str__(self) -> str:
        return f"{self.type} {self.hash[:12]}"


class StoreCommit(models.Model):
    """An immutable commit: the root tree it produced, who, when, why, and its depth."""

    # id = sha256(stamp, tree): it covers the content. stamp = sha256(parents, author,
    # message, timestamp) is known before the tree is built, so tree entries can name the
    # commit that set them (see ``tree.py``) without a cycle.
    id = models.CharField(max_length=64, primary_key=True)
    stamp = models.CharField(max_length=64, unique=True)
    tree = models.CharField(max_length=64)
    author = models.CharField(max_length=200)
    message = models.TextField()
    timestamp = models.DateTimeField()
    # 1 + the largest parent generation: children always sort before their parents.
    generation = models.BigIntegerField()

    class Meta:
        app_label = "ontology"
        db_table = "oms_store_commit"

    def __str__(self) -> str:
        return f"commit {self.id[:12]}"


class StoreParent(models.Model):
    """One parent edge of the commit DAG (position 0 is the first parent)."""

    commit = models.ForeignKey(StoreCommit, models.PROTECT, related_name="parent_links")
    parent = models.ForeignKey(StoreCommit, models.PROTECT, related_name="child_links")
    position = models.PositiveSmallIntegerField()

    class Meta:
        app_label = "ontology"
        db_table = "oms_store_parent"
        constraints = [
            models.UniqueConstraint(fields=["commit", "position"], name="oms_store_parent_pos")
        ]

    def __str__(self) -> str:
        return f"{self.commit_id[:12]} -> {self.parent_id[:12]}"


class StoreRef(models.Model):
    """A branch (moved by compare-and-swap) or a tag (never moved)."""

    BRANCH, TAG = "branch", "tag"

    name = models.CharField(max_length=100, primary_key=True)
    kind = models.CharField(max_length=6, choices=[(BRANCH, "branch"), (TAG, "tag")])
    commit = models.ForeignKey(StoreCommit, models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        app_label = "ontology"
        db_table = "oms_store_ref"

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class StoreChange(models.Model):
    """The change index: a document a commit set (``blob``) or deleted (``blob`` is null).

    ``previous`` is the stamp of the commit that set the value this one replaced, so a
    document's history is a chain of O(1) lookups.
    """

    commit = models.ForeignKey(StoreCommit, models.PROTECT, related_name="changes")
    doc_id = models.CharField(max_length=200)
    blob = models.CharField(max_length=64, null=True)
    previous = models.CharField(max_length=64, null=True)

    class Meta:
        app_label = "ontology"
        db_table = "oms_store_change"
        constraints = [
            models.UniqueConstraint(fields=["commit", "doc_id"], name="oms_store_change_doc")
        ]

    def __str__(self) -> str:
        return f"{self.doc_id} @ {self.commit_id[:12]}"
