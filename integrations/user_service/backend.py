"""Admin sign-in with a User Service token (remote mode).

The User Service's contract has no password endpoint: what it issues is a token, and what
OMS may ask it is whether a token is valid (``POST /api/v1/auth/validate``). So a curator
signs in to the admin with a username and a token of theirs. The answer's roles become the
groups of a Django user of that name (made on first sign-in, with no usable password), and
the session ends when the token expires. Local Django passwords still work alongside (a
superuser made with ``createsuperuser`` is the way in when the User Service is down).
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.utils import timezone

from integrations.exceptions import ServiceUnavailable
from integrations.user_service.client import user_service

logger = logging.getLogger("oms.auth")


class UserServiceBackend(BaseBackend):
    """``authenticate(username=..., password=<a User Service token>)``."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not settings.USER_SERVICE_URL or not password or password.count(".") != 2:
            return None  # not a JWT: perhaps a local password
        try:
            validation = user_service().validate(password)
        except ServiceUnavailable as exc:
            logger.warning("Admin sign-in: the User Service is unavailable: %s", exc)
            raise forms.ValidationError(
                "The User Service is unavailable; try again shortly.", code="unavailable"
            ) from None
        principal = validation.principal
        if not validation.valid or principal is None:
            return None
        if username and username != principal.username:
            return None
        user, created = User.objects.get_or_create(
            username=principal.username, defaults={"email": principal.email}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        known = [role for role in sorted(principal.roles) if role in settings.OMS_ROLE_SCOPES]
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in known])
        if request is not None and hasattr(request, "session") and validation.expires_at:
            request.session.set_expiry(max(1, int((validation.expires_at - timezone.now())
                                                  .total_seconds())))  # fmt: skip
        return user

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()
