"""Building the ASGI application: one app serving ingest, /api/v1, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount

from tocsin import __version__
from tocsin.alerts import holds
from tocsin.alerts.ingest_store import IngestStore
from tocsin.api import act, ical
from tocsin.api.asgi import IngestDispatcher
from tocsin.api.errors import install_error_handlers, json_response
from tocsin.api.ingest.openapi import INGEST_PATHS
from tocsin.api.ingest.routes import ingest_routes
from tocsin.api.parameters import no_nul_in_parameters
from tocsin.api.rest import ROUTERS
from tocsin.clock import Clock, FileClock, SystemClock
from tocsin.core.events import AlertEvent
from tocsin.engine import retention
from tocsin.engine.suppressions import SuppressionDirectory
from tocsin.engine.timer_wakeups import listen_forever
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter, Work
from tocsin.escalation import service as escalation_service
from tocsin.heartbeats import service as heartbeat_service
from tocsin.ingest.routing import KeyDirectory
from tocsin.notify import oncall
from tocsin.notify.delivery import DeliveryWorker
from tocsin.notify.links import LinkMaker
from tocsin.observability.metrics import Metrics
from tocsin.runtime import Runtime
from tocsin.settings import Settings
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import schema_is_current
from tocsin.store.timers import BatchTimerHandler, SubjectLock, arm

log = logging.getLogger(__name__)

KEY_RELOAD_SECONDS = 5.0

# Kinds of durable timer fired many at a time (one query per batch), and what fires them;
# the sweep and retention, one timer each, are added in build_runtime, and so is the
# escalation's (its pages carry links signed with the process's keys).
TIMER_BATCH_HANDLERS: dict[str, BatchTimerHandler] = {
    heartbeat_service.TIMER_KIND: heartbeat_service.on_expiries,
}

# Kinds whose subject is a row, locked before the timer (engine.timers' lock order).
TIMER_SUBJECT_LOCKS: dict[str, SubjectLock] = {
    heartbeat_service.TIMER_KIND: heartbeat_service.lock_heartbeats,
    escalation_service.TIMER_KIND: escalation_service.lock_incidents,
}


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Connect to the database and create the process's shared objects (not started)."""
    engine = create_db_engine(
        settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
    )
    metrics = Metrics(engine)
    if clock is None and settings.clock_file is not None:
        log.warning(
            "the clock is the file %s (TOCSIN_CLOCK_FILE): for tests only", settings.clock_file
        )
        clock = FileClock(settings.clock_file)
    clock = clock or SystemClock()
    suppressions = SuppressionDirectory(engine)
    links = LinkMaker(engine, settings.base_url())
    writer = GroupCommitWriter(
        engine,
        max_batch=settings.max_batch,
        payload_limit=settings.payload_store_limit,
        on_batch=metrics.batch_size.observe,
        suppress=suppressions.check,
    )
    timers = TimerService(
        writer,
        clock,
        {
            escalation_service.TIMER_KIND: escalation_service.escalation_handler(links),
            holds.TIMER_KIND: holds.sweep_handler(suppressions),
            oncall.TIMER_KIND: oncall.on_oncall_notice,
            retention.TIMER_KIND: retention.retention_handler(
                retention.Retention(
                    settings.change_retention_days,
                    settings.opsgenie_request_retention_days,
                    settings.alert_event_retention_days,
                )
            ),
        },
        subject_locks=TIMER_SUBJECT_LOCKS,
        batch_handlers={
            **TIMER_BATCH_HANDLERS,
            # Signs the pages' action links, so made here with them.
            escalation_service.TIMER_KIND: escalation_service.escalation_batch_handler(links),
        },
        # A file clock can jump at any moment: look often instead of sleeping until due.
        max_sleep=0.05 if isinstance(clock, FileClock) else 5.0,
        on_fired=metrics.timer_fired,
        on_failed=metrics.timer_failed,
    )
    writer.on_armed = timers.nudge
    delivery = DeliveryWorker(
        engine,
        clock,
        settings,
        on_attempt=metrics.delivery_attempted,
        on_provider_failure=metrics.provider_failed,
    )
    writer.on_queued = delivery.nudge
    return Runtime(
        settings=settings,
        engine=engine,
        clock=clock,
        writer=writer,
        keys=KeyDirectory(engine, ttl_seconds=KEY_RELOAD_SECONDS),
        metrics=metrics,
        timers=timers,
        suppressions=suppressions,
        delivery=delivery,
        links=links,
    )


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, *, run_timers: bool = True
) -> IngestDispatcher:
    """The Tocsin application for ``settings`` (read from ``TOCSIN_*`` when omitted).

    Ingest paths go straight to raw ASGI handlers (the hot path skips every framework
    layer); everything else reaches the FastAPI app, which also serves ``/openapi.json``
    describing every route, ingest included. ``settings.role``: ``api`` serves HTTP and
    leaves timers and deliveries to the workers; ``worker`` runs those and serves only
    health and metrics.
    """
    settings = settings or Settings()
    runtime = build_runtime(settings, clock)
    serves_http = settings.role != "worker"
    run_timers = run_timers and settings.role != "api"

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(runtime.keys.reload)
        await asyncio.to_thread(runtime.suppressions.reload, runtime.clock.now())
        await asyncio.to_thread(runtime.links.load, runtime.clock.now())
        runtime.writer.start()
        await runtime.writer.run(_arm_sweeps(runtime.clock.now()))
        # Everything loaded so far (frameworks, models, caches) lives as long as the
        # process: keep it out of the cyclic GC, whose full passes over those objects
        # stalled every request for tens of milliseconds (the p99 of ingest).
        gc.collect()
        gc.freeze()
        # Requests make short-lived containers by the thousand; collect young objects
        # less often (each pass costs the same whatever it finds).
        gc.set_threshold(20_000, 20, 20)
        reloader = asyncio.create_task(_reload_keys_forever(runtime))
        background = [reloader]
        if run_timers:
            background.append(asyncio.create_task(runtime.timers.run_forever()))
            background.append(
                asyncio.create_task(listen_forever(runtime.engine, runtime.timers.nudge))
            )
            background.append(asyncio.create_task(runtime.delivery.run_forever()))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await runtime.writer.stop()
            runtime.engine.dispose()

    api = FastAPI(
        title="Tocsin",
        version=__version__,
        description="Self-hosted incident response. Ingest endpoints are drop-in compatible "
        "with PagerDuty Events API v2; the REST API lives under /api/v1.",
        docs_url="/docs",
        redoc_url=None,
        # A trailing slash is a 404 JSON, not a 307 a client might follow with its
        # PUT or DELETE to the list route (and answered before the token check).
        redirect_slashes=False,
        dependencies=[Depends(no_nul_in_parameters)],
    )
    api.state.runtime = runtime
    install_error_handlers(api)
    if serves_http:
        for router in ROUTERS:
            api.include_router(router)
        api.include_router(ical.router)
        api.include_router(act.router)
    _add_operational_routes(api, runtime)
    if serves_http:
        _document_ingest_routes(api)

    app = Starlette(routes=[Mount("/", app=api)], lifespan=lifespan)
    app.state.runtime = runtime
    return IngestDispatcher(ingest_routes(runtime) if serves_http else {}, app)


def create_app_from_env() -> IngestDispatcher:
    """Factory for ``uvicorn --factory`` (several workers): settings from the environment."""
    return create_app(Settings())


def _arm_sweeps(now: datetime) -> Work:
    """The periodic timers every process makes sure of at start (the first one to fire
    re-arms it; several processes arm the same row)."""

    def work(store: IngestStore, cur: Any) -> list[AlertEvent]:
        for kind, subject in (
            (holds.TIMER_KIND, holds.TIMER_SUBJECT),
            (retention.TIMER_KIND, retention.TIMER_SUBJECT),
        ):
            arm(store, cur, kind=kind, subject=subject, due_at=now, now=now)
        oncall.arm_missing(store, cur, now)
        return []

    return work


async def _reload_keys_forever(runtime: Runtime) -> None:
    """Keep the routing-key cache and the windows/silences in force fresh."""
    last_keys = asyncio.get_running_loop().time()
    while True:
        await asyncio.sleep(1.0)
        try:
            if runtime.suppressions.stale():
                await asyncio.to_thread(runtime.suppressions.reload, runtime.clock.now())
            if asyncio.get_running_loop().time() - last_keys >= KEY_RELOAD_SECONDS:
                await asyncio.to_thread(runtime.keys.reload)
                last_keys = asyncio.get_running_loop().time()
        except Exception:
            log.exception("reloading keys or suppressions failed; keeping the cached ones")


def _add_operational_routes(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up (it does not look at the database)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> Response:
        """Ready for traffic: the database answers and its schema is current."""
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            current = schema_is_current(runtime.engine)
        except Exception as exc:
            return json_response(
                {"status": "unavailable", "code": "database_unreachable", "message": str(exc)},
                503,
            )
        if not current:
            return json_response(
                {
                    "status": "unavailable",
                    "code": "schema_outdated",
                    "message": "run `tocsin db upgrade`",
                },
                503,
            )
        return json_response({"status": "ready"}, 200)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus text format."""
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _document_ingest_routes(app: FastAPI) -> None:
    """Add the plain Starlette ingest routes to ``/openapi.json`` so it lists every route."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema["paths"].update(INGEST_PATHS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
