"""Local-mode refresh tokens end with the password they were issued under.

Refresh tokens rotate (each refresh answers a new one and blacklists the one it used,
simplejwt's token blacklist), and a user's password change blacklists every refresh token
still outstanding for them, so a stolen one stops working the moment the password changes.
An access token lives out its short lifetime (``OMS_LOCAL_ACCESS_TOKEN_MINUTES``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def password_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``pre_save`` of the user model: when the password differs from the stored one,
    blacklist the user's outstanding refresh tokens (in the save's transaction when there is
    one; should the save fail without one, the tokens end anyway: failing closed)."""
    if instance.pk is None or kwargs.get("raw"):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is None or stored == instance.password:
        return
    revoke_refresh_tokens(instance.pk)


def revoke_refresh_tokens(user_id: int) -> int:
    """Blacklist every outstanding refresh token of a user; how many were still live."""
    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(outstanding)


def connect() -> None:
    pre_save.connect(password_changed, sender=get_user_model(), dispatch_uid="oms-password")
