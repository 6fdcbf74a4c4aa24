"""Prometheus metrics of audit delivery (served at /metrics)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

DELIVERED = Counter("oms_audit_events_delivered_total", "Audit events delivered.")
FAILED = Counter(
    "oms_audit_delivery_failures_total", "Audit events that failed a delivery attempt.", ["kind"]
)


NAME, HELP = "oms_audit_events", "Audit events in the outbox by state."


class BacklogCollector(Collector):
    """Counts the outbox by state at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for the names only: no database query at start-up.
        yield GaugeMetricFamily(NAME, HELP, labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError
        from django.db.models import Count

        from history.models import AuditEvent

        gauge = GaugeMetricFamily(
            "oms_audit_events", "Audit events in the outbox by state.", labels=["state"]
        )
        try:
            counts = dict(AuditEvent.objects.values_list("state").annotate(n=Count("pk")))
        except DatabaseError:
            return
        for state, _ in AuditEvent.STATES:
            gauge.add_metric([state], counts.get(state, 0))
        yield gauge


_registered = False


def register() -> None:
    """Register the backlog collector once."""
    global _registered
    if not _registered:
        REGISTRY.register(BacklogCollector())
        _registered = True
