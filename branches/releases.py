"""Tags and releases: immutable names on commits; a release also gets a semantic version
computed from the change classification since the previous release, and release notes."""

from __future__ import annotations

from branches.models import Release
from history.services import audit_event_record
from integrations.user_service.principal import Principal
from ontology import pipeline
from ontology.diff import Diff, diff_refs
from ontology.storage import get_store
from ontology.storage.base import Ref
from ontology.storage.exceptions import InvalidChange

FIRST_VERSION = "1.0.0"
SECTIONS = (
    ("breaking", "Breaking changes"),
    ("additive", "Additions"),
    ("safe", "Other changes"),
)


def tag_create(*, name: str, target: str, actor: Principal) -> Ref:
    """An immutable tag on the commit ``target`` resolves to."""

    def record(ref: Ref | None) -> Ref:
        assert ref is not None
        audit_event_record(
            type="oms.tag.created", subject=f"tags/{name}", actor=actor, commit=ref.head,
            data={"tag": name, "commit": ref.head, "release": None},
        )  # fmt: skip
        return ref

    return pipeline.ref_write(
        change=pipeline.RefChange("tag-create", name, target), actor=actor, record=record
    )


def release_create(*, target: str, actor: Principal, name: str = "") -> Release:
    """Tag ``target`` (on main) as the next release; version and notes from the diff."""
    store = get_store()
    commit = store.resolve(target)
    main_head = store.resolve(store.default_branch)
    if store.merge_base(commit, main_head) != commit:
        raise InvalidChange(
            f"Releases are cut from {store.default_branch}; {target!r} is not on it."
        )
    previous = Release.objects.order_by("-created_at").first()
    if previous is None:
        diff = diff_refs(base=_root(commit), head=commit)
        version, bump = FIRST_VERSION, "first"
    else:
        diff = diff_refs(base=previous.commit, head=commit)
        bump = diff.bump
        if bump == "none":
            raise InvalidChange(f"Nothing changed since release {previous.version}.")
        version = next_version(previous.version, bump)
    tag = name or f"v{version}"

    def record(ref: Ref | None) -> Release:
        release = Release.objects.create(
            tag=tag, version=version, commit=commit, previous=previous, bump=bump,
            notes=release_notes(version, previous.version if previous else None, diff),
            summary=diff.summary, created_by=actor.username,
        )  # fmt: skip
        audit_event_record(
            type="oms.tag.created", subject=f"tags/{tag}", actor=actor, commit=commit,
            data={"tag": tag, "commit": commit, "release": version, "bump": bump},
        )  # fmt: skip
        return release

    return pipeline.ref_write(
        change=pipeline.RefChange("tag-create", tag, commit), actor=actor, record=record
    )


def next_version(current: str, bump: str) -> str:
    """Semantic versioning: breaking → major, additive → minor, otherwise patch."""
    major, minor, patch = (int(part) for part in current.split("."))
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def release_notes(version: str, previous: str | None, diff: Diff) -> str:
    """Markdown notes: breaking changes first, each with its rule and fix hint."""
    lines = [f"# Release {version}", ""]
    lines.append(f"Changes since {previous}." if previous else "First release.")
    for impact, title in SECTIONS:
        changes = [c for c in diff.changes if c.impact == impact]
        if not changes:
            continue
        lines += ["", f"## {title}", ""]
        for change in changes:
            where = f"{change.kind}/{change.api_name}" + (
                "" if change.path == "$" else f" `{change.path}`"
            )
            hint = f" — {change.hint}" if impact == "breaking" and change.hint else ""
            lines.append(f"- **{change.type}** {where} ({change.rule}){hint}")
    if diff.uncovered:
        lines += ["", "## Not classified", ""]
        lines += [f"- {c.kind}/{c.api_name} `{c.path}`" for c in diff.uncovered]
    return "\n".join(lines) + "\n"


def _root(commit: str) -> str:
    """The first commit of the history of ``commit`` (the empty ontology)."""
    store = get_store()
    info = store.get_commit(commit)
    while info.parents:
        info = store.get_commit(info.parents[0])
    return info.id
