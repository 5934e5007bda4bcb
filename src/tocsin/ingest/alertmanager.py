"""Prometheus Alertmanager's webhook notifications (``webhook_configs``, payload version 4).

One notification carries a group of alerts; each becomes one Tocsin alert keyed by its
``fingerprint`` (``firing`` triggers, ``resolved`` resolves). The shape is shared with
Grafana and parsed by ``alert_list``; this module says what is Alertmanager's own:

- custom details: ``annotations``, ``generatorURL``, and the notification's ``receiver``,
  ``groupKey`` and ``externalURL``;
- links: the ``runbook_url`` and ``dashboard`` annotations and ``generatorURL`` ("Source").

See docs/ingest-alertmanager.md for the whole mapping.
"""

from __future__ import annotations

from tocsin.ingest.alert_list import Invalid, Notification, NotificationFormat, parse_notification

ALERTMANAGER = NotificationFormat(
    name="Alertmanager",
    version="4",
    envelope_keys=("receiver", "groupKey", "externalURL"),
    detail_keys=("generatorURL",),
    link_keys=(("generatorURL", "Source"),),
    version_hints={
        "1": 'Grafana webhooks send version "1": post them to /v1/grafana/KEY '
        "with the key of an integration of type grafana"
    },
)


def parse(body: bytes) -> Notification | Invalid:
    """Validate an Alertmanager webhook notification, reporting every problem."""
    return parse_notification(body, ALERTMANAGER)
