"""The Celery beat scheduler: django-celery-beat's database scheduler, whose entries in the
settings (``CELERY_BEAT_SCHEDULE``) are defaults. An entry is installed when it is missing;
one a curator edited in the admin (its interval, or disabled) keeps the edit across restarts
(the stock scheduler rewrites them from the settings every time beat starts)."""

from __future__ import annotations

from typing import Any

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class Scheduler(DatabaseScheduler):
    def update_from_dict(self, mapping: dict[str, Any]) -> None:
        kept = set(PeriodicTask.objects.filter(name__in=mapping).values_list("name", flat=True))
        super().update_from_dict({k: v for k, v in mapping.items() if k not in kept})
