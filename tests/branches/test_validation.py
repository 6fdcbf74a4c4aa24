"""Validation of whole branches: what it finds, how runs are kept (once per result, whole or
not at all), and every door that starts one: the API, the command, the schedule, a real
Celery worker and beat on Redis."""

from __future__ import annotations

import json
import sqlite3
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from branches.models import Proposal, ValidationRun
from branches.validation import validate_branch
from branches.validation_runs import branch_validate, validate_scheduled
from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import link_type, object_type, order_type
from tests.served import BIN, embedded, start, wait_for

OVERDUE = {"reason": "Replaced by Client", "deadline": "2020-01-31"}


def write(*operations: Operation, branch: str = "dev") -> None:
    elements_commit(branch=branch, operations=list(operations), actor=SYSTEM, message="test")


@pytest.fixture
def deprecated_customer(dev) -> str:
    customer = object_type(status="deprecated", deprecation=OVERDUE)
    write(Operation("create", "object-types", body=customer),
          Operation("create", "object-types", body=order_type()),
          Operation("create", "link-types", body=link_type()))  # fmt: skip
    return "dev"


def test_validation_finds_overdue_deprecations_and_uses_of_deprecated_elements(
    deprecated_customer,
):
    validation = validate_branch(branch="dev")
    found = {(f.check, f.severity, f.element, f.path, f.code) for f in validation.findings}
    assert ("deprecation", "error", "object-types/Customer", "$", "deprecation_overdue") in found
    assert ("deprecated-reference", "warning", "link-types/customerOrders", "$.source.objectType",
            "uses_deprecated") in found  # fmt: skip
    assert not validation.passed and validation.checked["elements"] == 3


def test_validation_checks_what_an_open_proposal_would_bring_under_the_targets_modes(dev):
    write(Operation("create", "object-types", body=object_type()), branch="main")
    get_store().create_branch("slim", start="main")
    slim = object_type(properties=object_type()["properties"][:1], titleProperty="id")
    write(Operation("update", "object-types", "Customer", body=slim), branch="slim")
    assert validate_branch(branch="slim").passed  # no proposal yet, no release: nothing to hold
    Proposal.objects.create(source="slim", target="main", title="Slim", author="editor")
    validation = validate_branch(branch="slim")  # main is BACKWARD
    assert [(f.check, f.code) for f in validation.findings] == [("compatibility", "OMS-C028")]
    assert validation.checked["compatibility"][0]["against"] == "main"


def test_a_run_is_kept_once_per_result_and_flags_a_changed_result(deprecated_customer, curator):
    first = curator.post("/api/v1/branches/dev/validate/")
    assert first.status_code == 201, first.json()
    run = first.json()
    assert (run["passed"], run["errors"], run["warnings"], run["changed"]) == (False, 1, 1, False)
    again = curator.post("/api/v1/branches/dev/validate/")
    assert again.status_code == 200 and again.json()["id"] == run["id"]  # nothing moved

    fixed = object_type(status="deprecated", deprecation={**OVERDUE, "deadline": "2999-01-01"})
    write(Operation("update", "object-types", "Customer", body=fixed))
    later = curator.post("/api/v1/branches/dev/validate/").json()
    assert (later["errors"], later["changed"]) == (0, True)

    listed = curator.get("/api/v1/validation-runs/?branch=dev").json()
    assert [r["id"] for r in listed["results"]] == [later["id"], run["id"]]
    assert curator.get("/api/v1/validation-runs/?changed=true").json()["count"] == 1
    assert curator.get(f"/api/v1/validation-runs/{run['id']}/").json()["findings"]
    events = AuditEvent.objects.filter(type="oms.validation.completed").order_by("sequence")
    assert [e.data["run"] for e in events] == [run["id"], later["id"]]


def test_a_run_stopped_mid_way_leaves_nothing(deprecated_customer):
    for step in ("validation._deprecated_references", "validation_runs.audit_event_record"):
        # killed while validating, or while writing the run: nothing is kept either way
        with mock.patch(f"branches.{step}", side_effect=TimeoutError), pytest.raises(TimeoutError):
            branch_validate(branch="dev", trigger="api", actor=SYSTEM)
    assert not ValidationRun.objects.exists()
    assert not AuditEvent.objects.filter(type="oms.validation.completed").exists()


def test_the_schedule_validates_main_and_open_proposals_within_its_budget(deprecated_customer):
    Proposal.objects.create(source="dev", target="main", title="x", author="editor")
    runs = validate_scheduled(actor=SYSTEM)
    assert [r.branch for r in runs] == ["main", "dev"]
    assert {r.trigger for r in runs} == {"schedule"}
    assert validate_scheduled(actor=SYSTEM, budget=0) == []  # spent: the rest waits


def test_the_command_exits_1_on_errors_and_says_so_in_one_line(deprecated_customer, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("ontology_validate", "--branch", "dev", "--format", "json", "--dry-run")
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["errors"] == 1
    assert err.strip().splitlines()[-1] == (
        "Validated 1 branch(es): 1 error(s), 1 warning(s); failed: dev."
    )
    assert not ValidationRun.objects.exists()  # a dry run records nothing
    call_command("ontology_validate", "--branch", "main")  # passes: exit 0, one run recorded
    assert ValidationRun.objects.get().trigger == "command"


def test_a_celery_worker_and_beat_on_redis_run_the_schedule(tmp_path, redis_cache_alias):
    env = embedded(tmp_path)
    env.update(REDIS_URL=django_settings.REDIS_TEST_URL, OMS_VALIDATION_INTERVAL="1",
               OMS_STORE_VERIFY_INTERVAL="3600")  # fmt: skip
    worker = start(
        [str(BIN / "celery"), "-A", "oms_project", "worker", "--beat", "--pool", "solo",
         "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule")],
        env, tmp_path / "worker.log",
    )  # fmt: skip
    database = tmp_path / "oms.sqlite3"

    def runs() -> list[tuple[str, str]]:
        with sqlite3.connect(database) as connection:
            return connection.execute(
                "SELECT branch, trigger FROM branches_validationrun"
            ).fetchall()

    try:
        assert wait_for(lambda: bool(runs()), timeout=60), (tmp_path / "worker.log").read_text()
    finally:
        worker.terminate()
        worker.wait(20)
    assert runs()[0] == ("main", "schedule")


def test_beat_installs_missing_schedules_and_keeps_those_edited_in_the_admin(db, client):
    from django.contrib.auth.models import User
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from oms_project.beat import Scheduler
    from oms_project.celery import app

    every = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="validate-branches", task="branches.validate_branches",
                                interval=every, enabled=False)  # fmt: skip
    Scheduler(app=app, lazy=True).update_from_dict(app.conf.beat_schedule)
    edited = PeriodicTask.objects.get(name="validate-branches")
    assert (edited.interval.every, edited.enabled) == (7, False)  # the curator's edit stays
    assert PeriodicTask.objects.filter(name="audit-sweep", enabled=True).exists()  # installed

    client.force_login(User.objects.create_superuser("curator", "c@example.com", "pw"))
    page = client.get("/admin/django_celery_beat/periodictask/")
    assert page.status_code == 200 and b"validate-branches" in page.content


def test_validation_runs_are_listed_read_only_in_the_admin(deprecated_customer, client):
    from django.contrib.auth.models import Group, User

    run = branch_validate(branch="dev", trigger="api", actor=SYSTEM)
    curator = User.objects.create_user("curator-admin")
    curator.groups.add(Group.objects.get_or_create(name="admin")[0])
    client.force_login(curator)
    listed = client.get("/admin/branches/validationrun/?passed__exact=0")
    assert listed.status_code == 200 and run.commit[:12].encode() in listed.content
    page = client.get(f"/admin/branches/validationrun/{run.pk}/change/")
    assert page.status_code == 200 and b"deprecation_overdue" in page.content
    assert b'name="_save"' not in page.content  # read-only
