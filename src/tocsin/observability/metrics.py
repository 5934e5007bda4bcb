"""Prometheus metrics: ingest and timers, and open alerts and timer states from the database.

Counters and histograms are per process (each ``serve`` worker exposes its own); the open
alert gauge is read from the database at scrape time, so every process reports the truth.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from tocsin.engine.timer_status import TIMER_STATE
from tocsin.notify.providers.breaker import State
from tocsin.store.schema import alerts, provider_breakers, timers

# tocsin_provider_breaker_state: 0 closed, 1 half-open, 2 open.
BREAKER_VALUES = {State.CLOSED.value: 0, State.HALF_OPEN.value: 1, State.OPEN.value: 2}


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
        self.timer_lateness = Histogram(
            "tocsin_timer_lateness_seconds",
            "Time from a timer's due time to its firing, by timer kind.",
            ["kind"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        self.timer_failures = Counter(
            "tocsin_timer_failures",
            "Timer firings that failed (each is retried after a backoff, then dead).",
            ["kind"],
            registry=self.registry,
        )
        self.delivery_attempts = Histogram(
            "tocsin_delivery_attempt_seconds",
            "Attempts to send a page, by channel and outcome (sent, retry, failed), and how "
            "long each took.",
            ["channel", "outcome"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.provider_failures = Counter(
            "tocsin_provider_failures",
            "Sends through a provider that failed (no answer, a timeout, a 5xx), by provider.",
            ["provider"],
            registry=self.registry,
        )
        self.registry.register(_OpenAlerts(engine))
        self.registry.register(_Timers(engine))
        self.registry.register(_Breakers(engine))

    def timer_fired(self, kind: str, lateness_seconds: float) -> None:
        """Record a firing and how late it was."""
        self.timer_lateness.labels(kind).observe(lateness_seconds)

    def timer_failed(self, kind: str) -> None:
        """Record a failed firing."""
        self.timer_failures.labels(kind).inc()

    def delivery_attempted(self, channel: str, outcome: str, seconds: float) -> None:
        """Record an attempt to send a page."""
        self.delivery_attempts.labels(channel, outcome).observe(seconds)

    def provider_failed(self, provider: str) -> None:
        """Record a send through ``provider`` that failed."""
        self.provider_failures.labels(provider).inc()


class _FromDatabase(Collector):
    """A collector that reads the database at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine


class _OpenAlerts(_FromDatabase):
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


class _Timers(_FromDatabase):
    """Armed and dead timers by kind, read at scrape time (the same in every process)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "tocsin_timers",
            "Durable timers by kind and state (armed, dead).",
            labels=["kind", "state"],
        )
        state = TIMER_STATE
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(timers.c.kind, state, func.count()).group_by(timers.c.kind, state)
            )
            for kind, current, count in rows:
                if current != "idle":
                    gauge.add_metric([kind, current], count)
        yield gauge


class _Breakers(_FromDatabase):
    """Each provider's circuit breaker, read at scrape time (the same in every process)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "tocsin_provider_breaker_state",
            "Circuit breaker of each provider that has failed: 0 closed, 1 half-open, 2 open.",
            labels=["provider"],
        )
        with self._engine.connect() as conn:
            rows = conn.execute(select(provider_breakers.c.provider, provider_breakers.c.state))
            for provider, current in rows:
                gauge.add_metric([provider], BREAKER_VALUES.get(current, 0))
        yield gauge
