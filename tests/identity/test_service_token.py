"""OMS's own token for outgoing calls: client credentials, cached until near expiry."""

from __future__ import annotations

import pytest

from integrations.exceptions import IntegrationError, ServiceRejected
from integrations.user_service.service_token import service_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(settings, user_service):
    settings.OMS_SERVICE_CLIENT_ID = "oms"
    settings.OMS_SERVICE_CLIENT_SECRET = "oms-secret"
    return user_service


def test_the_service_token_is_exchanged_once_and_reused(credentials):
    first = service_token()
    assert service_token() == first
    assert credentials.calls["/token/exchange"] == 1
    assert credentials.validate(first)["user"]["roles"] == ["admin"]


def test_the_service_token_is_renewed_shortly_before_it_expires(credentials):
    credentials.service_token_lifetime = 1  # renewal margin is at most half the lifetime
    first = service_token()
    import time

    time.sleep(0.6)
    assert service_token() != first
    assert credentials.calls["/token/exchange"] == 2


def test_wrong_client_credentials_are_a_permanent_error(credentials, settings):
    settings.OMS_SERVICE_CLIENT_SECRET = "wrong"
    with pytest.raises(ServiceRejected) as caught:
        service_token()
    assert caught.value.retryable is False


def test_service_tokens_need_the_user_service_configured(settings):
    settings.USER_SERVICE_URL = ""
    with pytest.raises(IntegrationError):
        service_token()
