"""The curators' admin: every role signs in, and sees and does what its scopes allow.

Django's admin admits staff and checks model permissions; OMS has roles and scopes instead
(``docs/permissions.md``). Here a signed-in user is a principal (``principal_from_user``)
and the site and each page ask it for a scope: viewers browse, editors edit and propose,
reviewers review, admins administer. A user with no role cannot sign in. With
``USER_SERVICE_URL`` set the curator signs in with a User Service token
(``integrations.user_service.backend``), roles from its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse

from integrations.user_service.principal import READ, Principal, principal_from_user
from oms_project.middleware import client_address
from oms_project.throttles import login_wait


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

    def clean(self) -> dict[str, Any]:
        """The token endpoint's limits first: a refused attempt checks no password."""
        address = client_address(self.request) if self.request is not None else ""
        wait = login_wait(address, self.data.get("username", ""))
        if wait is not None:
            raise forms.ValidationError(
                f"Too many sign-in attempts: try again in {int(wait)} s.", code="throttled"
            )
        return super().clean()

    def confirm_login_allowed(self, user: AbstractUser) -> None:
        if not user.is_active:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        if not principal_from_user(user, source="session").has_scope(READ):
            raise forms.ValidationError(self.error_messages["no_role"], code="no_role")


@dataclass(frozen=True)
class Page:
    """A page of the admin that is not a model's (an app's own view, e.g. the browser)."""

    route: str  # under /admin/
    view: Callable[..., HttpResponse]
    name: str  # URL name, in the ``admin`` namespace
    menu: tuple[str, str] | None = None  # (section, entry) in the index and the sidebar
    scope: str = READ


class OMSAdminSite(admin.AdminSite):
    site_header = "OMS curators"
    site_title = "OMS"
    index_title = "The ontology and its changes"
    site_url = "/"
    login_form = CuratorLoginForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list[Page] = []

    def has_permission(self, request: HttpRequest) -> bool:
        return allowed(request, READ)

    def register_page(self, page: Page) -> None:
        """An app's own page: signed-in curators with ``page.scope`` only."""
        self.pages.append(page)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        own = [path(page.route, self.admin_view(_scoped(page)), name=page.name)
               for page in self.pages]  # fmt: skip
        return [*own, *super().get_urls()]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        sections: dict[str, list[dict[str, Any]]] = {}
        for page in self.pages:
            if page.menu and app_label is None and allowed(request, page.scope):
                section, entry = page.menu
                url = reverse(f"admin:{page.name}")
                sections.setdefault(section, []).append(
                    {
                        "name": entry,
                        "object_name": entry,
                        "admin_url": url,
                        "view_only": True,
                        "perms": {"view": True},
                    }  # fmt: skip
                )
        own = [{"name": name, "app_label": name.lower(), "app_url": models[0]["admin_url"],
                "has_module_perms": True, "models": models}
               for name, models in sections.items()]  # fmt: skip
        return [*own, *super().get_app_list(request, app_label)]


def _scoped(page: Page) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not allowed(request, page.scope):
            raise PermissionDenied
        return page.view(request, *args, **kwargs)

    return view


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
