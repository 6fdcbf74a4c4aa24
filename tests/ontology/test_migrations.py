"""Ontology migrations: files of operations applied once per branch, one commit each through
the pipeline; a failing operation changes nothing; a drafted migration reproduces its head."""

from __future__ import annotations

import sys
import textwrap
import uuid

import pytest
from django.core.management import CommandError, call_command

from integrations.user_service.principal import SYSTEM
from ontology.bundles import bundle_export
from ontology.evolution.models import AppliedMigration
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import head, link_type, object_type, order_type


@pytest.fixture
def package(tmp_path, settings):  # type: ignore[no-untyped-def]
    """An empty migration package on the path, named in the settings."""
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    settings.OMS_ONTOLOGY_MIGRATIONS = name
    yield tmp_path / name
    sys.path.remove(str(tmp_path))


def migration(package, name: str, body: str) -> None:  # type: ignore[no-untyped-def]
    source = "from ontology.evolution import operations as ops\n\n" + textwrap.dedent(body)
    (package / f"{name}.py").write_text(source)


def store_document(branch: str, kind: str, api_name: str) -> dict:
    from ontology.selectors import catalog_at

    found = catalog_at(branch=branch).get(kind, api_name)
    assert found is not None
    return {k: v for k, v in found.items() if k not in ("id", "kind", "version")}


def write(*operations: Operation, branch: str = "dev") -> None:
    elements_commit(branch=branch, operations=list(operations), actor=SYSTEM, message="seed")


@pytest.fixture
def seeded(dev) -> str:
    write(Operation("create", "object-types", body=object_type()),
          Operation("create", "object-types", body=order_type()),
          Operation("create", "link-types", body=link_type()))  # fmt: skip
    return "dev"


def test_a_migration_runs_once_per_branch_as_one_commit(seeded, package, capsys):
    migration(package, "0001_customers", """
        description = "Customers get tiers"
        operations = [
            ops.RenameProperty("Customer", "name", "fullName"),
            ops.AddProperty("Customer", {"apiName": "tier", "dataType": {"type": "string"}},
                            default="standard"),
            ops.ChangePropertyType("Customer", "id", {"type": "integer"}, cast="int(value)"),
            ops.ChangePropertyType("Order", "customerId", {"type": "integer"},
                                   cast="int(value)"),
            ops.MoveToSharedProperty("Order", "name", shared="label"),
            ops.Deprecate("link-types", "customerOrders", reason="Use placements",
                          deadline="2030-01-01"),
        ]
    """)  # fmt: skip
    before = head()
    call_command("ontology_migrate", "--branch", "dev")
    assert get_store().log("dev", limit=2).commits[1].id == before  # exactly one commit
    customer = get_store().log("dev", limit=1).commits[0]
    assert customer.message == "Migration 0001_customers: Customers get tiers"
    exported = {(e["kind"], e["apiName"]): e for e in bundle_export(branch="dev")["elements"]}
    names = [p["apiName"] for p in exported[("object-types", "Customer")]["properties"]]
    assert names == ["id", "fullName", "tier"]
    assert exported[("object-types", "Customer")]["titleProperty"] == "fullName"
    order = exported[("object-types", "Order")]["properties"]
    assert order[2]["dataType"] == {"type": "integer"}
    assert order[1]["sharedProperty"] == "label" and ("shared-properties", "label") in exported
    assert exported[("link-types", "customerOrders")]["status"] == "deprecated"
    ledger = AppliedMigration.objects.get(branch="dev")
    assert ledger.commit == head() and ledger.operations[1]["default"] == "standard"
    assert ledger.operations[2]["cast"] == "int(value)"

    call_command("ontology_migrate", "--branch", "dev")  # again: nothing pending, no commit
    assert head() == ledger.commit
    call_command("ontology_migrate", "--branch", "dev", "--list")
    out, err = capsys.readouterr()
    assert f"[X] {ledger.commit[:12]} 0001_customers" in out
    assert err.strip().endswith("dev: 1 applied, 0 pending.")


def test_a_failing_operation_leaves_the_branch_unchanged(seeded, package):
    migration(package, "0001_half", """
        operations = [
            ops.RenameProperty("Customer", "name", "fullName"),
            ops.RenameProperty("Customer", "nickname", "alias"),
        ]
    """)  # fmt: skip
    before = head()
    with pytest.raises(
        CommandError, match=r"operation 1 \(RenameProperty\).*no property 'nickname'"
    ):
        call_command("ontology_migrate", "--branch", "dev")
    assert head() == before and not AppliedMigration.objects.exists()
    with pytest.raises(CommandError, match="operation 1"):  # a dry run says the same
        call_command("ontology_migrate", "--branch", "dev", "--dry-run")
    assert head() == before


def test_a_drafted_migration_applied_to_the_base_reproduces_the_head(seeded, package, capsys):
    store = get_store()
    store.create_branch("target", start="dev")
    customer = store_document("target", "object-types", "Customer")
    customer["properties"][1]["apiName"] = "fullName"  # the same property (its id), renamed
    customer["properties"].append({"apiName": "score", "dataType": {"type": "integer"}})
    customer.update(titleProperty="fullName", description="Buys from us.")
    write(Operation("update", "object-types", "Customer", body=customer),
          Operation("update", "object-types", "Order",
                    body={**order_type(), "apiName": "Purchase", "status": "deprecated",
                          "deprecation": {"reason": "Renamed", "replacedBy": "Purchase"}}),
          Operation("create", "groups", body={"apiName": "Sales"}),
          branch="target")  # fmt: skip
    write(Operation("delete", "link-types", "customerOrders"), branch="target")
    call_command("ontology_makemigrations", "--base", "dev", "--head", "target", "--name", "x")
    drafted = next(package.glob("0001_x.py")).read_text()
    assert "ops.RenameProperty(object_type='Customer', old='name', new='fullName')" in drafted
    assert "ops.RenameElement(kind='object-types', old='Order', new='Purchase')" in drafted

    store.create_branch("replay", start="dev")
    call_command("ontology_migrate", "--branch", "replay")
    replayed, wanted = bundle_export(branch="replay"), bundle_export(branch="target")
    assert replayed["elements"] == wanted["elements"]
