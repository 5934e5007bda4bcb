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


def paging_world(
    sink_url: str,
    key: str,
    service_lines: str = "",
    *,
    levels: tuple[str, ...] = ("alice",),
    integration: str = "pagerduty",
) -> str:
    """Service ``web`` (a ``pagerduty`` integration, or of type ``integration``, with key
    ``key``) pages through policy ``page-NAMES``: one level per user of ``levels``, 5
    minutes apart, each user paged at their webhook ``sink_url/NAME`` (by default alice
    alone: ``page-alice``); ``service_lines`` add to the service."""
    users = "".join(
        f"""  - name: {user}
    contact_methods: [{{type: webhook, address: "{sink_url}/{user}"}}]
"""
        for user in levels
    )
    steps = "".join(f"      - {{targets: [{{user: {user}}}], delay: 5m}}\n" for user in levels)
    return f"""\
version: 1
users:
{users}escalation_policies:
  - name: page-{"-".join(levels)}
    levels:
{steps}services:
  - name: web
    escalation_policy: page-{"-".join(levels)}
{service_lines}    integrations: [{{name: pd, type: {integration}, key: "{key}"}}]
"""


# For tests that page one person again and again, each page on its own at once: no
# bundling window, no rate limit (tests of those set their own).
EVERY_PAGE_AT_ONCE = {"TOCSIN_BUNDLE_WINDOW": "0", "TOCSIN_USER_PAGE_LIMIT": "1000000"}
