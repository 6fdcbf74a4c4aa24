"""The versioned store, configured like Django's ``STORAGES``.

``OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {}}}``;
``stores["default"]`` (or :func:`get_store`) builds the backend lazily, once per process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ontology.storage.base import VersionedStore

DEFAULT_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {}}}


class StoreHandler:
    """Builds and keeps one store instance per alias of ``settings.OMS_STORAGES``."""

    def __init__(self) -> None:
        self._stores: dict[str, VersionedStore] = {}

    @property
    def config(self) -> dict[str, Any]:
        return getattr(settings, "OMS_STORAGES", None) or DEFAULT_STORAGES

    def __getitem__(self, alias: str) -> VersionedStore:
        if alias not in self._stores:
            self._stores[alias] = self.create(alias)
        return self._stores[alias]

    def create(self, alias: str) -> VersionedStore:
        try:
            entry = self.config[alias]
        except KeyError:
            raise ImproperlyConfigured(f"OMS_STORAGES has no store {alias!r}.") from None
        if not isinstance(entry, dict) or "BACKEND" not in entry:
            raise ImproperlyConfigured(f"OMS_STORAGES[{alias!r}] needs a BACKEND dotted path.")
        try:
            backend = import_string(entry["BACKEND"])
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"OMS_STORAGES[{alias!r}]: could not import {entry['BACKEND']!r}: {exc}"
            ) from exc
        if not (isinstance(backend, type) and issubclass(backend, VersionedStore)):
            raise ImproperlyConfigured(
                f"OMS_STORAGES[{alias!r}]: {entry['BACKEND']!r} is not a VersionedStore."
            )
        try:
            return backend(alias, **entry.get("OPTIONS", {}))
        except TypeError as exc:
            raise ImproperlyConfigured(f"OMS_STORAGES[{alias!r}] OPTIONS: {exc}") from exc

    def reset(self) -> None:
        self._stores.clear()


stores = StoreHandler()


def get_store(alias: str = "default") -> VersionedStore:
    """The configured store for ``alias``."""
    return stores[alias]


def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "OMS_STORAGES":
        stores.reset()


setting_changed.connect(_reset_on_setting_change)
