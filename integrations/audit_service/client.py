"""The Audit Service's HTTP contract (see docs/integrations.md)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from integrations.exceptions import (
    CredentialsRefused,
    IntegrationError,
    ServiceRejected,
    ServiceUnavailable,
)
from integrations.http import JsonHttpClient
from integrations.user_service.service_token import service_token

BATCH_PATH = "/api/v2/events/batch"
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"


def send_batch(events: list[dict[str, Any]]) -> None:
    """POST a CloudEvents batch; ``ServiceUnavailable`` (retry) or ``ServiceRejected`` (don't).

    The call carries OMS's service token when identity comes from the User Service.
    """
    headers = {"Content-Type": BATCH_MEDIA_TYPE}
    if settings.USER_SERVICE_URL and settings.OMS_SERVICE_CLIENT_ID:
        try:
            headers["Authorization"] = f"Bearer {service_token()}"
        except ServiceUnavailable:
            raise  # the User Service is down or slow: retry as it is
        except IntegrationError as exc:  # it answered, and refused OMS's credentials
            raise CredentialsRefused(f"No service token for the Audit Service: {exc}") from exc
    client = JsonHttpClient(
        "Audit Service", settings.AUDIT_SERVICE_URL, timeout=settings.OMS_AUDIT_TIMEOUT, retries=0
    )
    response = client.request("POST", BATCH_PATH, data=json.dumps(events), headers=headers)
    if response.status_code not in (200, 201, 202, 204):
        raise ServiceRejected(f"Audit Service answered {response.status_code}")
