"""A real HTTP server that plays the Audit Service contract (docs/integrations.md).

It accepts ``POST /api/v2/events/batch`` (``application/cloudevents-batch+json``), keeps
every event by id in arrival order, and can be made down, slow, failing with any status,
or to reject events of given ids with 400. As a process (``python -m
tests.e2e.peers.audit_service --port N``) it also answers ``GET /_peer/received`` (not part of
the contract): how many times each event id arrived.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import JsonHandler, LoopbackServer, port_argument


class FakeAuditService(LoopbackServer):
    """The Audit Service, in a thread on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, dict[str, Any]] = {}  # id -> first copy received
        self.arrivals: list[str] = []  # ids in first-arrival order
        self.received = Counter[str]()  # id -> times received (redeliveries included)
        self.batches: list[list[str]] = []
        self.auth_headers: list[str] = []
        self.delay = 0.0
        self.fail_status: int | None = None
        self.reject_ids: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, events: list[dict[str, Any]]) -> int:
        with self._lock:
            if any(e.get("id") in self.reject_ids for e in events):
                return 400
            self.batches.append([e["id"] for e in events])
            for event in events:
                self.received[event["id"]] += 1
                if event["id"] not in self.events:
                    self.events[event["id"]] = event
                    self.arrivals.append(event["id"])
        return 202

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def _handler(service: FakeAuditService) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path == "/_peer/received":
                with service._lock:
                    self.answer(200, {"received": dict(service.received)})
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            if service.delay:
                time.sleep(service.delay)
            if service.fail_status:
                self.answer(service.fail_status, {"error": "failing on purpose"})
                return
            if self.path != "/api/v2/events/batch":
                self.answer(404, {"error": "not found"})
                return
            if self.headers.get("Content-Type") != "application/cloudevents-batch+json":
                self.answer(415, {"error": "expected application/cloudevents-batch+json"})
                return
            try:
                events = json.loads(raw)
                assert isinstance(events, list)
                assert all(e.get("specversion") == "1.0" and e.get("id") for e in events)
            except (ValueError, AssertionError):
                self.answer(400, {"error": "not a CloudEvents batch"})
                return
            service.auth_headers.append(self.headers.get("Authorization", ""))
            status = service.accept(events)
            self.answer(
                status, {"accepted": len(events)} if status < 400 else {"error": "rejected"}
            )

    return Handler


if __name__ == "__main__":
    FakeAuditService().run(port_argument("The Audit Service test peer."))
