"""The elements of one commit, read through the persisted index, never loaded whole.

A :class:`Catalog` stands on the index rows of one branch (those describing the commit when
there are, else the nearest) plus the documents that differ between the commit those rows
describe and the catalog's own (its overlay, read from the store's diff, O(documents that
differ)). A lookup is one indexed query and a path lookup in the store; a page of a list is
two queries (the page and its count); bodies are fetched by id, a page at a time, and kept
only for the catalog's lifetime (a request, a write).

A write's planned result is :meth:`Catalog.patched`: the same rows, its changes on top.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, overload

from oms_project.lru import LRU
from ontology.documents import version, version_of_text
from ontology.index import queries
from ontology.index.maintain import base_for
from ontology.index.projection import facet, facets, is_element, reference_facet, search_text
from ontology.kinds import KINDS
from ontology.storage.base import Document, VersionedStore, canonical_json
from ontology.storage.exceptions import RefNotFound

logger = logging.getLogger(__name__)
Key = tuple[str, str]  # (kind, apiName)
T = TypeVar("T")


#: Which rows a read of a commit stood on last: (commit, preferred branch) -> (branch, the
#: commit those rows described). Reused by later reads of that commit, which verify it as
#: they read (``Catalog._fresh``) and move on if those rows moved.
_bases: LRU[tuple[str, str], tuple[str, str]] = LRU(1024)


def catalog_for(
    store: VersionedStore, commit: str, *, branch: str = "", locked: bool = False
) -> Catalog:
    """The catalog of a commit id, on the rows describing it or else those of ``branch``
    (else the default branch's): the rows it differs least from make it cheapest, so a
    caller names the branch closest to the commit (for a merge base, the branch it was
    forked from or merged into). ``branch`` may be any ref name: one that is no branch is
    ignored. ``locked``: a write holding ``branch``'s lock reads it; it looks the rows up
    afresh, or, when the lock is real (the store in the database), stands on the branch's
    own rows without looking: its first read of them checks that they describe the head,
    and later ones need not (nobody can move them)."""
    key = (commit, branch or store.default_branch)
    held = branch if locked and store.shares_database_transaction else ""
    if held:  # its rows describe the locked head unless lagging: the first read tells
        base: tuple[str, str] | None = (branch, commit)
    else:
        base = None if locked else _bases.get(key)
    if base is None:
        base = base_for(commit, prefer=key[1], fallback=store.default_branch)
        if base is not None:
            _bases.put(key, base)
    if base is not None:
        catalog = Catalog(commit, store=store, base=base[0], root=commit, held=held)
        try:
            catalog._pin(base[1])
            return catalog
        except RefNotFound:  # rows of a commit this store does not have (a restored store)
            pass
    catalog = Catalog(commit, store=store, root=commit)
    catalog._stand_alone()
    return catalog


def head_catalog(store: VersionedStore, branch: str, kind: str, api_name: str) -> Catalog | None:
    """The catalog of ``branch``'s head with the element of ``kind`` named ``api_name`` looked
    up, in one statement with the head (what a GET of one element costs): for a store whose
    refs live in the database beside the index rows, when those rows describe the head. None
    otherwise (no such branch, rows behind, another store): the caller finds the head first.
    """
    if not store.shares_database_transaction:
        return None
    head, described, entry = queries.at_head(branch, kind, api_name)
    if head is None or described != head:
        return None
    catalog = Catalog(head, store=store, base=branch, root=head, described=head)
    catalog._looked[kind, api_name] = entry.doc_id if entry else None
    if entry:
        catalog._entries[entry.doc_id] = entry
    return catalog


@dataclass(frozen=True)
class Page:
    """One page of a filtered list and how many elements match in all."""

    count: int
    documents: list[Document]
    more: bool
    exact: bool = True  # False: at least ``count`` match (a filtered count stops at a cap)


@dataclass(frozen=True)
class Choice:
    """The elements of one page of a list, (apiName, id) by apiName, and how many match."""

    chosen: list[tuple[str, str]]
    count: int
    more: bool
    exact: bool  # False: at least ``count`` match (a filtered count stops at a cap)


@dataclass(frozen=True)
class Text:
    """An element of a page as its canonical JSON text, with its apiName and version."""

    api_name: str
    text: str
    version: str


@dataclass(frozen=True)
class TextPage:
    """:class:`Page` as texts (``Catalog.texts``)."""

    count: int
    items: list[Text]
    more: bool
    exact: bool = True


@dataclass
class Catalog:
    """Every element of one commit (read-only).

    ``Catalog(commit)`` alone is an empty in-memory catalog; :meth:`patched` fills one.
    """

    commit: str
    store: VersionedStore | None = None
    base: str = ""  # the branch whose rows this catalog stands on ("" for none)
    root: str = ""  # the commit of the store this catalog is, or was patched from
    overlay: dict[str, Document | None] = field(default_factory=dict)
    own: dict[str, Document | None] = field(default_factory=dict)  # changes patched on
    described: str = ""  # the commit the base rows describe
    steady: bool = False  # the base rows cannot move while this catalog is in use
    held: str = ""  # the branch whose lock the reader holds: its rows, once read, are steady
    _bodies: dict[str, Document | None] = field(default_factory=dict, repr=False)  # at root
    _names: dict[Key, str] = field(default_factory=dict, repr=False)  # the overlay's
    _looked: dict[Key, str | None] = field(default_factory=dict, repr=False)  # the rows'
    _referred: dict[Key, list[str]] = field(default_factory=dict, repr=False)  # the rows'
    _overlay_facets: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _by_facet: dict[str, list[Document]] | None = field(default=None, repr=False)
    _referring: dict[Key, list[Document]] = field(default_factory=dict, repr=False)
    _entries: dict[str, queries.Entry] = field(default_factory=dict, repr=False)  # the rows'

    def __post_init__(self) -> None:
        self._index_overlay()

    # -- lookups -----------------------------------------------------------------------------

    def get(self, kind: str, api_name: str) -> Document | None:
        """The element of ``kind`` named ``api_name``, or None."""
        doc_id = self._located(kind, api_name)
        return None if doc_id is None else self._body(doc_id)

    def text(self, kind: str, api_name: str) -> Text | None:
        """The element of ``kind`` named ``api_name`` as its canonical JSON text (the store's
        own, never decoded, where its row keeps a content key), or None."""
        doc_id = self._located(kind, api_name)
        found = [] if doc_id is None else self._as_texts([(api_name, doc_id)])
        return found[0] if found else None

    def prefetch(self, keys: Iterable[Key], *, referrers: bool = False) -> None:
        """Look many (kind, apiName) up at once, with their bodies: their ``get`` is then free.
        ``referrers``: with the ids of the elements that refer to them, in the same round trip
        (what a write's integrity check asks next)."""
        found = self._look(keys, referrers=referrers)
        self.fetch(e.doc_id for e in found.values() if e.doc_id not in self.overlay)

    @property
    def by_id(self) -> ById:
        """The elements by id (a lazy mapping: iterating it reads every element)."""
        return ById(self)

    def of_kind(self, kind: str) -> list[Document]:
        """Every element of one kind sorted by apiName (O(elements of the kind))."""
        return self.documents(self.choose(kind, limit=None)).documents

    def referring_to(self, kind: str, api_name: str) -> list[Document]:
        """Elements that refer to (kind, apiName), sorted by kind and apiName."""
        return self.referring_to_many([(kind, api_name)])[(kind, api_name)]

    def referring_to_many(self, keys: Iterable[Key]) -> dict[Key, list[Document]]:
        """The elements that refer to each (kind, apiName), read in one go (and kept: a
        check asks again for the same names)."""
        asked = list(dict.fromkeys(keys))
        while True:  # again if the read stood on newer rows: what was kept went with the old
            pinned = (self.base, self.described)
            wanted = [key for key in asked if key not in self._referring]
            unread = [key for key in wanted if key not in self._referred]
            if self.base and unread:
                self._read_referrers(unread)
            if (self.base, self.described) == pinned:
                break
        found = {key: [i for i in self._referred.get(key, ()) if i not in self.overlay]
                 for key in wanted}  # fmt: skip
        bodies = self.fetch(i for ids in found.values() for i in ids)
        mine = self._overlay_by_facet()
        referring: dict[Key, list[Document]] = {}
        for key, ids in found.items():
            documents = [bodies[i] for i in ids if i in bodies]
            documents += mine.get(reference_facet(*key), [])
            referring[key] = sorted(documents, key=lambda d: (d["kind"], d["apiName"]))
        self._referring.update(referring)
        return {key: self._referring[key] for key in asked}

    def choose(
        self,
        kind: str,
        *,
        search: str = "",
        filters: Mapping[str, str] | None = None,
        after: str = "",
        limit: int | None = 50,
    ) -> Choice:
        """Which elements of ``kind`` match ``search`` and ``filters`` (name → value), by
        apiName, those named after ``after``, at most ``limit`` (None: all); read them with
        :meth:`documents` or :meth:`texts`."""
        wanted = [facet(name, value) for name, value in sorted((filters or {}).items())]
        needle = search.casefold()
        while True:  # again if the rows moved under the read: the overlay changed with them
            pinned = (self.base, self.described)
            mine = sorted(
                (d for i, d in self.overlay.items() if d is not None and d["kind"] == kind
                 and needle in search_text(d) and set(wanted) <= self._facets(i)),
                key=lambda d: d["apiName"],
            )  # fmt: skip
            rows, (count, exact) = self._rows(kind, needle, wanted, after, limit)
            if (self.base, self.described) == pinned:
                break
        count += len(mine)
        merged = sorted([(d["apiName"], d["id"]) for d in mine if d["apiName"] > after]
                        + [(name, entry.doc_id) for name, entry in rows])  # fmt: skip
        chosen = merged if limit is None else merged[:limit]
        return Choice(chosen, count, limit is not None and len(merged) > limit, exact)

    def documents(self, choice: Choice) -> Page:
        """The chosen elements, decoded."""
        bodies = self.fetch(doc_id for _, doc_id in choice.chosen)
        documents = [bodies[doc_id] for _, doc_id in choice.chosen if doc_id in bodies]
        return Page(choice.count, documents, choice.more, choice.exact)

    def texts(self, choice: Choice) -> TextPage:
        """The chosen elements as canonical JSON texts: the store's own, never decoded, where
        the rows keep content keys (what a list answers with); the others encoded here."""
        return TextPage(choice.count, self._as_texts(choice.chosen), choice.more, choice.exact)

    def _rows(
        self, kind: str, needle: str, wanted: list[str], after: str, limit: int | None
    ) -> tuple[list[queries.Named], tuple[int, bool]]:
        """A page of the base rows without the overlay's ids, and how many rows match."""
        if not self.base:
            return [], (0, True)
        hidden = [i for i, d in self.overlay.items() if d is None or d["kind"] == kind]
        extra = None if limit is None else limit + 1 + len(hidden)
        match = queries.Match(kind, needle, tuple(wanted))

        def read() -> tuple[list[queries.Named], tuple[int, bool]]:
            found = queries.page(self.base, match, after=after, limit=extra)
            total, exact = queries.count(self.base, match)
            if hidden:
                total -= queries.count(self.base, match, among=hidden)[0]
            return found, (total, exact)

        rows, counted = self._fresh(read)
        rows = [r for r in rows if r[1].doc_id not in self.overlay]
        self._entries.update((entry.doc_id, entry) for _, entry in rows)
        return rows, counted

    def version_of(self, document: Document) -> str:
        """An element's content hash (its ETag): from its row when it has one."""
        if document["id"] not in self.overlay:
            found = self._entries.get(document["id"])
            if found is not None:
                return found.version
        return version(document)

    def fetch(self, ids: Iterable[str]) -> dict[str, Document]:
        """The elements of ``ids`` present here, read in one go."""
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in self.overlay and i not in self._bodies]
        if missing and self.store is not None and self.described:
            read = self._read(self.store, missing)
            self._bodies.update({i: read.get(i) for i in missing})  # absent ones too
        found: dict[str, Document] = {}
        for doc_id in wanted:
            document = self.overlay[doc_id] if doc_id in self.overlay else self._bodies.get(doc_id)
            if document is not None and is_element(document):
                found[doc_id] = document
        return found

    # -- deriving --------------------------------------------------------------------------

    def patched(self, commit: str, changes: Iterable[tuple[str, Document | None]]) -> Catalog:
        """A catalog for ``commit``: this one with (id, document-or-None) changes applied."""
        own = {**self.own, **dict(changes)}
        return Catalog(
            commit, self.store, self.base, self.root, {**self.overlay, **own}, own,
            self.described, self.steady, self.held, self._bodies, _looked=self._looked,
            _referred=self._referred,
        )  # fmt: skip

    # -- internals -------------------------------------------------------------------------

    def _located(self, kind: str, api_name: str) -> str | None:
        """The id of the element of ``kind`` named ``api_name`` (its row looked up if need
        be), or None."""
        if not api_name:
            return None
        self._look([(kind, api_name)])  # may stand on newer rows: the overlay moves too
        doc_id = self._names.get((kind, api_name))
        if doc_id is not None:
            return doc_id
        doc_id = self._looked.get((kind, api_name))
        return None if doc_id is None or doc_id in self.overlay else doc_id

    def _look(self, keys: Iterable[Key], *, referrers: bool = False) -> dict[Key, queries.Entry]:
        """The rows of the (kind, apiName) keys not looked up yet (``referrers``: and the ids
        referring to them), read in one go."""
        keys = {k for k in keys if k[1]}
        wanted = sorted(k for k in keys if k not in self._looked and k not in self._names)
        referred = sorted(k for k in keys if k not in self._referred) if referrers else []
        if not (wanted or referred) or not self.base:
            return {}

        def read() -> tuple[tuple[dict[Key, queries.Entry], list[tuple[Key, str]]], str | None]:
            found, referring, head = queries.named_and_referring(self.base, wanted, referred)
            return (found, referring), head

        found, referring = self._fresh(read, stated=True)
        self._looked.update({key: found[key].doc_id if key in found else None for key in wanted})
        self._entries.update((entry.doc_id, entry) for entry in found.values())
        self._refer(referred, referring)
        return found

    def _read_referrers(self, keys: list[Key]) -> None:
        """Read and keep the ids the rows name as referring to each of ``keys``."""
        self._refer(keys, self._fresh(lambda: queries.referrers(self.base, keys), stated=True))

    def _refer(self, keys: list[Key], rows: list[tuple[Key, str]]) -> None:
        """Keep the ids the rows name as referring to each of ``keys``."""
        self._referred.update({key: [] for key in keys})
        for key, doc_id in rows:
            self._referred[key].append(doc_id)

    def _as_texts(self, chosen: list[tuple[str, str]]) -> list[Text]:
        """(apiName, id) pairs as texts, the store's own where the rows keep content keys."""
        stored = self._texts([doc_id for _, doc_id in chosen])
        bodies = self.fetch(doc_id for _, doc_id in chosen if doc_id not in stored)
        items = []
        for name, doc_id in chosen:
            if doc_id in stored:
                items.append(Text(name, *stored[doc_id]))
            elif doc_id in bodies:
                text = canonical_json(bodies[doc_id])
                items.append(Text(name, text, version_of_text(text)))
        return items

    def _texts(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(text, version) of the ids whose rows keep a content key, read from the store as
        the canonical JSON it keeps (the others: none)."""
        keyed = {
            e.content: e.doc_id
            for i in ids
            if i not in self.overlay and (e := self._entries.get(i)) and e.content
        }
        if not keyed or self.store is None:
            return {}
        texts = self.store.content_texts(keyed)
        return {keyed[k]: (text, self._entries[keyed[k]].version) for k, text in texts.items()}

    def _read(self, store: VersionedStore, ids: list[str]) -> dict[str, Document]:
        """Bodies at ``described`` in one read: by the content keys of their rows where the
        store keeps them (no walk down the commit's tree), else by id at that commit."""
        read = {i: json.loads(text) for i, (text, _) in self._texts(ids).items()}
        rest = [i for i in ids if i not in read]
        if rest:
            read.update(store.get_many(self.described, rest))
        return read

    def _body(self, doc_id: str) -> Document | None:
        return self.fetch([doc_id]).get(doc_id)

    def _facets(self, doc_id: str) -> set[str]:
        """The facets of an overlay element, worked out once per catalog."""
        found = self._overlay_facets.get(doc_id)
        if found is None:
            document = self.overlay[doc_id]
            found = self._overlay_facets[doc_id] = facets(document) if document else set()
        return found

    def _overlay_by_facet(self) -> dict[str, list[Document]]:
        """The overlay's elements by facet, worked out once per overlay (an import's overlay
        holds thousands of elements, and each of its link types asks)."""
        if self._by_facet is None:
            self._by_facet = {}
            for doc_id, document in self.overlay.items():
                if document is not None:
                    for facet_ in self._facets(doc_id):
                        self._by_facet.setdefault(facet_, []).append(document)
        return self._by_facet

    def _index_overlay(self) -> None:
        # A document that is not an element (the store may hold others) reads as absent.
        self.overlay = {i: d if is_element(d) else None for i, d in self.overlay.items()}
        self._overlay_facets = {}
        self._by_facet = None
        self._referring = {}
        self._names = {(d["kind"], d["apiName"]): i for i, d in self.overlay.items() if d}

    def _pin(self, described: str) -> None:
        """Stand on rows describing ``described``: the overlay is what differs from there."""
        assert self.store is not None
        self.described = described
        self._looked, self._entries, self._referred = {}, {}, {}
        differ = {} if described == self.root else {
            c.doc_id: c.after for c in self.store.changes(described, self.root)}  # fmt: skip
        self.overlay = {**differ, **self.own}
        self._index_overlay()

    @overload
    def _fresh(self, read: Callable[[], tuple[T, str | None]], *, stated: Literal[True]) -> T: ...
    @overload
    def _fresh(self, read: Callable[[], T], *, stated: Literal[False] = False) -> T: ...

    def _fresh(self, read: Callable[[], Any], *, stated: bool = False) -> Any:
        """``read`` of the base rows, repeated if they moved past the commit they described
        (another writer of that branch committed in between). A ``stated`` read returns the
        commit the rows describe along with what it read (one statement); any other is
        followed by a look at it. A write holding the branch lock (``held``) checks the rows
        of that branch once: from then on they are ``steady`` and nothing needs checking."""
        while True:
            found = read()
            if stated:
                found, now = found
            if self.steady or not self.base:  # no rows to check (``_stand_alone``: none)
                return found
            if not stated:
                now = queries.described(self.base)
            if now == "moved":  # the rows moved between two statements of the read
                continue
            if now == self.described:
                self.steady = self.base == self.held
                return found
            if now is None:  # the branch went, or never had rows: stand on other rows
                base = base_for(self.root, exclude=self.base)
                if base is None:
                    self._stand_alone()
                    continue  # reads of no rows find nothing: the overlay has it all
                self.base, now = base
            try:
                self._pin(now)
            except RefNotFound:  # rows of a commit this store does not have (a restored store)
                self._stand_alone()

    def _stand_alone(self) -> None:
        """Stand on no rows: the commit's documents, loaded whole, are the overlay (the index
        has no rows to read this commit from)."""
        assert self.store is not None
        logger.warning("No index rows to read %s from: loading it whole (run storage_reindex).",
                       self.root)  # fmt: skip
        self.base, self.described, self.steady = "", "", False
        self._looked, self._entries, self._referred = {}, {}, {}
        self.overlay = {**dict(self.store.snapshot(self.root)), **self.own}
        self._index_overlay()


class ById(Mapping[str, Document]):
    """A catalog's elements by id: lookups read what they need, iteration reads them all."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def __getitem__(self, doc_id: str) -> Document:
        found = self.catalog._body(doc_id)
        if found is None:
            raise KeyError(doc_id)
        return found

    def __iter__(self) -> Iterator[str]:
        for kind in KINDS:
            yield from (d["id"] for d in self.catalog.of_kind(kind))

    def __len__(self) -> int:
        return sum(self.catalog.choose(kind, limit=0).count for kind in KINDS)
