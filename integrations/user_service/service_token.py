"""The token OMS presents on its own outgoing calls (audit delivery)."""

from __future__ import annotations

import hashlib

from django.conf import settings

from integrations.cache import cache_get, cache_set
from integrations.exceptions import IntegrationError
from integrations.user_service.client import user_service

#: Renew this many seconds before the token expires (at most half its life).
RENEW_MARGIN = 60.0


def service_token() -> str:
    """A valid service token from client credentials, cached until shortly before expiry."""
    client_id = settings.OMS_SERVICE_CLIENT_ID
    if not settings.USER_SERVICE_URL or not client_id:
        raise IntegrationError(
            "Service tokens need USER_SERVICE_URL and OMS_SERVICE_CLIENT_ID to be set."
        )
    key = (
        "oms:service-token:"
        + hashlib.sha256(f"{settings.USER_SERVICE_URL}|{client_id}".encode()).hexdigest()[:16]
    )
    cached = cache_get(key)
    if cached:
        return cached
    token = user_service().exchange(client_id, settings.OMS_SERVICE_CLIENT_SECRET)
    cache_set(key, token.access_token, token.expires_in - min(RENEW_MARGIN, token.expires_in / 2))
    return token.access_token
