"""Small worlds for tests: services with known integration keys."""

from __future__ import annotations

from pathlib import Path

CHECKOUT_KEY = "c0000000000000000000000000000001"
CHECKOUT_OTHER_KEY = "c0000000000000000000000000000002"
PAYMENTS_KEY = "a0000000000000000000000000000001"
LIMITED_KEY = "f0000000000000000000000000000001"
DEPLOYS_KEY = "d0000000000000000000000000000001"

INGEST_WORLD = f"""
version: 1
teams:
  - name: payments
services:
  - name: checkout
    team: payments
    tier: 1
    integrations:
      - name: prometheus
        type: pagerduty
        key: {CHECKOUT_KEY}
      - name: nagios
        type: pagerduty
        key: {CHECKOUT_OTHER_KEY}
  - name: payments-api
    team: payments
    tier: 1
    incident_grouping: per_alert
    integrations:
      - name: prometheus
        type: pagerduty
        key: {PAYMENTS_KEY}
  - name: flaky
    tier: 4
    integrations:
      - name: chatty
        type: pagerduty
        key: {LIMITED_KEY}
        rate_limit_per_minute: 3
change_sources:
  - name: deploys
    key: {DEPLOYS_KEY}
    services: [checkout, payments-api]
"""


def write_world(directory: Path, text: str = INGEST_WORLD) -> Path:
    """Write ``text`` to ``directory/world.yaml`` and return the path."""
    path = directory / "world.yaml"
    path.write_text(text)
    return path


def paging_world(sink_url: str, key: str, service_lines: str = "") -> str:
    """Service ``web`` (integration key ``key``) pages alice's webhook at ``sink_url``
    through policy ``page-alice`` (one level); ``service_lines`` add to the service."""
    return f"""\
version: 1
users:
  - name: alice
    contact_methods: [{{type: webhook, address: "{sink_url}/alice"}}]
escalation_policies:
  - name: page-alice
    levels:
      - {{targets: [{{user: alice}}], delay: 5m}}
services:
  - name: web
    escalation_policy: page-alice
{service_lines}    integrations: [{{name: pd, type: pagerduty, key: "{key}"}}]
"""


# For tests that page one person again and again, each page on its own at once: no
# bundling window, no rate limit (tests of those set their own).
EVERY_PAGE_AT_ONCE = {"TOCSIN_BUNDLE_WINDOW": "0", "TOCSIN_USER_PAGE_LIMIT": "1000000"}
