"""Prometheus metrics of audit delivery (served at /metrics)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from oms_project.metrics import scraped

DELIVERED = Counter("oms_audit_events_delivered_total", "Audit events delivered.")
FAILED = Counter(
    "oms_audit_delivery_failures_total", "Audit events that failed a delivery attempt.", ["kind"]
)


NAME, HELP = "oms_audit_events", "Audit events in the outbox by state."
RETRYING = "oms_audit_events_retrying"
RETRYING_HELP = "Audit events waiting after at least one failed delivery attempt (every process)."


class BacklogCollector(Collector):
    """Counts the outbox by state at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for the names only: no database query at start-up.
        yield GaugeMetricFamily(NAME, HELP, labels=["state"])
        yield GaugeMetricFamily(RETRYING, RETRYING_HELP)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError
        from django.db.models import Count

        from history.models import AuditEvent

        gauge = GaugeMetricFamily(NAME, HELP, labels=["state"])
        try:
            counts = dict(AuditEvent.objects.values_list("state").annotate(n=Count("pk")))
            retrying = AuditEvent.objects.filter(state=AuditEvent.PENDING, attempts__gt=0).count()
        except DatabaseError:
            return
        for state, _ in AuditEvent.STATES:
            gauge.add_metric([state], counts.get(state, 0))
        yield gauge
        yield GaugeMetricFamily(RETRYING, RETRYING_HELP, value=retrying)


_collector = BacklogCollector()


def register() -> None:
    """Serve the backlog on /metrics, counted at each scrape."""
    scraped(_collector)
