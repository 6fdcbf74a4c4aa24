"""TEST PEER: an application that receives OMS's action webhooks (docs/actions.md), checking
each signature as a receiver would (HMAC-SHA256 over "<t>.<body>" with the shared secret,
at most five minutes old). It can be down, slow, failing with a status, or redirecting, in
turns: ``plan`` lists what to do with the next requests, then it answers 200."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import JsonHandler, LoopbackServer


class WebhookPeer(LoopbackServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.plan: list[str | int] = []  # "slow" or a status, per request; then 200
        self.slow = 2.0
        self.received: list[dict[str, Any]] = []  # every request: body, signed, answered
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def signature_valid(self, header: str, body: bytes) -> bool:
        fields = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        if not fields.get("t", "").isdigit() or abs(time.time() - int(fields["t"])) > 300:
            return False
        expected = hmac.new(self.secret.encode(), f"{fields['t']}.".encode() + body,
                            hashlib.sha256).hexdigest()  # fmt: skip
        return hmac.compare_digest(expected, fields.get("v1", ""))


def _handler(peer: WebhookPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with peer._lock:
                step = peer.plan.pop(0) if peer.plan else 200
            if step == "slow":
                time.sleep(peer.slow)
                step = 200
            signed = peer.signature_valid(self.headers.get("OMS-Signature", ""), body)
            with peer._lock:
                peer.received.append({"body": json.loads(body), "signed": signed, "status": step})
            if step in (301, 302, 307):
                self.send_response(int(step))
                self.send_header("Location", f"{peer.url}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.answer(int(step), {"ok": step == 200})

    return Handler
