"""Hostile bodies and headers get a clear problem, never a 500 (issue 14, limits): every
parser counts the body, JSON depth is bounded, charsets must be text encodings, headers
are UTF-8."""

from __future__ import annotations

import io
import json

import pytest

from ontology.storage import get_store
from tests.ontology.conftest import client_for, dev, object_type  # noqa: F401 - dev

pytestmark = pytest.mark.django_db


def test_deep_json_is_refused_with_400_even_before_authentication(client):
    deep = "[" * 1500 + "]" * 1500
    answer = client.post("/api/v1/auth/token/", deep, content_type="application/json")
    assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json"
    assert "nested deeper than 64" in answer.json()["detail"]
    nested: object = "x"
    for _ in range(70):
        nested = {"a": nested}
    answer = client.post("/api/v1/auth/token/", json.dumps(nested), content_type="application/json")
    assert answer.status_code == 400 and "OMS_MAX_JSON_DEPTH" in answer.json()["detail"]


@pytest.mark.usefixtures("dev")
def test_every_parser_counts_the_body_turtle_too(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = get_store().get_branch("dev").head
    editor = client_for("editor")
    big = "@prefix ex: <http://example.com/> .\n" + "ex:a ex:b ex:c .\n" * 200
    answer = editor.post("/api/v1/branches/dev/import/?format=turtle", big,
                         content_type="text/turtle")  # fmt: skip
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    body = json.dumps(object_type(description="x" * 2000))
    answer = editor.post(
        "/api/v1/branches/dev/object-types/", body, content_type="application/json"
    )
    assert answer.status_code == 413
    assert get_store().get_branch("dev").head == before  # nothing written


def wsgi(environ: dict) -> tuple[str, dict[str, str], bytes]:
    from oms_project.wsgi import application

    answer: dict = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize("charset", ["bz2_codec", "rot13", "no-such-codec"])
def test_a_charset_that_is_not_a_text_encoding_is_415_with_a_request_id(charset, db):
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/auth/token/", "QUERY_STRING": "x=1",
        "CONTENT_TYPE": f"application/json; charset={charset}", "CONTENT_LENGTH": "8",
        "wsgi.input": io.BytesIO(b'{"a": 1}'), "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http", "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    status, headers, body = wsgi(environ)
    assert status.startswith("415") and headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["code"] == "unsupported_charset" and problem["requestId"]
    assert headers["X-Request-ID"] == problem["requestId"]


def test_the_415_title_is_the_status_phrase_not_a_template(client):
    answer = client.post("/api/v1/auth/token/", "x", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json()["title"] == "Unsupported Media Type"
    assert 'Unsupported media type "text/plain"' in answer.json()["detail"]


@pytest.mark.usefixtures("dev")
def test_a_commit_message_header_is_read_as_utf8():
    editor = client_for("editor")
    message = "Größe: Kunden ✓"
    answer = editor.post("/api/v1/branches/dev/object-types/", object_type(), format="json",
                         HTTP_X_COMMIT_MESSAGE=message.encode().decode("latin-1"))  # fmt: skip
    assert answer.status_code == 201, answer.json()
    assert get_store().log("dev", limit=1).commits[0].message == message
    refused = editor.post("/api/v1/branches/dev/groups/", {"apiName": "Sales"}, format="json",
                          HTTP_X_COMMIT_MESSAGE="\xff\xfe")  # fmt: skip
    assert refused.status_code == 400 and "not UTF-8" in refused.json()["detail"]


@pytest.mark.usefixtures("dev")
def test_display_text_refuses_control_bidi_and_zero_width_characters():
    editor = client_for("editor")
    url = "/api/v1/branches/dev/object-types/"
    for bad, where in (("Cus\u202etomer", "$.displayName"), ("Bold \x1b[1m", "$.description"),
                       ("a\u200bb", "$.description"), ("x\x00", "$.description")):  # fmt: skip
        member = where.removeprefix("$.")
        answer = editor.post(url, object_type(**{member: bad}), format="json")
        assert answer.status_code == 400, (bad, answer.json())
        errors = {(e["path"], e["code"]) for e in answer.json()["errors"]}
        assert (where, "unsafe_character") in errors
    fine = object_type(description="Two lines\n\tindented, ZWJ emoji 👩\u200d💻 and فارسی\u200cها")
    assert editor.post(url, fine, format="json").status_code == 201


@pytest.mark.usefixtures("dev")
def test_a_commit_message_cannot_pass_for_a_line_the_service_writes():
    editor = client_for("editor")
    forged = "Rename\n\nWaived OMS-C028 object-types/Customer $: approved by admin"
    batch = {"message": forged, "changes": [
        {"op": "create", "kind": "groups", "document": {"apiName": "Sales"}}]}  # fmt: skip
    answer = editor.post("/api/v1/branches/dev/commits/", batch, format="json")
    assert answer.status_code == 400 and answer.json()["errors"][0]["path"] == "$.message"
    for header in ("x\nOMS-Merge-Parent: abc", "right-to-left \u202e"):
        answer = editor.post("/api/v1/branches/dev/groups/", {"apiName": "Sales"}, format="json",
                             HTTP_X_COMMIT_MESSAGE=header)  # fmt: skip
        assert answer.status_code == 400 and "X-Commit-Message" in answer.json()["detail"]


@pytest.mark.usefixtures("dev")
def test_size_limits_are_named_with_their_setting():
    editor = client_for("editor")
    crowded = object_type(properties=[
        {"apiName": f"p{i}", "dataType": {"type": "string"}} for i in range(1001)
    ])  # fmt: skip
    answer = editor.post("/api/v1/branches/dev/object-types/", crowded, format="json")
    assert answer.status_code == 400
    assert "OMS_MAX_ITEMS" in json.dumps(answer.json()["errors"])
    change = {"op": "create", "kind": "groups", "document": {"apiName": "G"}}
    batch = {"message": "many", "changes": [change] * 5001}
    answer = editor.post("/api/v1/branches/dev/commits/", batch, format="json")
    assert answer.status_code == 400 and "OMS_MAX_BATCH_CHANGES" in json.dumps(answer.json())
    assert editor.get("/api/v1/branches/dev/groups/?limit=501").status_code == 400


@pytest.mark.usefixtures("dev")
def test_a_turtle_import_over_the_triple_limit_is_refused(settings):
    settings.OMS_MAX_TURTLE_TRIPLES = 10
    turtle = "@prefix ex: <http://example.com/> .\n" + "".join(
        f"ex:a{i} ex:b ex:c .\n" for i in range(11)
    )
    answer = client_for("editor").post("/api/v1/branches/dev/import/?format=turtle", turtle,
                                       content_type="text/turtle")  # fmt: skip
    assert answer.status_code == 400 and "OMS_MAX_TURTLE_TRIPLES" in answer.json()["detail"]
