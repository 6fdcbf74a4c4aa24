"""The compatibility gate: each mode forbids its directions on every write path, transitive
modes check every release, the most specific mode wins, and a pass is never silent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from branches import releases
from branches.exceptions import CompatibilityFailed
from branches.models import BranchPolicy, CompatibilityOverride, Waiver
from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM
from ontology.compatibility import BOTH, breaks, check
from ontology.diff import RULES, Change, Diff
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import client_for, object_type, persona


def customer(**changes) -> dict:  # type: ignore[no-untyped-def]
    body = object_type(groups=changes.pop("groups", []))
    body["properties"].append({"apiName": "score", "dataType": {"type": "integer"}})
    body.update(changes)
    return body


def set_mode(branch: str, mode: str, **overrides: str) -> None:
    BranchPolicy.objects.update_or_create(branch=branch, defaults={"compatibility_mode": mode})
    CompatibilityOverride.objects.filter(branch=branch).delete()
    for key, value in overrides.items():
        scope, _, name = key.partition("__")
        CompatibilityOverride.objects.create(branch=branch, scope=scope.replace("_", "-"),
                                             name=name, mode=value)  # fmt: skip


def write(*operations: Operation, branch: str = "dev") -> None:
    elements_commit(branch=branch, operations=list(operations), actor=SYSTEM, message="test")


def removed(body: dict) -> dict:
    return {**body, "properties": [p for p in body["properties"] if p["apiName"] != "score"]}


def widened(body: dict) -> dict:
    properties = [dict(p) for p in body["properties"]]
    properties[-1]["dataType"] = {"type": "long"}
    return {**body, "properties": properties}


def required_added(body: dict) -> dict:
    extra = {"apiName": "tier", "dataType": {"type": "string"}, "required": True}
    return {**body, "properties": [*body["properties"], extra]}


CHANGES = {"removal": (removed, "OMS-C028"), "widening": (widened, "OMS-C030"),
           "requirement": (required_added, "OMS-C027")}  # fmt: skip
ALLOWED = {  # mode -> the changes it lets through
    "NONE": {"removal", "widening", "requirement"},
    "BACKWARD": {"widening"},  # old data and callers still valid
    "FORWARD": {"requirement"},  # the old ontology still reads what the new one writes
    "FULL": set(),
}


@pytest.mark.parametrize("mode", ALLOWED)
@pytest.mark.parametrize("change", CHANGES)
def test_each_mode_forbids_the_directions_it_names_through_the_batch_api(dev, mode, change):
    write(Operation("create", "object-types", body=customer()))
    set_mode("dev", mode)
    edit, rule = CHANGES[change]
    batch = {"message": change, "changes": [
        {"op": "update", "kind": "object-types", "apiName": "Customer",
         "document": edit(customer())},
    ]}  # fmt: skip
    answer = client_for("editor").post("/api/v1/branches/dev/commits/", batch, format="json")
    if change in ALLOWED[mode]:
        assert answer.status_code == 201, answer.json()
        return
    assert answer.status_code == 409, answer.json()
    problem = answer.json()
    assert problem["code"] == "compatibility_failed"
    assert [(e["code"], e["element"]) for e in problem["errors"]] == [
        (rule, "object-types/Customer")
    ]
    finding = problem["findings"][0]
    assert finding["mode"] == mode and finding["blocking"] is True and finding["against"] == "head"
    assert problem["coverage"]["kindsExamined"] == ["object-types"]


def test_a_single_element_write_and_a_dry_run_meet_the_same_gate(dev):
    write(Operation("create", "object-types", body=customer()))
    set_mode("dev", "BACKWARD")
    editor = client_for("editor")
    url = "/api/v1/branches/dev/object-types/Customer/"
    assert editor.put(url, removed(customer()), format="json").status_code == 409
    batch = {"message": "m", "dryRun": True, "changes": [
        {"op": "delete", "kind": "object-types", "apiName": "Customer"}]}  # fmt: skip
    dry = editor.post("/api/v1/branches/dev/commits/", batch, format="json")
    assert dry.status_code == 409 and dry.json()["errors"][0]["code"] == "OMS-C002"
    assert editor.get(url).json()["properties"][-1]["apiName"] == "score"  # nothing written


def test_the_most_specific_mode_wins(dev):
    write(Operation("create", "groups", body={"apiName": "Sales"}),
          Operation("create", "object-types", body=customer(groups=["Sales"])),
          Operation("create", "object-types", body=object_type("Order")))  # fmt: skip
    set_mode("dev", "NONE", group__Sales="BACKWARD")  # the group's mode beats the branch's
    with pytest.raises(CompatibilityFailed):
        write(
            Operation(
                "update", "object-types", "Customer", body=removed(customer(groups=["Sales"]))
            )
        )
    set_mode("dev", "NONE", group__Sales="BACKWARD", object_type__Customer="NONE")
    write(Operation("update", "object-types", "Customer", body=removed(customer(groups=["Sales"]))))
    set_mode("dev", "BACKWARD", object_type__Customer="NONE")  # the type's own beats the branch's
    write(Operation("delete", "object-types", "Customer"))
    with pytest.raises(CompatibilityFailed) as refused:
        write(Operation("delete", "object-types", "Order"))
    assert refused.value.errors[0]["element"] == "object-types/Order"


def test_transitive_modes_check_every_release_of_the_branch(dev):
    set_mode("main", "NONE")
    write(Operation("create", "object-types", body=customer()), branch="main")
    releases.release_create(target="main", actor=persona("admin"))  # v1.0.0: with score
    write(Operation("update", "object-types", "Customer", body=removed(customer())), branch="main")
    releases.release_create(target="main", actor=persona("admin"))  # v2.0.0: without
    described = {**removed(customer()), "description": "Buys from us."}
    write(Operation("update", "object-types", "Customer", body=described), branch="main")
    releases.release_create(target="main", actor=persona("admin"))  # v2.0.1

    edit = Operation("update", "object-types", "Customer", body={**described, "icon": "user"})
    set_mode("main", "BACKWARD")
    write(edit, branch="main")  # against the head: a display change, safe
    set_mode("main", "BACKWARD_TRANSITIVE")
    again = Operation("update", "object-types", "Customer", body={**described, "icon": "person"})
    with pytest.raises(CompatibilityFailed) as refused:
        write(again, branch="main")
    findings = refused.value.extra["findings"]
    assert [(f["rule"], f["against"]) for f in findings] == [("OMS-C028", "v1.0.0")]


def test_a_report_lists_what_no_rule_examined_so_a_pass_is_never_silent():
    rule = RULES["OMS-C000"]
    odd = Change(type=rule.type, kind="groups", element_id="gr-1", api_name="Sales",
                 path="$.colour", before="red", after="blue", rule=rule.id,
                 impact=rule.impact, affects=rule.affects, hint=rule.hint)  # fmt: skip
    diff = Diff(base="a", head="b", changes=(), uncovered=(odd,))
    lenient = check([("head", diff)], lambda change: "NONE")
    assert lenient.passed
    coverage = lenient.as_dict()["coverage"]
    assert coverage["notExamined"] == [
        {"kind": "groups", "apiName": "Sales", "path": "$.colour", "type": "FieldChanged"}
    ]
    assert "object-types" in coverage["kindsWithoutChanges"]
    strict = check([("head", diff)], lambda change: "BACKWARD")
    assert not strict.passed and strict.findings[0].breaks == {"backward"}  # what the mode forbids
    assert breaks("OMS-C000") == BOTH  # a change no rule covers breaks both ways


def test_a_proposal_shows_the_gate_and_cannot_merge_past_it(main_with_customer, curator, reviewer):
    proposal = slim_proposal(curator, reviewer)  # main is BACKWARD (migration 0004)
    checks = {
        c["name"]: c for c in curator.get(f"/api/v1/proposals/{proposal['id']}/").json()["checks"]
    }
    assert checks["approvals"]["passed"] and not checks["compatibility"]["passed"]
    assert [f["rule"] for f in checks["compatibility"]["data"]["findings"]] == ["OMS-C028"]
    refused = curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json")
    assert refused.status_code == 409

    report = curator.post("/api/v1/compatibility/check/", {"base": "main", "head": "feature"},
                          format="json").json()  # fmt: skip
    assert report["passed"] is False and report["findings"][0]["rule"] == "OMS-C028"


def test_a_shadow_rule_reports_without_blocking(main_with_customer, curator, reviewer, settings):
    settings.OMS_COMPATIBILITY_SHADOW_RULES = ["OMS-C028"]
    slim_proposal(curator, reviewer)
    report = curator.post("/api/v1/compatibility/check/", {"base": "main", "head": "feature"},
                          format="json").json()  # fmt: skip
    assert report["passed"] is True
    assert [(f["rule"], f["blocking"]) for f in report["findings"]] == [("OMS-C028", False)]


def test_overrides_are_set_and_shown_through_the_branch_policy(dev, admin):
    overrides = [{"scope": "group", "name": "Sales", "mode": "FULL"},
                 {"scope": "object-type", "name": "Customer", "mode": "NONE"}]  # fmt: skip
    answer = admin.patch("/api/v1/branches/dev/", {"compatibilityMode": "BACKWARD",
                         "compatibilityOverrides": overrides}, format="json")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    shown = answer.json()
    assert shown["compatibilityMode"] == "BACKWARD"
    assert sorted(o["name"] for o in shown["compatibilityOverrides"]) == ["Customer", "Sales"]
    twice = admin.patch("/api/v1/branches/dev/", {"compatibilityOverrides": overrides * 2},
                        format="json")  # fmt: skip
    assert twice.status_code == 400


def slim_proposal(curator, reviewer) -> dict:  # type: ignore[no-untyped-def]
    """feature removes Customer.name (OMS-C028 under main's BACKWARD), approved, blocked."""
    body = object_type()
    body["properties"] = body["properties"][:1]
    body["titleProperty"] = "id"
    write(Operation("update", "object-types", "Customer", body=body), branch="feature")
    opened = {"source": "feature", "target": "main", "title": "Slimmer"}
    proposal = curator.post("/api/v1/proposals/", opened, format="json").json()
    reviewer.post(f"/api/v1/proposals/{proposal['id']}/reviews/", {"verdict": "approve"},
                  format="json")  # fmt: skip
    return proposal


def finding_of(client, proposal) -> dict:  # type: ignore[no-untyped-def]
    detail = client.get(f"/api/v1/proposals/{proposal['id']}/").json()
    check = next(c for c in detail["checks"] if c["name"] == "compatibility")
    return check["data"]["findings"][0] if check["data"] else {"passed": check["passed"]}


def test_an_approved_waiver_lets_one_finding_through_and_the_merge_records_it(
    main_with_customer, curator, reviewer
):
    proposal = slim_proposal(curator, reviewer)
    finding = finding_of(curator, proposal)
    asked = {"rule": finding["rule"], "element": f"{finding['kind']}/{finding['apiName']}",
             "path": finding["path"], "reason": "Nobody reads names yet",
             "expiresAt": "2999-01-01T00:00:00Z"}  # fmt: skip
    url = f"/api/v1/proposals/{proposal['id']}/waivers/"
    admin = client_for("admin")  # an approver who asks cannot approve their own waiver
    waiver = admin.post(url, asked, format="json")
    assert waiver.status_code == 201, waiver.json()
    approve = f"{url}{waiver.json()['id']}/approve/"
    own = admin.post(approve)
    assert own.status_code == 403 and own.json()["code"] == "review_refused"
    no_scope = curator.post(approve)  # an editor holds no proposals:approve
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "permission_denied"
    assert (
        curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json").status_code
        == 409
    )

    assert reviewer.post(approve).json()["approvedBy"] == "reviewer"
    merged = curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json")
    assert merged.status_code == 201, merged.json()
    message = get_store().log("main", limit=1).commits[0].message
    assert "Waived OMS-C028 object-types/Customer" in message and "approved by reviewer" in message
    event = AuditEvent.objects.filter(type="oms.proposal.merged").get()
    assert event.data["waivers"][0]["approvedBy"] == "reviewer"


def test_a_waiver_expired_or_not_approved_counts_for_nothing(main_with_customer, curator, reviewer):
    proposal = slim_proposal(curator, reviewer)
    finding = finding_of(curator, proposal)
    waiver = Waiver.objects.create(
        proposal_id=proposal["id"], rule=finding["rule"], path=finding["path"],
        element=f"{finding['kind']}/{finding['apiName']}", reason="r", author="editor",
        author_id="u-editor", expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert finding_of(curator, proposal)["blocking"] is True  # not approved
    Waiver.objects.filter(pk=waiver.pk).update(
        approved_by="reviewer", approved_at=timezone.now(),
        expires_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    assert finding_of(curator, proposal)["blocking"] is True  # expired
    past = {"rule": "OMS-C028", "element": "object-types/Customer", "path": "$", "reason": "r",
            "expiresAt": "2000-01-01T00:00:00Z"}  # fmt: skip
    refused = curator.post(f"/api/v1/proposals/{proposal['id']}/waivers/", past, format="json")
    assert refused.status_code == 400


def test_a_proposal_lists_every_element_that_refers_to_what_it_changes(main_with_customer, curator):
    from tests.ontology.conftest import link_type, order_type

    write(Operation("create", "object-types", body=order_type()),
          Operation("create", "link-types", body=link_type()), branch="main")  # fmt: skip
    get_store().delete_branch("feature")
    get_store().create_branch("feature", start="main")
    renamed = {**object_type(), "apiName": "Client"}
    write(Operation("update", "object-types", "Customer", body=renamed), branch="feature")
    opened = {"source": "feature", "target": "main", "title": "Clients"}
    proposal = curator.post("/api/v1/proposals/", opened, format="json").json()
    impact = curator.get(f"/api/v1/proposals/{proposal['id']}/impact/").json()
    assert impact["count"] == 1
    assert impact["results"] == [{
        "element": "link-types/customerOrders", "path": "$.source.objectType",
        "refersTo": "object-types/Customer", "change": "renamed",
    }]  # fmt: skip


def test_the_admin_proposal_page_shows_findings_waivers_and_impact(
    main_with_customer, curator, reviewer, client
):
    from django.contrib.auth.models import Group, User

    proposal = slim_proposal(curator, reviewer)
    finding = finding_of(curator, proposal)
    Waiver.objects.create(
        proposal_id=proposal["id"], rule=finding["rule"], path=finding["path"],
        element="object-types/Customer", reason="Names are unused", author="editor",
        author_id="u-editor", expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    admin_user = User.objects.create_user("curator-admin")
    admin_user.groups.add(Group.objects.get_or_create(name="admin")[0])
    client.force_login(admin_user)
    page = client.get(f"/admin/branches/proposals/{proposal['id']}/").content.decode()
    assert 'id="findings"' in page and "OMS-C028 PropertyRemoved" in page
    assert 'id="waivers"' in page and "Names are unused" in page and "not approved yet" in page


def test_a_batch_not_yet_committed_gets_the_gates_report_and_writes_nothing(dev):
    write(Operation("create", "object-types", body=customer()))
    set_mode("dev", "BACKWARD")
    editor = client_for("editor")
    before = get_store().get_branch("dev").head

    def check_batch(document: dict) -> dict:
        change = {"op": "update", "kind": "object-types", "apiName": "Customer",
                  "document": document}  # fmt: skip
        answer = editor.post("/api/v1/compatibility/check/",
                             {"branch": "dev", "changes": [change]}, format="json")  # fmt: skip
        assert answer.status_code == 200, answer.json()
        return answer.json()

    refused = check_batch(removed(customer()))
    assert refused["passed"] is False and refused["findings"][0]["rule"] == "OMS-C028"
    allowed = check_batch(widened(customer()))
    assert allowed["passed"] is True and allowed["coverage"]["changesExamined"] == 1
    assert get_store().get_branch("dev").head == before
    mixed = {"branch": "dev", "base": "main", "head": "dev", "changes": []}
    assert editor.post("/api/v1/compatibility/check/", mixed, format="json").status_code == 400
