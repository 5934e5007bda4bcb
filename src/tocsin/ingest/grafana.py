"""Grafana alerting's webhook contact point (unified alerting, payload version 1).

Grafana sends Alertmanager's shape (it runs an Alertmanager inside) plus its own fields;
``alert_list`` parses the shared part and this module says what is Grafana's own:

- custom details: ``annotations``, ``generatorURL``, ``values`` and ``valueString`` (the
  query results that fired the rule), and the notification's ``receiver``, ``groupKey``,
  ``externalURL`` and ``orgId``;
- links: ``runbook_url`` / ``dashboard`` annotations, then ``generatorURL`` ("Alert rule"),
  ``dashboardURL``, ``panelURL`` and ``silenceURL`` when not blank;
- images: ``imageURL`` (a screenshot of the rule's panel) when Grafana attaches one.

The deprecated top-level ``title``, ``state`` and ``message`` are ignored: they restate
the alerts. See docs/ingest-grafana.md for the whole mapping.
"""

from __future__ import annotations

from tocsin.ingest.alert_list import Invalid, Notification, NotificationFormat, parse_notification

GRAFANA = NotificationFormat(
    name="Grafana",
    version="1",
    envelope_keys=("receiver", "groupKey", "externalURL", "orgId"),
    detail_keys=("generatorURL", "values", "valueString"),
    link_keys=(
        ("generatorURL", "Alert rule"),
        ("dashboardURL", "Dashboard"),
        ("panelURL", "Panel"),
        ("silenceURL", "Silence"),
    ),
    image_keys=("imageURL",),
    version_hints={
        "4": 'Alertmanager webhooks send version "4": post them to /v1/alertmanager/KEY '
        "with the key of an integration of type alertmanager"
    },
)


def parse(body: bytes) -> Notification | Invalid:
    """Validate a Grafana webhook notification, reporting every problem."""
    return parse_notification(body, GRAFANA)
