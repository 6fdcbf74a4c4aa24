"""All elements of one commit, indexed by kind and apiName, with who-refers-to-whom.

A commit never changes, so its catalog is built once and kept (LRU). A catalog for a new
commit is derived from any cached one by applying only the documents that differ
(``store.changes``), so after a write the next read costs O(documents changed).
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from oms_project.lru import LRU
from ontology.documents import version
from ontology.kinds import KINDS
from ontology.references import references
from ontology.storage.base import Document, VersionedStore

Key = tuple[str, str]  # (kind, apiName)


@dataclass
class Catalog:
    """The elements of one commit (treat as read-only once built)."""

    commit: str
    by_id: dict[str, Document] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    # (kind, apiName) referred to -> ids of the elements that refer to it
    referrers: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Derived lazily and never copied by ``patched``: a catalog's elements never change.
    _sorted: dict[str, list[Document]] = field(default_factory=dict, repr=False)
    _versions: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, kind: str, api_name: str) -> Document | None:
        doc_id = self.names.get(kind, {}).get(api_name)
        return self.by_id.get(doc_id) if doc_id else None

    def of_kind(self, kind: str) -> list[Document]:
        """Elements of one kind sorted by apiName (sorted once per catalog)."""
        if kind not in self._sorted:
            index = self.names.get(kind, {})
            self._sorted[kind] = [self.by_id[index[name]] for name in sorted(index)]
        return self._sorted[kind]

    def version_of(self, document: Document) -> str:
        """An element's content hash (its ETag), computed once per catalog."""
        found = self._versions.get(document["id"])
        if found is None:
            found = self._versions[document["id"]] = version(document)
        return found

    def referring_to(self, kind: str, api_name: str) -> list[Document]:
        """Elements that refer to (kind, apiName), sorted by kind and apiName."""
        found = [self.by_id[i] for i in self.referrers.get((kind, api_name), ())]
        return sorted(found, key=lambda d: (d["kind"], d["apiName"]))

    def patched(self, commit: str, changes: Iterable[tuple[str, Document | None]]) -> Catalog:
        """A catalog for ``commit``: this one with (id, document-or-None) changes applied."""
        names: dict[str, dict[str, str]] = defaultdict(dict)
        names.update({kind: dict(index) for kind, index in self.names.items()})
        new = Catalog(commit, dict(self.by_id), names, defaultdict(set))
        new.referrers.update({key: set(ids) for key, ids in self.referrers.items()})
        for doc_id, document in changes:
            new._remove(doc_id)
            if document is not None:
                new._add(document)
        return new

    def _add(self, document: Document) -> None:
        if document.get("kind") not in KINDS:
            return  # not an element (the store may hold other documents)
        self.by_id[document["id"]] = document
        self.names[document["kind"]][document["apiName"]] = document["id"]
        for ref in references(document):
            for kind in ref.kinds:
                self.referrers[(kind, ref.name)].add(document["id"])

    def _remove(self, doc_id: str) -> None:
        old = self.by_id.pop(doc_id, None)
        if old is None:
            return
        if self.names[old["kind"]].get(old["apiName"]) == doc_id:
            del self.names[old["kind"]][old["apiName"]]
        for ref in references(old):
            for kind in ref.kinds:
                self.referrers[(kind, ref.name)].discard(doc_id)


class CatalogCache:
    """Catalogs by commit id for one store, derived incrementally from the latest built."""

    def __init__(self, store: VersionedStore, size: int = 32) -> None:
        # Weak: the cache lives in a WeakKeyDictionary keyed by this store.
        self._store = weakref.ref(store)
        self.cache: LRU[str, Catalog] = LRU(size)
        self.latest: Catalog | None = None
        self.lock = threading.Lock()

    @property
    def store(self) -> VersionedStore:
        store = self._store()
        assert store is not None, "the store of this catalog cache is gone"
        return store

    def at(self, commit: str) -> Catalog:
        """The catalog of a commit id."""
        found = self.cache.get(commit)
        if found is not None:
            return found
        base = self.latest
        if base is None:
            catalog = Catalog(commit)
            for document in self.store.snapshot(commit).values():
                catalog._add(document)
        else:
            changes = self.store.changes(base.commit, commit)
            catalog = base.patched(commit, ((c.doc_id, c.after) for c in changes))
        self.remember(catalog)
        return catalog

    def remember(self, catalog: Catalog) -> None:
        """Keep a catalog built elsewhere (a write knows its new commit's changes)."""
        with self.lock:
            self.cache.put(catalog.commit, catalog)
            self.latest = catalog


_caches: weakref.WeakKeyDictionary[VersionedStore, CatalogCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def catalogs(store: VersionedStore) -> CatalogCache:
    """The catalog cache of a store instance (it goes when the store goes)."""
    with _caches_lock:
        if store not in _caches:
            _caches[store] = CatalogCache(store)
        return _caches[store]
