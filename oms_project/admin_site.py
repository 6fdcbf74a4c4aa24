"""The curators' admin: every role signs in, and sees and does what its scopes allow.

Django's admin admits staff and checks model permissions; OMS has roles and scopes instead
(``docs/permissions.md``). Here a signed-in user is a principal (``principal_from_user``)
and the site and each page ask it for a scope: viewers browse, editors edit and propose,
reviewers review, admins administer. A user with no role cannot sign in. With
``USER_SERVICE_URL`` set the curator signs in with a User Service token
(``integrations.user_service.backend``), roles from its answer.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest

from integrations.user_service.principal import READ, Principal, principal_from_user


def curator(request: HttpRequest) -> Principal | None:
    """The signed-in user as a principal (None when nobody is signed in)."""
    user = request.user
    if not isinstance(user, AbstractUser) or not user.is_active:
        return None
    return principal_from_user(user, source="session")


def allowed(request: HttpRequest, scope: str) -> bool:
    found = curator(request)
    return found is not None and found.has_scope(scope)


class CuratorLoginForm(AdminAuthenticationForm):
    """Admits any active user with a role, not only staff."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "no_role": "This account has no OMS role (viewer, editor, reviewer or admin).",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.USER_SERVICE_URL:
            self.fields["password"].label = "User Service token"
            self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "off"})

    def confirm_login_allowed(self, user: AbstractUser) -> None:
        if not user.is_active:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        if not principal_from_user(user, source="session").has_scope(READ):
            raise forms.ValidationError(self.error_messages["no_role"], code="no_role")


class OMSAdminSite(admin.AdminSite):
    site_header = "OMS curators"
    site_title = "OMS"
    index_title = "The ontology and its changes"
    site_url = "/"
    login_form = CuratorLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        return allowed(request, READ)


class ScopedAdmin(admin.ModelAdmin):
    """A page whose rows a scope lets you see (``view_scope``); changes ask their own."""

    view_scope = READ

    def has_module_permission(self, request: HttpRequest) -> bool:
        return allowed(request, self.view_scope)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return allowed(request, self.view_scope)


class ScopedInline(admin.TabularInline):
    """Rows shown inside a page, read-only, to whoever sees the page."""

    extra = 0
    can_delete = False
    view_scope = READ

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return allowed(request, self.view_scope)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
