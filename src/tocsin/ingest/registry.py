"""The integration types Tocsin accepts, and where each one's senders post.

Adding an ingest format: write its module in this package, add its type here (with the
path senders use), and route the path in ``tocsin.api.ingest.routes``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntegrationType:
    """A wire format senders speak, and how they reach it."""

    name: str
    description: str
    ingest_path: str  # relative to the server's base URL
    key_in: str  # where the sender puts the integration key
    key_in_path: bool = False  # the sender posts to ``ingest_path/KEY``


INTEGRATION_TYPES: dict[str, IntegrationType] = {
    t.name: t
    for t in [
        IntegrationType(
            "pagerduty",
            "PagerDuty Events API v2 (any PagerDuty sender; change the host only)",
            "/v2/enqueue",
            "routing_key in the JSON body",
        ),
        # Both senders are configured with a URL only, so the key is its last segment.
        IntegrationType(
            "alertmanager",
            "Prometheus Alertmanager webhook (webhook_configs, payload version 4)",
            "/v1/alertmanager",
            "URL path (or Bearer token)",
            key_in_path=True,
        ),
        IntegrationType(
            "grafana",
            "Grafana alerting webhook contact point (payload version 1)",
            "/v1/grafana",
            "URL path (or Bearer token)",
            key_in_path=True,
        ),
        IntegrationType(
            "generic",
            "Any JSON webhook, mapped to alerts by JMESPath expressions (mapping: in the world)",
            "/v1/webhook",
            "URL path (or Bearer token)",
            key_in_path=True,
        ),
        IntegrationType(
            "opsgenie",
            "Opsgenie Alert API v2 (create, acknowledge, close...; change the host only)",
            "/v2/alerts",
            "Authorization: GenieKey <key>",
        ),
    ]
}


def ingest_url(base_url: str, integration_type: str, key: str) -> str:
    """The URL a sender of ``integration_type`` posts to (the key goes where it says)."""
    t = INTEGRATION_TYPES[integration_type]
    url = f"{base_url.rstrip('/')}{t.ingest_path}"
    return f"{url}/{key}" if t.key_in_path else url
