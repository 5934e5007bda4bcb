"""The REST API under ``/api/v1``: one module of thin views per resource, over the domains'
service functions; ``deps`` holds what they share (the token check, 404s, query types)."""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.api.rest import (
    alerts,
    changes,
    heartbeats,
    incidents,
    integrations,
    providers,
    schedule_edits,
    schedules,
    silences,
    timers,
    users,
    windows,
)

ROUTERS: tuple[APIRouter, ...] = (
    alerts.router,
    incidents.router,
    changes.router,
    integrations.router,
    heartbeats.router,
    silences.router,
    windows.router,
    schedules.router,
    schedule_edits.router,
    users.router,
    timers.router,
    providers.router,
)
