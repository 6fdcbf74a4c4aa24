"""The OMS Django project: settings, root URLs, Celery app, errors, health, middleware."""

from oms_project.celery import app as celery_app

__all__ = ["celery_app"]
