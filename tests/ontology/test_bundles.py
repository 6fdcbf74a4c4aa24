"""The JSON bundle: a lossless export, and imports matched by id, then by kind and apiName."""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from integrations.user_service.principal import SYSTEM
from oms_project import progress
from ontology.bundles import bundle_export, bundle_import
from ontology.examples import example_ontology_load
from ontology.exceptions import ElementReferenced, ImportConflict, IntegrityFailed, InvalidBundle
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import head, link_type, object_type, order_type, persona

pytestmark = pytest.mark.django_db
EDITOR = persona("editor")


def empty_branch(name: str = "copy") -> str:
    """A branch at the store's first commit (no elements)."""
    store = get_store()
    root = store.log("main", limit=500).commits[-1].id
    store.create_branch(name, start=root)
    return name


def bundle(*elements: dict) -> dict:
    return {"format": "oms-bundle", "formatVersion": 1, "elements": list(elements)}


def element(kind: str, body: dict) -> dict:
    return {"kind": kind, **body}


def seed(*operations: Operation) -> None:
    elements_commit(branch="dev", operations=list(operations), actor=EDITOR, message="seed")


def create(kind: str, body: dict) -> Operation:
    return Operation(op="create", kind=kind, body=body)


def by_key(exported: dict) -> dict[tuple[str, str], dict]:
    return {(e["kind"], e["apiName"]): e for e in exported["elements"]}


@pytest.fixture
def logistics(dev) -> str:
    """``dev`` holding the example logistics ontology."""
    example_ontology_load(branch="dev")
    return "dev"


# -- export -----------------------------------------------------------------------------------


def test_the_export_holds_every_element_as_stored_sorted_by_kind_then_api_name(logistics):
    exported = bundle_export(branch="dev")

    assert exported["format"] == "oms-bundle" and exported["formatVersion"] == 1
    assert exported["branch"] == "dev" and exported["commit"] == head()
    assert exported["exportedAt"]
    keys = [(e["kind"], e["apiName"]) for e in exported["elements"]]
    assert keys == sorted(keys)
    customer = by_key(exported)[("object-types", "Customer")]
    assert customer["id"].startswith("ot-")
    assert all(p["id"] for p in customer["properties"])
    assert "version" not in customer  # documents exactly as stored


def test_the_export_reads_the_branch_as_it_was_at_a_commit(dev):
    seed(create("object-types", object_type()))
    first = head()
    seed(create("object-types", object_type("Supplier")))

    then = bundle_export(branch="dev", at=first)

    assert then["commit"] == first
    assert [e["apiName"] for e in then["elements"]] == ["Customer"]


# -- round trip -------------------------------------------------------------------------------


def test_export_import_export_is_lossless_byte_for_byte(logistics):
    original = bundle_export(branch="dev")
    target = empty_branch()

    report = bundle_import(branch=target, bundle=original, actor=SYSTEM, message="copy")
    again = bundle_export(branch=target)

    assert len(report.created) == len(original["elements"])
    assert json.dumps(again["elements"]) == json.dumps(original["elements"])


def test_importing_the_same_bundle_again_changes_nothing(logistics):
    before = head()

    report = bundle_import(branch="dev", bundle=bundle_export(branch="dev"), actor=EDITOR)

    assert report.commit is None
    assert not report.created and not report.updated and not report.deleted
    assert len(report.unchanged) == len(bundle_export(branch="dev")["elements"])
    assert head() == before


def test_a_dry_run_reports_the_changes_and_writes_nothing(logistics):
    target = empty_branch()
    before = head(target)

    report = bundle_import(
        branch=target, bundle=bundle_export(branch="dev"), actor=SYSTEM, dry_run=True
    )

    assert report.dry_run and report.commit is None
    assert "object-types/Customer" in report.created
    assert head(target) == before
    assert bundle_export(branch=target)["elements"] == []


# -- matching and modes -----------------------------------------------------------------------


def test_merge_updates_matching_elements_and_keeps_the_others(dev):
    seed(create("object-types", object_type()), create("groups", {"apiName": "Sales"}))
    customer = by_key(bundle_export(branch="dev"))[("object-types", "Customer")]
    customer["description"] = "People who buy."

    report = bundle_import(branch="dev", bundle=bundle(customer), actor=EDITOR, message="docs")

    assert report.updated == ["object-types/Customer"]
    assert report.commit == head()
    assert get_store().log("dev", limit=1).commits[0].message == "docs"
    kept = by_key(bundle_export(branch="dev"))
    assert kept[("object-types", "Customer")]["description"] == "People who buy."
    assert ("groups", "Sales") in kept


def test_an_element_renamed_in_the_bundle_is_renamed_and_its_referrers_follow(dev):
    seed(
        create("object-types", object_type()),
        create("object-types", order_type()),
        create("link-types", link_type()),
    )
    customer = by_key(bundle_export(branch="dev"))[("object-types", "Customer")]
    customer["apiName"] = "Client"

    report = bundle_import(branch="dev", bundle=bundle(customer), actor=EDITOR)

    assert report.renamed == ["object-types/Customer -> Client"]
    assert report.cascaded == ["link-types/customerOrders"]
    after = by_key(bundle_export(branch="dev"))
    assert after[("object-types", "Client")]["id"] == customer["id"]
    assert after[("link-types", "customerOrders")]["source"]["objectType"] == "Client"


def test_elements_without_ids_match_by_kind_and_api_name(dev):
    seed(create("object-types", object_type()))
    known = by_key(bundle_export(branch="dev"))[("object-types", "Customer")]

    report = bundle_import(
        branch="dev",
        bundle=bundle(element("object-types", object_type(description="Buyers."))),
        actor=EDITOR,
    )

    assert report.updated == ["object-types/Customer"]
    after = by_key(bundle_export(branch="dev"))[("object-types", "Customer")]
    assert after["id"] == known["id"]
    assert [p["id"] for p in after["properties"]] == [p["id"] for p in known["properties"]]


def test_replace_deletes_what_the_bundle_does_not_hold(dev):
    seed(create("object-types", object_type()), create("groups", {"apiName": "Sales"}))
    customer = by_key(bundle_export(branch="dev"))[("object-types", "Customer")]

    report = bundle_import(branch="dev", bundle=bundle(customer), actor=EDITOR, mode="replace")

    assert report.deleted == ["groups/Sales"] and report.unchanged == ["object-types/Customer"]
    assert list(by_key(bundle_export(branch="dev"))) == [("object-types", "Customer")]


def test_replace_does_not_delete_what_the_bundle_still_refers_to(dev):
    seed(
        create("object-types", object_type()),
        create("object-types", order_type()),
        create("link-types", link_type()),
    )
    before = head()
    kept = [e for e in bundle_export(branch="dev")["elements"] if e["apiName"] != "Customer"]

    with pytest.raises(ElementReferenced):
        bundle_import(branch="dev", bundle=bundle(*kept), actor=EDITOR, mode="replace")
    assert head() == before


# -- bad bundles ------------------------------------------------------------------------------


def test_a_malformed_bundle_is_refused_with_a_path_per_problem(dev):
    bad = {
        "format": "something-else",
        "formatVersion": 2,
        "extra": True,
        "elements": [
            {"kind": "widgets", "apiName": "X"},
            element("object-types", object_type("lowercase")),
            element("groups", {"apiName": "Sales", "id": "has spaces"}),
            "not an object",
        ],
    }
    before = head()

    with pytest.raises(InvalidBundle) as caught:
        bundle_import(branch="dev", bundle=bad, actor=EDITOR)

    paths = {e["path"] for e in caught.value.errors}
    assert {"$.format", "$.formatVersion", "$.extra", "$.elements[0].kind"} <= paths
    assert {"$.elements[1].apiName", "$.elements[2].id", "$.elements[3]"} <= paths
    assert head() == before


def test_a_bundle_that_is_not_an_object_or_lacks_elements_is_refused(dev):
    with pytest.raises(InvalidBundle):
        bundle_import(branch="dev", bundle=[1, 2], actor=EDITOR)
    with pytest.raises(InvalidBundle) as caught:
        bundle_import(
            branch="dev", bundle={"format": "oms-bundle", "formatVersion": 1}, actor=EDITOR
        )
    assert caught.value.errors[0]["path"] == "$.elements"


def test_duplicate_ids_and_names_inside_a_bundle_are_refused(dev):
    first = element("groups", {"apiName": "Sales", "id": "gr-1"})
    twin = element("groups", {"apiName": "Sales", "id": "gr-1"})

    with pytest.raises(InvalidBundle) as caught:
        bundle_import(branch="dev", bundle=bundle(first, twin), actor=EDITOR)

    codes = {(e["path"], e["code"]) for e in caught.value.errors}
    assert codes == {("$.elements[1].id", "duplicate_id"),
                     ("$.elements[1].apiName", "duplicate_api_name")}  # fmt: skip


def test_an_import_that_breaks_integrity_writes_nothing(dev):
    before = head()
    orphan = element("link-types", link_type())

    with pytest.raises(IntegrityFailed) as caught:
        bundle_import(branch="dev", bundle=bundle(orphan), actor=EDITOR)

    assert any(e["path"].startswith("$.elements[0].source") for e in caught.value.errors)
    assert head() == before


def test_an_id_that_names_an_element_of_another_kind_is_a_conflict(dev):
    seed(create("groups", {"apiName": "Sales"}))
    group_id = by_key(bundle_export(branch="dev"))[("groups", "Sales")]["id"]
    clash = element("object-types", {**object_type(), "id": group_id})

    with pytest.raises(ImportConflict) as caught:
        bundle_import(branch="dev", bundle=bundle(clash), actor=EDITOR)
    assert caught.value.errors[0]["path"] == "$.elements[0].id"


def test_a_bundle_does_not_change_the_document_it_was_given(dev):
    given = bundle(element("object-types", object_type()))
    snapshot = copy.deepcopy(given)

    bundle_import(branch="dev", bundle=given, actor=EDITOR)

    assert given == snapshot


# -- commands ---------------------------------------------------------------------------------


def test_the_commands_export_and_import_a_bundle(logistics, tmp_path, capsys):
    path = tmp_path / "dev.json"
    call_command("ontology_export", "--branch", "dev", "--output", str(path))
    target = empty_branch()

    call_command("ontology_import", str(path), "--branch", target, "--message", "From file")

    out = capsys.readouterr().out
    assert f"Changed branch {target} (json, merge)" in out
    assert "created: object-types/Customer" in out
    assert bundle_export(branch=target)["elements"] == json.loads(path.read_text())["elements"]
    assert get_store().log(target, limit=1).commits[0].author == "system"


def test_the_import_command_dry_run_and_errors(logistics, tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(bundle(element("groups", {"apiName": "Archive"}))))
    before = head()

    call_command("ontology_import", str(path), "--branch", "dev", "--dry-run")
    assert "Would change branch dev" in capsys.readouterr().out
    assert head() == before

    path.write_text(json.dumps(bundle(element("groups", {"apiName": "bad name"}))))
    with pytest.raises(CommandError, match=r"\$\.elements\[0\]\.apiName"):
        call_command("ontology_import", str(path), "--branch", "dev")


def test_the_export_command_prints_to_stdout(logistics, capsys):
    call_command("ontology_export", "--branch", "dev")

    printed = json.loads(capsys.readouterr().out)
    assert printed["commit"] == head()


def test_long_commands_show_progress_on_stderr_and_end_with_counts(logistics, tmp_path):
    path = tmp_path / "dev.json"
    errors = io.StringIO()  # not a terminal: plain lines, each stage once, counts by tenths
    call_command("ontology_export", "--branch", "dev", "--output", str(path), stderr=errors)
    lines = errors.getvalue().splitlines()
    total = len(json.loads(path.read_text())["elements"])
    assert lines[0] == f"exporting elements: 1/{total}"
    assert f"exporting elements: {total}/{total}" in lines and len(lines) <= 13
    assert lines[-1].startswith("Wrote branch dev (json, ") and lines[-1].endswith(f"to {path}.")

    errors, out = io.StringIO(), io.StringIO()
    target = empty_branch()
    call_command("ontology_import", str(path), "--branch", target, stderr=errors, stdout=out)
    shown = errors.getvalue().splitlines()
    assert shown[0] == f"checking elements: 1/{total}"
    assert [line for line in shown if line.endswith("...")] == [
        "planning the changes...",
        f"checking {total} change(s)...",
        "writing one commit...",
    ]
    assert f"{total} created, 0 updated, 0 deleted" in out.getvalue()  # the counts, on stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_redrawn_line_with_a_bar(capsys):
    screen = Terminal()
    with progress.shown(screen):
        for done in range(1, 1001):
            progress.step("checking elements", done, 1000)
        progress.stage("writing one commit")
        progress.step("indexing", 5)  # no total: a count, the line left open
    drawn = screen.getvalue()
    assert drawn.count("\n") == 3  # the finished bar, the stage, and the open line closed
    assert f"\r\033[Kchecking elements: [{'#' * 24}] 1000/1000\n" in drawn
    assert drawn.count("\r") < 100  # redrawn at most ten times a second, not per item
    assert drawn.endswith("\r\033[Kindexing: 5\n")
    progress.step("outside any command", 1, 1)  # no block open (a request): nothing shown
    assert capsys.readouterr() == ("", "")
