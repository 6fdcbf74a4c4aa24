"""Semantic diff: what changed between two commits, as typed and classified records.

Elements are matched by ``id`` and, inside an element, properties and action parameters by
their own ``id``, so a rename is a ``...Renamed`` record, never a removal plus an addition.
Each :class:`Change` has a type, the JSON path inside its element, the values before and
after, and the compatibility rule (``RULES``) that classified it: ``breaking``, ``additive``
or ``safe``, whom it affects and how to avoid the break. A reference that only follows an
element or property renamed in the same diff is a safe ``ReferenceRenamed``. A difference
that no rule understands is listed in ``uncovered`` and counts as breaking, so a diff is
never silently safe. Paths, rules and version bumps are described in docs/diff.md.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ontology.catalog import Catalog, catalog_for
from ontology.exceptions import NoMergeBase
from ontology.kinds import KINDS
from ontology.references import Path, references, renamed, set_at
from ontology.storage import get_store
from ontology.storage.base import Document, canonical_json

Impact = Literal["breaking", "additive", "safe"]
Mode = Literal["direct", "merge-base"]
Bump = Literal["major", "minor", "patch", "none"]
IMPACTS: tuple[Impact, ...] = ("breaking", "additive", "safe")
MODES: tuple[Mode, ...] = ("direct", "merge-base")
BUMPS: tuple[Bump, ...] = ("major", "minor", "patch", "none")
Pair = tuple[Document | None, Document | None]  # one element id before and after
Renames = dict[tuple[str, str], str]  # (kind, old apiName) -> new apiName
PropRenames = dict[tuple[str, str], dict[str, str]]  # (kind, old type name) -> {old: new}
CLIENTS, DATA, ACTIONS, INTERFACES = AFFECTS = (
    "api-clients", "instance-data", "actions", "interfaces",
)  # fmt: skip

#: The record type prefix of each kind: ObjectTypeAdded, LinkTypeRenamed, GroupRemoved ...
TYPE_PREFIX = {
    "object-types": "ObjectType", "link-types": "LinkType", "interfaces": "Interface",
    "action-types": "ActionType", "shared-properties": "SharedProperty",
    "value-types": "ValueType", "groups": "Group",
}  # fmt: skip
#: Who a removed element of each kind leaves stranded.
REMOVAL_AFFECTS = {
    "object-types": (CLIENTS, DATA, ACTIONS), "link-types": (CLIENTS, DATA, ACTIONS),
    "interfaces": (CLIENTS, INTERFACES), "action-types": (CLIENTS, ACTIONS),
    "shared-properties": (CLIENTS, INTERFACES), "value-types": (CLIENTS,),
    "groups": (CLIENTS,),
}  # fmt: skip
#: Lists whose items are addressed by a member instead of their position in paths.
KEYED_LISTS = {
    ("object-types", "properties"): "id",
    ("action-types", "parameters"): "id",
    ("interfaces", "properties"): "sharedProperty",
    ("interfaces", "links"): "apiName",
}
#: Data type widenings that keep every value (``integer`` fits a ``double`` exactly).
WIDENINGS = {("integer", "long"), ("integer", "double"), ("float", "double")}


@dataclass(frozen=True)
class Rule:
    """A compatibility rule: the change it covers and how that change is classified."""

    id: str
    type: str
    what: str
    impact: Impact
    affects: tuple[str, ...] = ()
    hint: str = ""


_RENAME_HINT = (
    "Clients call the old apiName: add the new one next to it and deprecate the old one, "
    "or ship the rename in a major release."
)
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("OMS-C000", "FieldChanged", "A field no rule covers changed", "breaking", AFFECTS,
             "No rule covers this field: review the change by hand (and add a rule)."),
        # every kind
        Rule("OMS-C001", "<Kind>Added", "An element was added", "additive"),
        Rule("OMS-C002", "<Kind>Removed", "An element was removed", "breaking", (CLIENTS,),
             "Deprecate it first (status deprecated, with replacedBy and a deadline); "
             "remove it once nothing uses it."),
        Rule("OMS-C003", "<Kind>Renamed", "An element's apiName changed", "breaking",
             (CLIENTS,), _RENAME_HINT),
        Rule("OMS-C004", "Deprecated", "An element or property became deprecated", "additive",
             (CLIENTS,), "Give clients a deadline and a replacedBy."),
        Rule("OMS-C005", "StatusChanged", "Promoted to active", "additive"),
        Rule("OMS-C006", "StatusChanged", "Demoted from active (experimental or example)",
             "breaking", (CLIENTS,),
             "Keep it active; put the new design in a new experimental element."),
        Rule("OMS-C007", "StatusChanged", "Any other status change (e.g. undeprecated)", "safe"),
        Rule("OMS-C008", "DeprecationChanged", "The deprecation notice changed", "safe",
             (CLIENTS,)),
        Rule("OMS-C009", "DisplayMetadataChanged",
             "displayName, pluralDisplayName, description, icon or visibility changed", "safe"),
        Rule("OMS-C010", "ReferenceRenamed",
             "A reference follows an element, property or parameter renamed in the same diff",
             "safe", (), "The rename itself is reported (and classified) separately."),
        Rule("OMS-C011", "ItemsReordered", "Only the order of a list changed", "safe"),
        Rule("OMS-C012", "ProvenanceChanged",
             "aliases, translations or the import origin (source IRI, version) changed", "safe"),
        # object types
        Rule("OMS-C020", "PrimaryKeyChanged", "The primary key is another property",
             "breaking", (CLIENTS, DATA, ACTIONS),
             "A primary key identifies stored objects: create a new object type with the new "
             "key, migrate the objects, deprecate the old type."),
        Rule("OMS-C021", "TitlePropertyChanged", "The title property is another property",
             "safe"),
        Rule("OMS-C022", "GroupAssigned", "The object type joined a group", "safe"),
        Rule("OMS-C023", "GroupUnassigned", "The object type left a group", "safe"),
        Rule("OMS-C024", "InterfaceImplemented", "The object type implements an interface",
             "additive", (INTERFACES,)),
        Rule("OMS-C025", "InterfaceDropped", "The object type no longer implements an "
             "interface", "breaking", (CLIENTS, INTERFACES),
             "Keep implementing the interface until its clients no longer reach this type "
             "through it."),
        Rule("OMS-C026", "PropertyAdded", "An optional property was added", "additive"),
        Rule("OMS-C027", "PropertyAdded", "A required property was added", "breaking",
             (DATA, ACTIONS),
             "Add it optional, backfill existing objects and create actions, then make it "
             "required."),
        Rule("OMS-C028", "PropertyRemoved", "A property was removed", "breaking",
             (CLIENTS, DATA, ACTIONS),
             "Deprecate the property first; remove it once clients stopped using it."),
        Rule("OMS-C029", "PropertyRenamed", "A property's apiName changed", "breaking",
             (CLIENTS,), _RENAME_HINT),
        Rule("OMS-C030", "PropertyTypeChanged", "A property's data type widened (every old "
             "value is still valid)", "additive", (CLIENTS,),
             "Clients that hold the value in the narrower type must widen it."),
        Rule("OMS-C031", "PropertyTypeChanged", "A property's data type changed otherwise",
             "breaking", (CLIENTS, DATA, ACTIONS),
             "Add a property of the new type, migrate the values, deprecate the old one."),
        Rule("OMS-C032", "PropertyRequiredChanged", "An optional property became required",
             "breaking", (DATA, ACTIONS),
             "Backfill existing objects and make every create action set it first."),
        Rule("OMS-C033", "PropertyRequiredChanged", "A required property became optional",
             "safe", (CLIENTS,), "Clients must now expect the value to be missing."),
        Rule("OMS-C034", "SharedPropertyBindingChanged", "A property was bound to a shared "
             "property", "additive"),
        Rule("OMS-C035", "SharedPropertyBindingChanged", "A property's shared property was "
             "removed or replaced", "breaking", (INTERFACES,),
             "Interfaces that use the shared property lose this property: keep the binding "
             "until no interface needs it."),
        Rule("OMS-C036", "ValueTypeBindingChanged", "A value type was bound or replaced",
             "breaking", (DATA,),
             "Check existing values against the value type's constraints before binding it."),
        Rule("OMS-C037", "ValueTypeBindingChanged", "A value type binding was removed", "safe"),
        # link types
        Rule("OMS-C040", "CardinalityChanged", "A link type's cardinality changed", "breaking",
             (CLIENTS, DATA, ACTIONS),
             "Create a new link type with the new cardinality, migrate the links, deprecate "
             "the old one."),
        Rule("OMS-C041", "LinkEndRetargeted", "A link end points at another object type",
             "breaking", (CLIENTS, DATA, ACTIONS),
             "Existing links cannot follow: create a new link type instead."),
        Rule("OMS-C042", "LinkEndRenamed", "A link end's linkApiName changed", "breaking",
             (CLIENTS,), _RENAME_HINT),
        Rule("OMS-C043", "ForeignKeyChanged", "The foreign key is another property",
             "breaking", (DATA,), "Copy the keys into the new property first, then switch."),
        Rule("OMS-C044", "JoinTableChanged", "The join table changed", "breaking", (DATA,),
             "Copy the rows into the new table first, then switch."),
        # interfaces
        Rule("OMS-C050", "ParentInterfaceAdded", "The interface extends another one",
             "additive", (INTERFACES,)),
        Rule("OMS-C051", "ParentInterfaceRemoved", "The interface no longer extends another "
             "one", "breaking", (CLIENTS, INTERFACES),
             "Clients reach implementers through the parent: keep extending it until they "
             "moved."),
        Rule("OMS-C052", "InterfacePropertyAdded", "An optional interface property was added",
             "additive"),
        Rule("OMS-C053", "InterfacePropertyAdded", "A required interface property was added",
             "breaking", (INTERFACES,),
             "Add it optional, let every implementer bind it, then make it required."),
        Rule("OMS-C054", "InterfacePropertyRemoved", "An interface property was removed",
             "breaking", (CLIENTS,), "Make it optional and deprecate it first."),
        Rule("OMS-C055", "InterfaceLinkAdded", "An optional interface link was added",
             "additive"),
        Rule("OMS-C056", "InterfaceLinkAdded", "A required interface link was added",
             "breaking", (INTERFACES,),
             "Add it optional, let every implementer provide it, then make it required."),
        Rule("OMS-C057", "InterfaceLinkRemoved", "An interface link was removed", "breaking",
             (CLIENTS,), "Make it optional and deprecate it first."),
        Rule("OMS-C058", "LinkEndRetargeted", "An interface link targets another type",
             "breaking", (CLIENTS, INTERFACES), "Add a new interface link instead."),
        Rule("OMS-C059", "CardinalityChanged", "An interface link's cardinality changed",
             "breaking", (CLIENTS, INTERFACES), "Add a new interface link instead."),
        Rule("OMS-C060", "PropertyRequiredChanged", "An interface property became required",
             "breaking", (INTERFACES,), "Let every implementer bind it first."),
        Rule("OMS-C061", "PropertyRequiredChanged", "An interface property became optional",
             "safe", (CLIENTS,), "Clients must now expect it to be missing."),
        Rule("OMS-C062", "LinkRequiredChanged", "An interface link became required",
             "breaking", (INTERFACES,), "Let every implementer provide it first."),
        Rule("OMS-C063", "LinkRequiredChanged", "An interface link became optional", "safe",
             (CLIENTS,), "Clients must now expect it to be missing."),
        # action types
        Rule("OMS-C070", "ParameterAdded", "An optional parameter was added", "additive"),
        Rule("OMS-C071", "ParameterAdded", "A required parameter was added", "breaking",
             (CLIENTS,),
             "Add it optional first; make it required once every caller sends it."),
        Rule("OMS-C072", "ParameterRemoved", "A parameter was removed", "breaking", (CLIENTS,),
             "Keep accepting (and ignoring) it until callers stopped sending it."),
        Rule("OMS-C073", "ParameterRenamed", "A parameter's apiName changed", "breaking",
             (CLIENTS,), _RENAME_HINT),
        Rule("OMS-C074", "ParameterTypeChanged", "A parameter's data type widened (every old "
             "argument is still valid)", "safe"),
        Rule("OMS-C075", "ParameterTypeChanged", "A parameter's data type changed otherwise",
             "breaking", (CLIENTS, ACTIONS),
             "Add a parameter of the new type and deprecate the old one."),
        Rule("OMS-C076", "ParameterRequiredChanged", "An optional parameter became required",
             "breaking", (CLIENTS,), "Make it required once every caller sends it."),
        Rule("OMS-C077", "ParameterRequiredChanged", "A required parameter became optional",
             "safe"),
        Rule("OMS-C078", "AllowedValuesChanged", "A parameter accepts fewer values", "breaking",
             (CLIENTS,), "Keep accepting the old values until callers stopped sending them."),
        Rule("OMS-C079", "AllowedValuesChanged", "A parameter accepts more values", "safe"),
        Rule("OMS-C080", "RuleChanged", "What the action writes changed", "breaking",
             (ACTIONS, DATA),
             "Add a new action type with the new behaviour and deprecate the old one."),
        Rule("OMS-C081", "SubmissionCriteriaChanged", "The submission criteria changed",
             "breaking", (CLIENTS, ACTIONS),
             "Tighter criteria refuse submissions that passed before: announce them first."),
        Rule("OMS-C082", "SideEffectsChanged", "Webhooks or notifications changed", "safe",
             (ACTIONS,), "Tell the owners of the webhooks and recipients."),
        Rule("OMS-C083", "SubmitterRolesChanged", "Fewer roles may submit the action",
             "breaking", (CLIENTS, ACTIONS),
             "Callers whose role was dropped are refused: tell them, or keep the role a while."),
        Rule("OMS-C084", "SubmitterRolesChanged", "More roles may submit the action", "safe"),
        # shared properties and value types
        Rule("OMS-C090", "SharedPropertyTypeChanged", "A shared property's data type widened",
             "additive", (CLIENTS,),
             "Clients that hold the value in the narrower type must widen it."),
        Rule("OMS-C091", "SharedPropertyTypeChanged", "A shared property's data type changed "
             "otherwise", "breaking", (CLIENTS, DATA, INTERFACES),
             "Add a new shared property and deprecate the old one."),
        Rule("OMS-C100", "ValueTypeBaseChanged", "A value type's base type widened",
             "additive", (CLIENTS,),
             "Clients that hold the value in the narrower type must widen it."),
        Rule("OMS-C101", "ValueTypeBaseChanged", "A value type's base type changed otherwise",
             "breaking", (CLIENTS, DATA), "Add a new value type and deprecate the old one."),
        Rule("OMS-C102", "ConstraintsChanged", "A constraint was loosened or dropped", "safe"),
        Rule("OMS-C103", "ConstraintsChanged", "A constraint was added or tightened",
             "breaking", (CLIENTS, DATA),
             "Check existing values against it first; writers that passed before may fail."),
    )
}  # fmt: skip
UNCOVERED = "OMS-C000"


@dataclass(frozen=True)
class Change:
    """One typed difference inside one element, classified by a rule."""

    type: str
    kind: str
    element_id: str
    api_name: str  # after, or before when removed
    path: str  # inside the element: "$" for the element itself
    before: Any
    after: Any
    rule: str
    impact: Impact
    affects: tuple[str, ...]
    hint: str
    member: str | None = None  # apiName of the property/parameter/link the path is in


KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


def _order(change: Change) -> tuple[Any, ...]:
    """Kind (in ``KINDS`` order), apiName, path; type and values only break ties."""
    return (
        KIND_ORDER.get(change.kind, len(KIND_ORDER)), change.api_name, change.path, change.type,
        _Values(change),
    )  # fmt: skip


class _Values:
    """A change's values as a sort key, encoded only when two changes tie on everything
    before them (an added element's value is the whole element)."""

    __slots__ = ("change", "_key")

    def __init__(self, change: Change) -> None:
        self.change = change
        self._key: tuple[str, str] | None = None

    def key(self) -> tuple[str, str]:
        if self._key is None:
            self._key = (canonical_json(self.change.before), canonical_json(self.change.after))
        return self._key

    def __lt__(self, other: _Values) -> bool:
        return self.key() < other.key()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Values) and self.key() == other.key()

    __hash__ = None  # type: ignore[assignment]  # mutable cache; never a dict key


@dataclass(frozen=True)
class Diff:
    """The changes from ``base`` (or ``merge_base``) to ``head``, in deterministic order."""

    base: str
    head: str
    changes: tuple[Change, ...]
    uncovered: tuple[Change, ...]
    mode: Mode = "direct"
    merge_base: str | None = None

    @property
    def summary(self) -> dict[str, Any]:
        """Counts: total, uncovered, per impact, per kind and per record type."""
        return {
            "total": len(self.changes),
            "uncovered": len(self.uncovered),
            "byImpact": {impact: sum(c.impact == impact for c in self.changes)
                         for impact in IMPACTS},
            "byKind": dict(sorted(Counter(c.kind for c in self.changes).items())),
            "byType": dict(sorted(Counter(c.type for c in self.changes).items())),
        }  # fmt: skip

    @property
    def bump(self) -> Bump:
        return version_bump(self)


def version_bump(diff: Diff) -> Bump:
    """The semantic version part a release with these changes raises."""
    if diff.uncovered or any(c.impact == "breaking" for c in diff.changes):
        return "major"
    if any(c.impact == "additive" for c in diff.changes):
        return "minor"
    return "patch" if diff.changes else "none"


# -- entry points -----------------------------------------------------------------------------


def diff_refs(*, base: str, head: str, mode: Mode = "direct") -> Diff:
    """The semantic diff between two refs (branch, tag or commit id).

    ``direct`` compares ``base`` with ``head``; ``merge-base`` compares the merge base of
    the two with ``head``: what merging ``head`` into ``base`` would bring.
    """
    store = get_store()
    base_commit, head_commit = store.resolve(base), store.resolve(head)
    start = base_commit
    if mode == "merge-base":
        found = store.merge_base(base_commit, head_commit)
        if found is None:
            raise NoMergeBase(f"{base!r} and {head!r} share no commit.")
        start = found
    changed = store.changed_ids(start, head_commit)
    before, after = (
        catalog_for(store, start, branch=base),
        catalog_for(store, head_commit, branch=head),
    )
    diff = semantic_diff(before, after, changed)
    return replace(
        diff, base=base_commit, mode=mode, merge_base=start if mode == "merge-base" else None
    )


def semantic_diff(before: Catalog, after: Catalog, changed: Iterable[str] | None = None) -> Diff:
    """The changes from ``before`` to ``after``; ``changed`` limits the ids looked at."""
    ids = sorted(set(before.by_id) | set(after.by_id) if changed is None else set(changed))
    old, new = before.fetch(ids), after.fetch(ids)
    pairs = [(old.get(i), new.get(i)) for i in ids]
    changes, uncovered = diff_documents(pair for pair in pairs if pair[0] != pair[1])
    return Diff(before.commit, after.commit, changes, uncovered)


def diff_documents(pairs: Iterable[Pair]) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """Changes and uncovered differences of (before, after) element pairs of one id."""
    pairs = list(pairs)
    renames, prop_renames = _renames(pairs)
    changes: list[Change] = []
    uncovered: list[Change] = []
    for old, new in pairs:
        element = _element_diff(old, new, renames, prop_renames)
        changes += element.changes
        uncovered += element.uncovered
    return tuple(sorted(changes, key=_order)), tuple(sorted(uncovered, key=_order))


# -- one element ------------------------------------------------------------------------------


@dataclass
class _Element:
    """The records of one element pair, as the field handlers find them."""

    kind: str
    element_id: str
    api_name: str
    changes: list[Change] = field(default_factory=list)
    uncovered: list[Change] = field(default_factory=list)

    def record(
        self, rule_id: str, path: str, before: Any, after: Any, member: str | None = None, *,
        type_: str | None = None, affects: tuple[str, ...] | None = None,
    ) -> None:  # fmt: skip
        rule = RULES[rule_id]
        change = Change(
            type=type_ or rule.type, kind=self.kind, element_id=self.element_id,
            api_name=self.api_name, path=path, before=before, after=after, rule=rule.id,
            impact=rule.impact, affects=rule.affects if affects is None else affects,
            hint=rule.hint, member=member,
        )  # fmt: skip
        (self.uncovered if rule_id == UNCOVERED else self.changes).append(change)


def _element_diff(
    old: Document | None, new: Document | None, renames: Renames, prop_renames: PropRenames
) -> _Element:
    document = new if new is not None else old
    assert document is not None
    kind = document["kind"]
    element = _Element(kind, document["id"], document.get("apiName", ""))
    prefix = TYPE_PREFIX.get(kind, "Element")
    if old is None:
        element.record("OMS-C001", "$", None, new, type_=f"{prefix}Added")
    elif new is None:
        affects = REMOVAL_AFFECTS.get(kind, (CLIENTS,))
        element.record("OMS-C002", "$", old, None, type_=f"{prefix}Removed", affects=affects)
    else:
        followed = _follow_renames(element, old, new, renames, prop_renames)
        handlers = {**COMMON_FIELDS, **KIND_FIELDS.get(kind, {})}
        _compare(element, followed, new, handlers, "$")
    return element


Handler = Callable[[_Element, str, Any, Any, str | None], None]
SERVER_FIELDS = ("id", "kind", "version")


def _compare(
    element: _Element, old: Mapping[str, Any], new: Mapping[str, Any],
    handlers: Mapping[str, Handler], path: str, member: str | None = None,
    skip: Iterable[str] = SERVER_FIELDS,
) -> None:  # fmt: skip
    """Hand every differing key to its handler; a key without one is uncovered."""
    skipped = set(skip)
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if key in skipped or before == after:
            continue
        handler = handlers.get(key)
        if handler is None:
            element.record(UNCOVERED, f"{path}.{key}", before, after, member)
        else:
            handler(element, f"{path}.{key}", before, after, member)


# -- renames ----------------------------------------------------------------------------------


def _renames(pairs: list[Pair]) -> tuple[Renames, PropRenames]:
    """Element renames {(kind, old): new} and property renames {(kind, type): {old: new}}."""
    renames: Renames = {}
    prop_renames: PropRenames = {}
    for old, new in pairs:
        if old is None or new is None:
            continue
        if old.get("apiName") != new.get("apiName"):
            renames[(old["kind"], old["apiName"])] = new["apiName"]
        if old["kind"] == "object-types":
            moved = _item_renames(old.get("properties", []), new.get("properties", []))
            if moved:
                prop_renames[("object-types", old["apiName"])] = moved
    return renames, prop_renames


def _item_renames(old_items: list[Any], new_items: list[Any]) -> dict[str, str]:
    """{old apiName: new apiName} of the items (with ids) renamed between two lists."""
    names: dict[str, Any] = {
        i["id"]: i.get("apiName") for i in new_items if isinstance(i, dict) and "id" in i
    }
    return {
        item["apiName"]: names[item["id"]]
        for item in old_items
        if isinstance(item, dict) and item.get("id") in names
        and names[item["id"]] != item.get("apiName")
    }  # fmt: skip


def _follow_renames(
    element: _Element, old: Document, new: Document, renames: Renames, prop_renames: PropRenames
) -> Document:
    """``old`` with references to what this diff renames rewritten, each one recorded."""
    # Without this, a rename would also show up as a retargeted link, a changed foreign
    # key or rule in every element that refers to the renamed one.
    followed = renamed(old, renames, prop_renames) or old
    for ref in references(old):
        was, now = _get(old, ref.path), _get(followed, ref.path)
        if was != now:
            path = _json_path(element.kind, followed, ref.path)
            element.record("OMS-C010", path, was, now, _member(element.kind, followed, ref.path))
    if element.kind in INNER_REFERENCES:
        items, walker = INNER_REFERENCES[element.kind]
        followed = _follow_item_renames(element, followed, new, items, walker)
    return followed


def _follow_item_renames(
    element: _Element, old: Document, new: Document, items: str,
    walker: Callable[[Document], Iterator[Path]],
) -> Document:  # fmt: skip
    """Follow renames of the element's own items (by id) where it names them by apiName."""
    moved = _item_renames(old.get(items, []), new.get(items, []))
    if not moved:
        return old
    followed = copy.deepcopy(old)
    for path in walker(followed):
        name = _get(followed, path)
        if name in moved:
            set_at(followed, path, moved[name])
            json_path = _json_path(element.kind, followed, path)
            element.record("OMS-C010", json_path, name, moved[name])
    return followed


def _property_pointers(document: Document) -> Iterator[Path]:
    yield from ((key,) for key in ("primaryKey", "titleProperty") if document.get(key))


def _parameter_references(document: Document) -> Iterator[Path]:
    for i, rule in enumerate(document.get("rules", [])):
        for key in ("object", "source", "target"):
            if rule.get(key):
                yield ("rules", i, key)
        for j, mapping in enumerate(rule.get("mappings", [])):
            if "parameter" in (mapping.get("value") or {}):
                yield ("rules", i, "mappings", j, "value", "parameter")
    for i, criterion in enumerate(document.get("submissionCriteria", [])):
        if criterion.get("parameter"):
            yield ("submissionCriteria", i, "parameter")


def _get(document: Any, path: Path) -> Any:
    node = document
    for part in path:
        node = node[part]
    return node


def _member(kind: str, document: Document, path: Path) -> str | None:
    """The apiName of the keyed list item (property, parameter ...) a path points into."""
    top = str(path[0])  # keyed lists are named fields: an int never finds a key
    key = KEYED_LISTS.get((kind, top))
    if key is None or len(path) < 2 or not isinstance(path[1], int):
        return None
    return _label(document[top][path[1]], key)


def _json_path(kind: str, document: Document, path: Path) -> str:
    """A tuple path as a JSON path, with keyed list items named by their key."""
    node: Any = document  # a document, then the lists and objects inside it
    text, parent = "$", None
    for depth, part in enumerate(path):
        if isinstance(part, int):
            key = KEYED_LISTS.get((kind, str(parent))) if depth == 1 else None
            item = node[part]
            named = key and isinstance(item, dict) and key in item
            text += f"[{key}={item[key]}]" if named else f"[{part}]"
        else:
            text += f".{part}"
        node, parent = node[part], part
    return text


# -- handlers ---------------------------------------------------------------------------------


def _rule(rule_id: str) -> Handler:
    """A handler that records every difference of its field under one rule."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        element.record(rule_id, path, before, after, member)

    return handler


def _submitter_roles(
    element: _Element, path: str, before: Any, after: Any, member: str | None
) -> None:
    """No roles named means every role with the scope: naming some, or dropping one, narrows."""
    old, new = set(before or []), set(after or [])
    narrower = bool(new) and (not old or bool(old - new))
    element.record("OMS-C083" if narrower else "OMS-C084", path, before, after, member)


def _renamed(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
    prefix = TYPE_PREFIX.get(element.kind, "Element")
    element.record("OMS-C003", path, before, after, type_=f"{prefix}Renamed")


def _status(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
    if after == "deprecated":
        rule = "OMS-C004"
    elif before == "deprecated":
        rule = "OMS-C007"
    elif after == "active":
        rule = "OMS-C005"
    elif before == "active":
        rule = "OMS-C006"
    else:
        rule = "OMS-C007"
    element.record(rule, path, before, after, member)


def _data_type(widened: str, other: str) -> Handler:
    """Widening (every old value still valid) under one rule, anything else under another."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        element.record(widened if widens(before, after) else other, path, before, after, member)

    return handler


def _required(tightened: str, loosened: str) -> Handler:
    """Optional → required under ``tightened``, required → optional under ``loosened``."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        element.record(tightened if after else loosened, path, before, after, member)

    return handler


def _value_type_binding(element: _Element, path: str, before: Any, after: Any, member: Any) -> None:
    element.record("OMS-C037" if not after else "OMS-C036", path, before, after, member)


def _binding(added: str, changed: str) -> Handler:
    """A reference that appears under ``added``; one removed or replaced under ``changed``."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        element.record(added if not before else changed, path, before, after, member)

    return handler


def _members(added: str, removed: str) -> Handler:
    """A list of names (groups, implements, extends): one record per name in or out."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        old, new = list(before or []), list(after or [])
        for name in sorted(set(new) - set(old)):
            element.record(added, path, None, name, member)
        for name in sorted(set(old) - set(new)):
            element.record(removed, path, name, None, member)
        if set(old) == set(new):
            element.record("OMS-C011", path, old, new, member)

    return handler


def _keyed_items(
    key: str, fields: Mapping[str, Handler], added: Callable[[Any], str], removed: str
) -> Handler:
    """A list whose items are matched by ``key``; ``added(item)`` picks the addition's rule."""

    def handler(element: _Element, path: str, before: Any, after: Any, member: str | None) -> None:
        old = {_item_key(item, key): item for item in before or [] if isinstance(item, dict)}
        new = {_item_key(item, key): item for item in after or [] if isinstance(item, dict)}
        for item_key in sorted(old.keys() | new.keys()):
            item_path = f"{path}[{item_key}]"
            if item_key not in new:
                element.record(removed, item_path, old[item_key], None, _label(old[item_key], key))
            elif item_key not in old:
                item = new[item_key]
                element.record(added(item), item_path, None, item, _label(item, key))
            else:
                label = _label(new[item_key], key)
                _compare(element, old[item_key], new[item_key], fields, item_path, label, (key,))
        kept_before = [i for k, i in old.items() if k in new]
        kept_after = [i for k, i in new.items() if k in old]
        if [_item_key(i, key) for i in kept_before] != [_item_key(i, key) for i in kept_after]:
            labels = ([_label(i, key) for i in kept_before], [_label(i, key) for i in kept_after])
            element.record("OMS-C011", path, *labels, member)

    return handler


def _item_key(item: Mapping[str, Any], key: str) -> str:
    """How a list item is addressed in paths: ``id=p-1f``; by apiName if it lacks the key."""
    # Stored items always carry their key; documents from elsewhere may not.
    return f"{key}={item[key]}" if key in item else f"apiName={item.get('apiName')}"


def _label(item: Mapping[str, Any], key: str) -> str:
    return str(item.get("apiName") or item.get(key))


def _if_required(required_rule: str, optional_rule: str, default: bool) -> Callable[[Any], str]:
    return lambda item: required_rule if item.get("required", default) else optional_rule


def _allowed_values(element: _Element, path: str, before: Any, after: Any, member: Any) -> None:
    # No list means any value is allowed.
    fewer = after is not None and (before is None or not _values(after) >= _values(before))
    element.record("OMS-C078" if fewer else "OMS-C079", path, before, after, member)


def _rules(element: _Element, path: str, before: Any, after: Any, member: Any) -> None:
    old, new = list(before or []), list(after or [])
    for index in range(max(len(old), len(new))):
        was = old[index] if index < len(old) else None
        now = new[index] if index < len(new) else None
        if was != now:
            element.record("OMS-C080", f"{path}[{index}]", was, now)


def _constraints(element: _Element, path: str, before: Any, after: Any, member: Any) -> None:
    """One record per constraint type that changed; looser ones are safe."""
    types = {c.get("type") for c in [*(before or []), *(after or [])] if isinstance(c, dict)}
    for constraint_type in sorted(types, key=str):
        old = [c for c in before or [] if c.get("type") == constraint_type]
        new = [c for c in after or [] if c.get("type") == constraint_type]
        if old != new:
            rule = "OMS-C102" if _looser(old, new) else "OMS-C103"
            element.record(rule, f"{path}[type={constraint_type}]", old or None, new or None)


def _looser(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """Whether every value the ``old`` constraints allowed is allowed by the ``new`` ones."""
    if not new:
        return True
    if len(old) != 1 or len(new) != 1:
        return {canonical_json(c) for c in new} <= {canonical_json(c) for c in old}
    was, now = old[0], new[0]
    if was["type"] == "enum":
        return _values(now.get("values")) >= _values(was.get("values"))
    if was["type"] in ("range", "length"):
        return _bound_kept(was.get("min"), now.get("min"), low=True) and _bound_kept(
            was.get("max"), now.get("max"), low=False
        )
    return False  # another regex may refuse what the old one accepted


def _values(values: Any) -> set[str]:
    return {canonical_json(v) for v in values or []}


def _bound_kept(was: Any, now: Any, *, low: bool) -> bool:
    """Whether bound ``now`` admits everything ``was`` did (a missing bound is unbounded)."""
    if now is None:
        return True
    if was is None:
        return False
    try:
        return bool(now <= was if low else now >= was)
    except TypeError:
        return False


# -- data types -------------------------------------------------------------------------------


def widens(before: Any, after: Any) -> bool:
    """Whether data type ``after`` differs from ``before`` but holds every value of it."""
    return before != after and _holds(after, before)


def _holds(wide: Any, narrow: Any) -> bool:
    if wide == narrow:
        return True
    if not isinstance(wide, dict) or not isinstance(narrow, dict):
        return False
    kind = wide.get("type")
    if (narrow.get("type"), kind) in WIDENINGS:
        return True
    if kind != narrow.get("type"):
        return False
    if kind == "decimal":
        return _decimal_holds(wide, narrow)
    if kind == "array":
        return _holds(wide.get("itemType"), narrow.get("itemType"))
    if kind == "struct":
        return _struct_holds(wide, narrow)
    return False


def _decimal_holds(wide: dict[str, Any], narrow: dict[str, Any]) -> bool:
    try:
        integer_digits = wide["precision"] - wide["scale"] >= narrow["precision"] - narrow["scale"]
        return bool(integer_digits and wide["scale"] >= narrow["scale"])
    except (KeyError, TypeError):
        return False


def _struct_holds(wide: dict[str, Any], narrow: dict[str, Any]) -> bool:
    """Every old field kept (type held, not newly required); new fields optional."""
    old = {f.get("apiName"): f for f in narrow.get("fields", []) if isinstance(f, dict)}
    new = {f.get("apiName"): f for f in wide.get("fields", []) if isinstance(f, dict)}
    for name, now in new.items():
        was = old.get(name)
        if was is None:
            if now.get("required"):
                return False
        elif not _holds(now.get("dataType"), was.get("dataType")) or (
            now.get("required") and not was.get("required")
        ):
            return False
    return set(old) <= set(new)


# -- which handler covers which field ---------------------------------------------------------

#: Where an element names its own properties or parameters by apiName.
INNER_REFERENCES = {
    "object-types": ("properties", _property_pointers),
    "action-types": ("parameters", _parameter_references),
}

DISPLAY = _rule("OMS-C009")
PROVENANCE = _rule("OMS-C012")
COMMON_FIELDS: dict[str, Handler] = {
    "apiName": _renamed,
    "displayName": DISPLAY,
    "description": DISPLAY,
    "status": _status,
    "deprecation": _rule("OMS-C008"),
    "aliases": PROVENANCE,
    "translations": PROVENANCE,
    "origin": PROVENANCE,
}
PROPERTY_FIELDS: dict[str, Handler] = {
    "apiName": _rule("OMS-C029"),
    "displayName": DISPLAY,
    "description": DISPLAY,
    "visibility": DISPLAY,
    "status": _status,
    "dataType": _data_type("OMS-C030", "OMS-C031"),
    "required": _required("OMS-C032", "OMS-C033"),
    "sharedProperty": _binding("OMS-C034", "OMS-C035"),
    "valueType": _value_type_binding,
    "aliases": PROVENANCE,
    "translations": PROVENANCE,
    "originIri": PROVENANCE,
}
LINK_END_FIELDS: dict[str, Handler] = {
    "objectType": _rule("OMS-C041"),
    "linkApiName": _rule("OMS-C042"),
    "displayName": DISPLAY,
}
INTERFACE_PROPERTY_FIELDS: dict[str, Handler] = {
    "required": _required("OMS-C060", "OMS-C061"),
}
INTERFACE_LINK_FIELDS: dict[str, Handler] = {
    "target": _rule("OMS-C058"),
    "cardinality": _rule("OMS-C059"),
    "required": _required("OMS-C062", "OMS-C063"),
}
PARAMETER_FIELDS: dict[str, Handler] = {
    "apiName": _rule("OMS-C073"),
    "displayName": DISPLAY,
    "description": DISPLAY,
    "dataType": _data_type("OMS-C074", "OMS-C075"),
    "required": _required("OMS-C076", "OMS-C077"),
    "allowedValues": _allowed_values,
}


def _link_end(element: _Element, path: str, before: Any, after: Any, member: Any) -> None:
    _compare(element, before or {}, after or {}, LINK_END_FIELDS, path, member, ())


KIND_FIELDS: dict[str, dict[str, Handler]] = {
    "object-types": {
        "pluralDisplayName": DISPLAY,
        "visibility": DISPLAY,
        "icon": DISPLAY,
        "groups": _members("OMS-C022", "OMS-C023"),
        "implements": _members("OMS-C024", "OMS-C025"),
        "primaryKey": _rule("OMS-C020"),
        "titleProperty": _rule("OMS-C021"),
        "properties": _keyed_items(
            "id", PROPERTY_FIELDS, _if_required("OMS-C027", "OMS-C026", False), "OMS-C028"
        ),
    },
    "link-types": {
        "cardinality": _rule("OMS-C040"),
        "source": _link_end,
        "target": _link_end,
        "foreignKey": _rule("OMS-C043"),
        "joinTable": _rule("OMS-C044"),
    },
    "interfaces": {
        "extends": _members("OMS-C050", "OMS-C051"),
        "properties": _keyed_items(
            "sharedProperty", INTERFACE_PROPERTY_FIELDS,
            _if_required("OMS-C053", "OMS-C052", True), "OMS-C054",
        ),
        "links": _keyed_items(
            "apiName", INTERFACE_LINK_FIELDS, _if_required("OMS-C056", "OMS-C055", True),
            "OMS-C057",
        ),
    },
    "action-types": {
        "parameters": _keyed_items(
            "id", PARAMETER_FIELDS, _if_required("OMS-C071", "OMS-C070", True), "OMS-C072"
        ),
        "rules": _rules,
        "submissionCriteria": _rule("OMS-C081"),
        "sideEffects": _rule("OMS-C082"),
        "submitterRoles": _submitter_roles,
    },
    "shared-properties": {
        "dataType": _data_type("OMS-C090", "OMS-C091"),
        "valueType": _value_type_binding,
    },
    "value-types": {
        "baseType": _data_type("OMS-C100", "OMS-C101"),
        "constraints": _constraints,
    },
    "groups": {},
}  # fmt: skip
