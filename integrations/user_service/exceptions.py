"""Errors of the identity integration, rendered as problem details."""

from __future__ import annotations

from rest_framework import exceptions


class InvalidToken(exceptions.AuthenticationFailed):
    """The bearer token is malformed, expired, tampered with, revoked or not for us (401)."""

    default_code = "invalid_token"
