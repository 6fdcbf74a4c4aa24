"""A list page answers with the stored texts, never decoded (oms_project/renderers.py), and
its bytes are those the decoded elements would encode to, through every way a page is made:
base rows with content keys, rows without, an overlay (`?at=`), unicode and line separators.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from rest_framework.renderers import JSONRenderer as DRFRenderer

from oms_project.pagination import encode_cursor, envelope
from oms_project.renderers import JSONRenderer, RawJSON
from ontology import selectors
from ontology.documents import version
from ontology.index.models import IndexEntry
from ontology.storage import get_store
from tests.ontology.conftest import head, object_type, url

pytestmark = pytest.mark.django_db


def expected_bytes(branch: str, at: str | None, after: str, limit: int) -> bytes:
    """The page as it was answered before: decoded elements, each with its version."""
    catalog = selectors.catalog_at(branch=branch, at=at)
    choice = selectors.element_choice(
        catalog=catalog, kind="object-types", after=after, limit=limit
    )
    page = catalog.documents(choice)
    body = envelope(
        [{**d, "version": version(d)} for d in page.documents],
        next=encode_cursor(page.documents[-1]["apiName"]) if page.more else None,
        count=page.count, countExact=page.exact, commit=catalog.commit,
    )  # fmt: skip
    return DRFRenderer().render(body)


@pytest.mark.parametrize("keyed", [True, False])
def test_a_page_is_byte_for_byte_what_the_decoded_elements_encode_to(dev, curator, keyed):
    for name in ("Emile", "Zeta", "Line", "Alpha", "Beta"):
        text = f'{name} \u2028 café 😀 "quoted" \\ tab\t'
        body = object_type(name, displayName=f"É{name}", description=text)
        assert curator.post(url("object-types"), body, format="json").status_code == 201
    old = head()
    curator.patch(url("object-types", "Beta"), {"description": "moved on"}, format="json")
    curator.delete(url("object-types", "Zeta"))
    call_command("storage_init", verbosity=0)
    if not keyed:
        IndexEntry.objects.update(content="")
    for at, after, limit in ((None, "", 3), (None, "Beta", 10), (old, "", 10), (old, "Alpha", 2)):
        query = f"?limit={limit}" + (f"&at={old}" if at else "")
        query += f"&cursor={encode_cursor(after)}" if after else ""
        answer = curator.get(url("object-types") + query)
        assert answer.status_code == 200
        assert answer.content == expected_bytes("dev", at, after, limit), (at, after, limit)
    texts = curator.get(url("object-types") + "?limit=10").json()["results"]
    assert [t["apiName"] for t in texts] == ["Alpha", "Beta", "Emile", "Line"]
    assert "\u2028" in texts[0]["description"] and texts[0]["displayName"] == "ÉAlpha"


def test_the_renderer_writes_raw_texts_and_nothing_else(settings):
    renderer = JSONRenderer()
    plain = {"a": ["x", 1, None], "b": "\u2028"}
    assert renderer.render(plain) == DRFRenderer().render(plain)
    # A string shaped like a marker is data: only this response's nonce marks a raw text.
    forged = "\0" + "0" * 16 + ":0\0"
    out = renderer.render({"raw": [RawJSON('{"k":"\u2028"}'), RawJSON("[1,2]")], "s": forged})
    assert json.loads(out) == {"raw": [{"k": "\u2028"}, [1, 2]], "s": forged}
    assert b"\xe2\x80\xa8" not in out  # U+2028 escaped inside raw texts too


def test_a_store_without_content_keys_answers_the_same(dev, curator, monkeypatch):
    store = get_store()
    monkeypatch.setattr(type(store), "content_key", lambda self, text: "")
    for name in ("B", "A"):
        curator.post(url("object-types"), object_type(name), format="json")
    assert not IndexEntry.objects.exclude(content="").exists()
    answer = curator.get(url("object-types"))
    assert answer.content == expected_bytes("dev", None, "", 50)
