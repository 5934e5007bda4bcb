"""Every ingest path and its handler: one module per wire format, assembled here."""

from __future__ import annotations

from tocsin.api.asgi import Handler
from tocsin.api.ingest.alertmanager import alert_notification_routes
from tocsin.api.ingest.heartbeats import heartbeat_routes
from tocsin.api.ingest.opsgenie import opsgenie_routes
from tocsin.api.ingest.pagerduty import pagerduty_routes
from tocsin.runtime import Runtime


def ingest_routes(runtime: Runtime) -> dict[str, Handler]:
    """Ingest paths and their handlers (add a format's routes here); see IngestDispatcher."""
    return {
        **pagerduty_routes(runtime),
        **alert_notification_routes(runtime),
        **heartbeat_routes(runtime),
        **opsgenie_routes(runtime),
    }
