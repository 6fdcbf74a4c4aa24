"""Webhooks OMS calls for action side effects: where they may go, how they are signed, how
they are sent.

Where: ``OMS_ACTION_WEBHOOK_ALLOW`` lists hosts (``hooks.acme.com``, ``*.acme.com``), URL
prefixes (``https://hooks.acme.com/oms/``) or ``*`` (any host; the default). An action type
whose webhook URL matches no entry is refused when saved. Whatever the entries, no request
goes to a loopback, link-local, private or otherwise non-public address unless an entry names
that host or address itself (a wildcard never does): the address is checked after the TCP
connection is made and before a byte is sent, so a DNS answer that changes in between
changes nothing. Redirects are not followed.

How: the body is JSON; ``OMS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the action's secret (docs/actions.md says how a receiver checks it).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SIGNATURE_HEADER = "OMS-Signature"


class WebhookRefused(Exception):
    """The URL or the address it leads to is not allowed; nothing was sent."""


def refusal(url: str) -> str | None:
    """Why a webhook URL may not be saved, or None when the allow-list admits it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "A webhook URL is http or https with a host."
    if parts.username or parts.password:
        return "A webhook URL carries no credentials (OMS signs its requests)."
    if _entry_for(url, parts.hostname) is None:
        return (
            f"{parts.hostname} is not in the webhook allow-list (OMS_ACTION_WEBHOOK_ALLOW): "
            "ask an administrator to add it."
        )
    if _is_address(parts.hostname) and not _named(url, parts.hostname):
        return (
            f"{parts.hostname} is not a public address: only an allow-list entry naming it "
            "admits it."
        )
    return None


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``OMS-Signature`` header value for ``body``."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def post(url: str, body: bytes, secret: str, *, timeout: float) -> requests.Response:
    """POST ``body`` (JSON) to an allowed ``url``, signed; :class:`WebhookRefused` when the
    URL or the address it resolves to is not allowed. Redirects are not followed."""
    reason = refusal(url)
    if reason:
        raise WebhookRefused(reason)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the check is of the peer
        adapter = _CheckedAdapter(url)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)


def _entries() -> list[str]:
    return [e.strip() for e in settings.OMS_ACTION_WEBHOOK_ALLOW if e.strip()]


def _entry_for(url: str, host: str) -> str | None:
    """The allow-list entry that admits ``url``, if any."""
    host = host.lower()
    for entry in _entries():
        lowered = entry.lower()
        if lowered == "*":
            return entry
        if "://" in lowered:
            if url.lower().startswith(lowered):
                return entry
        elif lowered.startswith("*."):
            if host.endswith(lowered[1:]):
                return entry
        elif host == lowered or f"{host}:{urlsplit(url).port}" == lowered:
            return entry
    return None


def _named(url: str, host: str) -> bool:
    """Whether an allow-list entry names this host (or address) itself, not by a wildcard."""
    entry = _entry_for(url, host)
    return entry is not None and entry != "*" and not entry.startswith("*.")


def _is_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _check_peer(url: str, peer: str) -> None:
    address = ipaddress.ip_address(peer.split("%", 1)[0])
    if address.is_global:
        return
    host = urlsplit(url).hostname or ""
    if not _named(url, host):
        raise WebhookRefused(
            f"{host} resolves to {address}, not a public address; only an allow-list entry "
            "naming the host admits it."
        )


class _PeerChecked:
    """A connection that checks whom it reached before TLS or HTTP says anything."""

    url = ""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            _check_peer(self.url, sock.getpeername()[0])
        except WebhookRefused:
            sock.close()
            raise
        return sock


class _CheckedAdapter(HTTPAdapter):
    """requests' adapter whose connections check their peer (:class:`_PeerChecked`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        checked = {"url": self.url}
        plain = type("Checked", (_PeerChecked, HTTPConnection), checked)
        tls = type("CheckedTLS", (_PeerChecked, HTTPSConnection), checked)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }
