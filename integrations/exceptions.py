"""Errors of outbound integrations: each says whether retrying may help."""

from __future__ import annotations

from oms_project.exceptions import OMSError


class IntegrationError(OMSError):
    """An external system did not give a usable answer."""

    status = 502
    code = "integration_error"
    title = "External service error"


class ServiceUnavailable(IntegrationError):
    """Unreachable, too slow, or a 5xx answer: worth retrying later."""

    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
    retryable = True


class ServiceRejected(IntegrationError):
    """A 4xx answer or a malformed body: retrying the same call will not help."""

    status = 502
    code = "service_rejected"
    title = "External service rejected the request"


class CredentialsRefused(ServiceUnavailable):
    """The User Service refused OMS's own client credentials (a rotated secret): OMS cannot
    call the Audit Service until an operator fixes them. Retryable: nothing is lost."""

    code = "credentials_refused"
    title = "OMS's service credentials were refused"
