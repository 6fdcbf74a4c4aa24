"""Notification side effects, through a pluggable backend (``OMS_ACTION_NOTIFIER``).

A backend is a class with ``send(recipients, subject, body)``; it raises to say the attempt
failed (it is retried like a webhook). The default sends email through Django's mail
framework (``OMS_EMAIL_*`` settings; the console in `make run`).
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class Notifier(Protocol):
    def send(self, recipients: list[str], subject: str, body: str) -> None: ...


class EmailNotifier:
    """Email to each recipient (an address) through Django's mail framework."""

    def send(self, recipients: list[str], subject: str, body: str) -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


@cache
def _notifier(path: str) -> Notifier:
    notifier: Notifier = import_string(path)()
    return notifier


def notifier() -> Notifier:
    """The configured backend."""
    return _notifier(settings.OMS_ACTION_NOTIFIER)
