"""Scope checks: each view declares the scope every action needs.

``required_scopes`` on a view maps an action (``list``, ``create``, ``destroy``, a custom
action name), an action and a method (``waivers:POST``, for an action that reads and
writes) or an HTTP method to a scope; :class:`HasScope` enforces it. The scope of every
endpoint is in docs/permissions.md (a test sweeps it for every role).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from integrations.user_service.principal import READ, WRITE, Principal

if TYPE_CHECKING:  # rest_framework.views imports the permission classes: no runtime import
    from rest_framework.views import APIView


def required_scope(request: Request, view: APIView) -> str | None:
    """The scope the view needs for this request (None: any authenticated principal)."""
    declared: dict[str, str | None] = getattr(view, "required_scopes", {})
    action = getattr(view, "action", None)
    if f"{action}:{request.method}" in declared:
        return declared[f"{action}:{request.method}"]
    if action in declared:
        return declared[action]
    if request.method in declared:
        return declared[request.method]
    return READ if request.method in SAFE_METHODS else WRITE


def principal_of(request: Request) -> Principal:
    """The principal behind a request that :class:`HasScope` let through.

    Both authentication classes authenticate as a :class:`Principal` and HasScope admits
    nothing else, so a view that runs behind it always has one.
    """
    principal = request.user
    assert isinstance(principal, Principal), "HasScope admits principals only"
    return principal


class HasScope(BasePermission):
    """Allows an authenticated principal that holds the scope the action needs."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            return False
        scope = required_scope(request, view)
        if scope is None:
            return True
        self.message = f"This needs the scope {scope!r}."
        return principal.has_scope(scope)
