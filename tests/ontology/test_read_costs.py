"""What a read of one element costs: at a branch head of the SQL store, one statement finds
the head and the element's row together (``queries.at_head``), on SQLite and PostgreSQL;
rows that lag behind the head, an old commit and an unknown branch take the general way,
and every way answers the same bytes.

These count statements; the timings are ``bench/api.py``'s.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer as DRFRenderer

from integrations.user_service.principal import SYSTEM
from ontology import selectors
from ontology.documents import version
from ontology.index.models import IndexEntry, IndexState
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from ontology.storage.base import Put
from tests.ontology.conftest import client_for, head, object_type, url
from tests.storage.conftest import STORE_DATABASES

pytestmark = pytest.mark.django_db


def create(branch: str, *names: str, **overrides: str) -> None:
    operations = [Operation("create", "object-types", body=object_type(n, **overrides))
                  for n in names]  # fmt: skip
    elements_commit(branch=branch, operations=operations, actor=SYSTEM, message="create")


def statements_of_a_get(branch: str, name: str) -> tuple[int, list[str]]:
    curator = client_for("editor")
    curator.get(url("object-types", name, branch))  # bodies cached, as in a worker at work
    with CaptureQueriesContext(connection) as queries:
        answer = curator.get(url("object-types", name, branch))
    assert answer.status_code == 200 and answer.json()["apiName"] == name
    assert answer["X-Commit-Id"] == head(branch)
    return len(queries), [q["sql"][:90] for q in queries]


def test_a_get_at_the_head_is_one_statement_on_sqlite(dev):
    call_command("storage_init", verbosity=0)
    create(dev, "Alpha", "Beta")
    count, sql = statements_of_a_get(dev, "Beta")
    assert count == 1, sql


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_a_get_at_the_head_is_one_statement_on_postgres(dev_on_postgres):
    create(dev_on_postgres, "Alpha", "Beta")
    count, sql = statements_of_a_get(dev_on_postgres, "Beta")
    assert count == 1, sql


def test_rows_behind_the_head_are_read_around_not_trusted(dev):
    """A head moved past the rows (a store write outside the pipeline, rows restored from an
    older backup): the one-statement read sees the two differ and reads the general way."""
    call_command("storage_init", verbosity=0)
    create(dev, "Alpha", description="before")
    store = get_store()
    old = store.get_branch(dev).head
    alpha = selectors.catalog_at(branch=dev).get("object-types", "Alpha")
    assert alpha is not None
    moved = {**alpha, "description": "after"}
    store.commit(dev, [Put(moved)], author="someone", expected_head=old, message="around")
    assert IndexState.objects.get(branch=dev).head == old  # the rows lag
    answer = client_for("viewer").get(url("object-types", "Alpha"))
    assert answer.status_code == 200
    assert answer.json()["description"] == "after"
    assert answer["ETag"] == f'"{version(moved)}"'
    assert answer["X-Commit-Id"] == head(dev)


@pytest.mark.parametrize("keyed", [True, False])
def test_one_element_answers_the_bytes_its_decoded_body_encodes_to(dev, curator, keyed):
    text = 'café 😀 \u2028 "quoted" \\ tab\t'
    created = curator.post(url("object-types"), object_type("Emile", description=text),
                           format="json")  # fmt: skip
    assert created.status_code == 201
    old = head()
    curator.patch(url("object-types", "Emile"), {"description": "moved on"}, format="json")
    call_command("storage_init", verbosity=0)
    if not keyed:
        IndexEntry.objects.update(content="")
    for at in (None, old):
        catalog = selectors.catalog_at(branch="dev", at=at)
        document = catalog.get("object-types", "Emile")
        assert document is not None
        expected = DRFRenderer().render({**document, "version": version(document)})
        answer = curator.get(url("object-types", "Emile") + (f"?at={old}" if at else ""))
        assert answer.content == expected, at
        assert answer["ETag"] == f'"{version(document)}"'
        assert answer["X-Commit-Id"] == catalog.commit
        unchanged = curator.get(url("object-types", "Emile") + (f"?at={old}" if at else ""),
                                HTTP_IF_NONE_MATCH=answer["ETag"])  # fmt: skip
        assert unchanged.status_code == 304 and unchanged["ETag"] == answer["ETag"]


def test_missing_elements_and_branches_are_404_whatever_the_way(dev, viewer):
    call_command("storage_init", verbosity=0)
    create(dev, "Alpha")
    old = head()
    for path in (url("object-types", "Nobody"), url("object-types", "Nobody") + f"?at={old}",
                 url("object-types", "Alpha", "nowhere"), url("link-types", "Alpha")):  # fmt: skip
        answer = viewer.get(path)
        assert answer.status_code == 404, path
        assert answer["Content-Type"].startswith("application/problem+json"), path
