"""The REST API under ``/api/v1``: one module of thin views per resource, over the domains'
service functions; ``deps`` holds what they share (the token check, 404s, query types)."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.api.rest import (
    alerts,
    changes,
    heartbeats,
    incident_actions,
    incidents,
    integrations,
    policies,
    providers,
    schedule_edits,
    schedules,
    silences,
    test_pages,
    timers,
    users,
    windows,
)

ROUTERS: tuple[APIRouter, ...] = (
    alerts.router,
    incidents.router,
    incident_actions.router,
    policies.router,
    changes.router,
    integrations.router,
    heartbeats.router,
    silences.router,
    windows.router,
    schedules.router,
    schedule_edits.router,
    users.router,
    test_pages.router,
    timers.router,
    providers.router,
)
