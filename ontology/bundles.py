"""Whole-branch import and export as a native JSON bundle (the lossless format).

A bundle is ``{"format": "oms-bundle", "formatVersion": 1, "branch", "commit", "exportedAt",
"elements": [...]}`` with every element exactly as stored, ids included, sorted by kind then
apiName. An import matches incoming elements to the branch by id first, then by kind and
apiName, and applies what differs through the write pipeline (so it is checked and
atomic). :func:`elements_import` is the core that the Turtle import shares.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.utils import timezone

from integrations.user_service.principal import Principal
from oms_project import progress
from oms_project.memory import collector_paused
from ontology import documents, pipeline, selectors
from ontology.catalog import Catalog
from ontology.exceptions import ImportConflict, InvalidBundle, InvalidElement
from ontology.kinds import KINDS
from ontology.services import ElementEdits, Operation
from ontology.storage.base import DOC_ID_MAX, DOC_ID_RE, Document, canonical_json

FORMAT = "oms-bundle"
FORMAT_VERSION = 1
MAX_ELEMENTS = settings.OMS_MAX_IMPORT_ELEMENTS
BUNDLE_KEYS = {"format", "formatVersion", "branch", "commit", "exportedAt", "elements"}
SERVER_MEMBERS = ("id", "kind", "version")
Mode = Literal["merge", "replace"]
MODES = ("merge", "replace")

#: One grouped finding of a mapping: ``{"reason", "count", "subjects": [...]}``.
Finding = dict[str, Any]


@dataclass(frozen=True)
class Incoming:
    """One element to import: its kind, the id to keep (if any), its body, where it came from."""

    kind: str
    element_id: str | None
    body: dict[str, Any]
    validated: dict[str, Any]
    path: str

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.body['apiName']}"


@dataclass
class Prepared:
    """What an import brings to one catalog: its elements and what the mapping reported."""

    incoming: Sequence[Incoming]
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)


#: Elements, or how to map them against the catalog an import is planned on (the Turtle
#: mapping keeps the apiNames that catalog gives the IRIs it imported before).
Source = Sequence[Incoming] | Callable[[Catalog], Prepared]


@dataclass
class ImportReport:
    """What an import changed (or, as a dry run, would change) on a branch."""

    branch: str
    source: str  # "json" | "turtle"
    mode: str
    dry_run: bool
    base: str  # the head the import was planned on
    commit: str | None = None  # the new commit (None for a dry run or when nothing changed)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    cascaded: list[str] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as the API and the commands show it."""
        return {
            "branch": self.branch,
            "format": self.source,
            "mode": self.mode,
            "dryRun": self.dry_run,
            "base": self.base,
            "commit": self.commit,
            "created": self.created,
            "updated": self.updated,
            "renamed": self.renamed,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "cascaded": self.cascaded,
            "warnings": self.warnings,
            "unmapped": self.unmapped,
        }


# -- export -----------------------------------------------------------------------------------


def bundle_export(*, branch: str, at: str | None = None) -> dict[str, Any]:
    """Every element of ``branch`` (as of ``at``) as an OMS bundle."""
    return catalog_bundle(selectors.catalog_at(branch=branch, at=at), branch=branch)


def catalog_bundle(catalog: Catalog, *, branch: str) -> dict[str, Any]:
    """The bundle of one catalog (a commit) of ``branch``."""
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "branch": branch,
        "commit": catalog.commit,
        "exportedAt": timezone.now().isoformat(),
        "elements": catalog_elements(catalog),
    }


def catalog_elements(catalog: Catalog) -> list[Document]:
    """Every element of a catalog sorted by kind then apiName, each with its keys sorted."""
    # Canonical key order: a freshly written document and the same one read back from the
    # store then serialise to the same bytes.
    documents = [document for kind in sorted(KINDS) for document in catalog.of_kind(kind)]
    exported = []
    for count, document in enumerate(documents, 1):
        progress.step("exporting elements", count, len(documents))
        exported.append(json.loads(canonical_json(document)))
    return exported


# -- import -----------------------------------------------------------------------------------


@collector_paused()
def bundle_import(
    *,
    branch: str,
    bundle: Any,
    actor: Principal,
    message: str = "",
    mode: Mode = "merge",
    dry_run: bool = False,
) -> ImportReport:
    """Apply an OMS bundle to ``branch`` as one checked commit (nothing written on dry run)."""
    incoming = bundle_elements(bundle)
    return elements_import(
        branch=branch,
        incoming=incoming,
        actor=actor,
        message=message or f"Import {len(incoming)} element(s) from an OMS bundle ({mode})",
        mode=mode,
        dry_run=dry_run,
        source="json",
    )


def bundle_elements(bundle: Any) -> list[Incoming]:
    """The elements of a bundle, each checked against its kind's schema (``InvalidBundle``)."""
    if not isinstance(bundle, dict):
        raise InvalidBundle(
            "A bundle is a JSON object.",
            errors=[_error("$", "invalid", "Expected an object.")],
        )
    errors = _header_errors(bundle)
    elements = bundle.get("elements")
    incoming: list[Incoming] = []
    if not isinstance(elements, list):
        errors.append(_error("$.elements", "invalid", "elements is a list of elements."))
    elif len(elements) > MAX_ELEMENTS:
        limit = f"At most {MAX_ELEMENTS} elements (OMS_MAX_IMPORT_ELEMENTS)."
        errors.append(_error("$.elements", "too_many", limit))
    else:
        for index, element in enumerate(elements):
            progress.step("checking elements", index + 1, len(elements))
            item = _element(element, f"$.elements[{index}]", errors)
            if item is not None:
                incoming.append(item)
        errors.extend(duplicate_errors(incoming))
    if errors:
        raise InvalidBundle(f"The bundle has {len(errors)} problem(s).", errors=errors)
    return incoming


def _header_errors(bundle: dict[str, Any]) -> list[dict[str, str]]:
    errors = [
        _error(f"$.{key}", "unknown_field", "Unknown field.")
        for key in sorted(set(bundle) - BUNDLE_KEYS, key=str)
    ]
    if bundle.get("format") != FORMAT:
        errors.append(_error("$.format", "invalid_format", f"format must be {FORMAT!r}."))
    version = bundle.get("formatVersion")
    if version != FORMAT_VERSION or isinstance(version, bool):
        errors.append(
            _error(
                "$.formatVersion",
                "unsupported_version",
                f"This OMS reads formatVersion {FORMAT_VERSION}, not {version!r}.",
            )
        )
    for key in ("branch", "commit", "exportedAt"):
        if bundle.get(key) is not None and not isinstance(bundle[key], str):
            errors.append(_error(f"$.{key}", "invalid", f"{key} is a string."))
    return errors


def _element(element: Any, path: str, errors: list[dict[str, str]]) -> Incoming | None:
    """One bundle element checked on its own; problems go to ``errors``."""
    if not isinstance(element, dict):
        errors.append(_error(path, "invalid", "Each element is a JSON object."))
        return None
    kind = element.get("kind")
    if kind not in KINDS:
        errors.append(
            _error(f"{path}.kind", "invalid_kind", f"kind must be one of {', '.join(KINDS)}.")
        )
        return None
    element_id = element.get("id")
    if element_id is not None and not _valid_id(element_id):
        errors.append(
            _error(
                f"{path}.id",
                "invalid_id",
                f"An element id is letters, digits, '.', '_', ':' and '-' (at most {DOC_ID_MAX}).",
            )
        )
        return None
    body = {k: v for k, v in element.items() if k not in SERVER_MEMBERS}
    try:
        validated = documents.validated_body(kind, body, path)
    except InvalidElement as exc:
        errors.extend(exc.errors)
        return None
    return Incoming(kind, element_id, body, validated, path)


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= DOC_ID_MAX and bool(DOC_ID_RE.match(value))


def duplicate_errors(incoming: Sequence[Incoming]) -> list[dict[str, str]]:
    """Elements that repeat an id, or a kind and apiName, of an earlier one."""
    errors: list[dict[str, str]] = []
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for item in incoming:
        if item.element_id is not None:
            if item.element_id in ids:
                errors.append(
                    _error(
                        f"{item.path}.id",
                        "duplicate_id",
                        f"{ids[item.element_id]} has the id {item.element_id!r} already.",
                    )
                )
            ids.setdefault(item.element_id, item.path)
        if item.key in names:
            errors.append(
                _error(
                    f"{item.path}.apiName",
                    "duplicate_api_name",
                    f"{names[item.key]} is {item.key}.",
                )
            )
        names.setdefault(item.key, item.path)
    return errors


def elements_import(
    *,
    branch: str,
    incoming: Source,
    actor: Principal,
    message: str,
    mode: Mode = "merge",
    dry_run: bool = False,
    source: str = "json",
) -> ImportReport:
    """Make ``branch`` hold ``incoming`` (and, in replace mode, nothing else) in one commit."""
    if mode not in MODES:
        raise InvalidBundle(f"mode must be merge or replace, not {mode!r}.")
    report = ImportReport(branch=branch, source=source, mode=mode, dry_run=dry_run, base="")
    plan = ElementsImport(incoming, mode, report)
    try:
        written = pipeline.write(
            branch=branch, plan=plan, actor=actor, message=message, dry_run=dry_run
        )
    except _Unchanged:
        return report
    assert plan.edits is not None and plan.edits.last is not None
    # The report names what changed; it needs no versions of thousands of written elements.
    report.commit = written.commit.id if written.commit else None
    cascaded = plan.edits.last.cascaded.values()
    report.cascaded = sorted(f"{d['kind']}/{d['apiName']}" for d in cascaded)
    return report


class _Unchanged(Exception):
    """The branch already holds what the import brings: nothing to commit."""


class ElementsImport(pipeline.Plan):
    """An import, matched against the locked head and applied as element operations."""

    door: ClassVar[pipeline.Door] = "import"

    def __init__(self, incoming: Source, mode: Mode, report: ImportReport) -> None:
        self.incoming, self.mode, self.report = incoming, mode, report
        self.edits: ElementEdits | None = None

    def plan(self, before: Catalog) -> pipeline.Planned:
        report = self.report
        for names in (report.created, report.updated, report.renamed, report.deleted,
                      report.unchanged):  # fmt: skip
            names.clear()  # planned again when another writer moved the head first
        report.base = before.commit
        prepared = self.incoming(before) if callable(self.incoming) else Prepared(self.incoming)
        report.warnings, report.unmapped = prepared.warnings, prepared.unmapped
        operations = _plan(before, prepared.incoming, self.mode, report)
        if not operations:
            raise _Unchanged
        self.edits = ElementEdits(operations)  # planned here, inside this import's door
        return self.edits.plan(before)

    def locate(self, problem: dict[str, Any], doc_id: str) -> dict[str, Any]:
        return self.edits.locate(problem, doc_id) if self.edits else problem


def _plan(
    catalog: Catalog, incoming: Sequence[Incoming], mode: Mode, report: ImportReport
) -> list[Operation]:
    """The operations that bring the catalog to the incoming elements; fills the report."""
    matched = match_existing(catalog, incoming)
    deletes: list[Operation] = []
    updates: list[Operation] = []
    creates: list[Operation] = []
    for item, existing in zip(incoming, matched, strict=True):
        if existing is None:
            creates.append(
                Operation(
                    op="create",
                    kind=item.kind,
                    body=item.body,
                    path=item.path,
                    element_id=item.element_id,
                    checked=item.validated,
                )  # fmt: skip
            )
            report.created.append(item.key)
        elif _unversioned(documents.prepare(item.kind, item.validated, existing)) == (
            _unversioned(existing)
        ):
            report.unchanged.append(item.key)  # at most the source version moved on
        else:
            updates.append(
                Operation(
                    op="update",
                    kind=item.kind,
                    api_name=existing["apiName"],
                    body=item.body,
                    path=item.path,
                    checked=item.validated,
                )  # fmt: skip
            )
            report.updated.append(item.key)
            if existing["apiName"] != item.body["apiName"]:
                report.renamed.append(
                    f"{item.kind}/{existing['apiName']} -> {item.body['apiName']}"
                )
    if mode == "replace":
        kept = {d["id"] for d in matched if d is not None}
        for kind in sorted(KINDS):
            for document in catalog.of_kind(kind):
                if document["id"] not in kept:
                    deletes.append(
                        Operation(
                            op="delete", kind=kind, api_name=document["apiName"], path="$.elements"
                        )  # fmt: skip
                    )
                    report.deleted.append(f"{kind}/{document['apiName']}")
    for names in (report.created, report.updated, report.renamed, report.unchanged):
        names.sort()
    # Deletes first, so that a new element may take the apiName of one the import removes.
    return [*deletes, *updates, *creates]


def _unversioned(document: Document) -> Document:
    """The document without the source version its origin names: an element an upgrade
    brings unchanged keeps the version it last changed in (docs/import-export.md)."""
    origin = document.get("origin")
    if not isinstance(origin, dict) or "version" not in origin:
        return document
    return {**document, "origin": {k: v for k, v in origin.items() if k != "version"}}


def _origin_key(kind: str, origin: Any) -> tuple[str, str, str] | None:
    if not isinstance(origin, dict) or not isinstance(origin.get("iri"), str):
        return None
    return (kind, origin["iri"], str(origin.get("domain", "")))


def _by_origin(catalog: Catalog, incoming: Sequence[Incoming]) -> dict[Any, Document]:
    """The branch's elements by the IRI they were imported from, for the kinds ``incoming``
    brings with origins (an IRI two elements share identifies neither)."""
    kinds = {item.kind for item in incoming if item.body.get("origin")}
    found: dict[Any, Document] = {}
    shared: set[Any] = set()
    for kind in sorted(kinds):
        for document in catalog.of_kind(kind):
            key = _origin_key(kind, document.get("origin"))
            if key in found:
                shared.add(key)
            elif key is not None:
                found[key] = document
    return {k: v for k, v in found.items() if k not in shared}


def match_existing(catalog: Catalog, incoming: Sequence[Incoming]) -> list[Document | None]:
    """The branch element each incoming element replaces: the one imported from the same IRI
    first, then the one of the same id, then the one of the same kind and name."""
    matched: list[Document | None] = []
    claimed: set[str] = set()
    by_origin = _by_origin(catalog, incoming)
    for item in incoming:
        existing = by_origin.get(_origin_key(item.kind, item.body.get("origin")))
        if existing is not None and existing["id"] in claimed:
            existing = None
        if existing is None and item.element_id:
            existing = catalog.by_id.get(item.element_id)
        if existing is not None and existing["kind"] != item.kind:
            raise ImportConflict(
                f"{item.element_id!r} is a {KINDS[existing['kind']].label} on this branch, "
                f"not a {KINDS[item.kind].label}.",
                errors=[_error(f"{item.path}.id", "id_kind_mismatch",
                               f"{existing['kind']}/{existing['apiName']} has this id.")],
            )  # fmt: skip
        if existing is not None:
            claimed.add(existing["id"])
        matched.append(existing)
    for index, item in enumerate(incoming):
        if matched[index] is None:
            existing = catalog.get(item.kind, item.body["apiName"])
            if existing is not None and _other_origin(existing, item):
                existing = None  # the name is the same, the source concept is another one
            if existing is not None and existing["id"] not in claimed:
                matched[index] = existing
                claimed.add(existing["id"])
    return matched


def _other_origin(existing: Document, item: Incoming) -> bool:
    keys = (
        _origin_key(item.kind, existing.get("origin")),
        _origin_key(item.kind, item.body.get("origin")),
    )
    return None not in keys and keys[0] != keys[1]


def _error(path: str, code: str, message: str) -> dict[str, str]:
    return {"path": path, "code": code, "message": message}
