"""Prometheus metrics: ingest counts and latency, and open alerts read from the database.

Counters and histograms are per process (each ``serve`` worker exposes its own); the open
alert gauge is read from the database at scrape time, so every process reports the truth.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from tocsin.store.schema import alerts


class Metrics:
    """The metrics one Tocsin process exposes at ``/metrics``."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.events_received = Counter(
            "tocsin_events_received",
            "Events received at the ingest endpoints, by integration type and outcome.",
            ["integration_type", "outcome"],
            registry=self.registry,
        )
        self.ingest_latency = Histogram(
            "tocsin_ingest_latency_seconds",
            "Time from request start to the answer, for ingest endpoints.",
            ["endpoint"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "tocsin_ingest_batch_events",
            "Events per group commit (how many requests shared one transaction).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.registry.register(_OpenAlerts(engine))


class _OpenAlerts(Collector):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "tocsin_open_alerts", "Alerts not yet resolved, by status.", labels=["status"]
        )
        counts = {"triggered": 0, "acknowledged": 0}
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(alerts.c.status, func.count())
                .where(alerts.c.status != "resolved")
                .group_by(alerts.c.status)
            )
            for status, count in rows:
                counts[status] = count
        for status, count in sorted(counts.items()):
            gauge.add_metric([status], count)
        yield gauge
