"""Who is asking: the principal every request carries and every service receives as actor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

READ = "ontology:read"
WRITE = "ontology:write"
APPROVE = "proposals:approve"
BRANCH_ADMIN = "branches:admin"
AUDIT_READ = "audit:read"
SUBMIT = "actions:submit"
ALL_SCOPES = (READ, WRITE, APPROVE, BRANCH_ADMIN, AUDIT_READ, SUBMIT)

# A scope that implies others (write implies read).
IMPLIED = {WRITE: {READ}, APPROVE: {READ}, BRANCH_ADMIN: {READ}, SUBMIT: {READ}}


def scopes_for(roles: Iterable[str], scopes: Iterable[str] = ()) -> frozenset[str]:
    """The effective scopes: those the roles map to (``OMS_ROLE_SCOPES``), plus explicit ones."""
    granted = set(scopes)
    for role in roles:
        granted.update(settings.OMS_ROLE_SCOPES.get(role, ()))
    for scope in list(granted):
        granted.update(IMPLIED.get(scope, ()))
    return frozenset(granted & set(ALL_SCOPES))


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person or a service, from the User Service or local users."""

    id: str
    username: str
    email: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    tenant: str = ""
    expires_at: datetime | None = None
    source: str = "remote"  # "remote" | "local" | "session" | "system"

    # DRF and Django ask these of request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def pk(self) -> str:
        return self.id

    def has_scope(self, scope: str) -> bool:
        """Whether the principal holds ``scope`` (directly or implied by another)."""
        return scope in self.scopes

    def __str__(self) -> str:
        return self.username

    def as_actor(self) -> dict[str, str]:
        """The actor record written into commits and events."""
        return {"id": self.id, "username": self.username, "tenant": self.tenant}

    def to_cache(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "roles": sorted(self.roles),
            "scopes": sorted(self.scopes),
            "tenant": self.tenant,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "source": self.source,
        }

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> Principal:
        expires = data.get("expires_at")
        return cls(
            id=str(data["id"]),
            username=str(data["username"]),
            email=str(data.get("email", "")),
            roles=frozenset(data.get("roles", ())),
            scopes=frozenset(data.get("scopes", ())),
            tenant=str(data.get("tenant", "")),
            expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
            source=str(data.get("source", "remote")),
        )


SYSTEM = Principal(id="system", username="system", roles=frozenset({"admin"}), source="system")


def principal_from_user(user: AbstractUser, *, source: str) -> Principal:
    """A principal for a Django user: roles are its group names (superusers are admins)."""
    roles = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        roles.add("admin")
    return Principal(
        id=f"local:{user.pk}",
        username=user.get_username(),
        email=user.email or "",
        roles=frozenset(roles),
        scopes=scopes_for(roles),
        source=source,
    )
