"""Opsgenie Alert API v2 endpoints, as raw ASGI handlers: a sender changes only the host.

``POST /v2/alerts`` creates, ``POST /v2/alerts/{identifier}/{action}`` acts on an alert,
``GET /v2/alerts/requests/{requestId}`` says what became of a request; every request is
authenticated by ``Authorization: GenieKey <key>`` (a Tocsin integration of type opsgenie).
A request's row in ``opsgenie_requests`` is written by work inside the group-commit
writer's transaction, with the request's alert event, so the 202 means both are on disk.
Outcomes that depend on the rest of the batch (created or appended?) are not copied into
the row: a GET reads them from the alert event, matched on integration, dedup key, action
and time. Answers carry ``took`` and ``requestId`` like Opsgenie's; errors carry
Opsgenie's numeric ``code`` (the HTTP status, or Opsgenie's 40301) and a ``message``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from sqlalchemy import Engine, select
from starlette.types import Receive, Scope, Send

from tocsin.alerts.ingest_store import IngestStore
from tocsin.api.asgi import BodyError, Handler, header, read_json_body, send_json
from tocsin.api.ingest.common import Counters, KeyResolver, encode
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.writer import StorageError, Work
from tocsin.ingest import opsgenie as og
from tocsin.ingest.routing import KeyInfo
from tocsin.runtime import Runtime
from tocsin.store.schema import alert_events, integrations, opsgenie_requests

_PREFIX = "/v2/alerts/"
_ACCEPTED = {"result": "Request will be processed"}
_UNAUTHENTICATED = "Could not authenticate"
_WRONG_KEY = "To perform this action, use the key of a Tocsin integration of type opsgenie"
_NOT_FOUND = "Request not found. It might not be processed, yet."
_THROTTLED = "You are making too many requests! To avoid errors, limit your requests."
_STORAGE = "The request could not be stored; please retry."
_SUPPORTED = (
    "Tocsin implements POST /v2/alerts, POST /v2/alerts/{identifier}/acknowledge|close|"
    "unacknowledge|snooze|notes and GET /v2/alerts/requests/{requestId}"
)
_COLUMNS = [c.name for c in opsgenie_requests.c]
_INSERT = (
    f"INSERT INTO opsgenie_requests ({', '.join(_COLUMNS)}) VALUES "
    f"({', '.join(['{p}'] * len(_COLUMNS))})"
)


class _Answer:
    """One request's answers, each with ``took`` and ``requestId`` as Opsgenie sends them."""

    def __init__(self, send: Send) -> None:
        self.send, self.started, self.request_id = send, time.perf_counter(), str(uuid.uuid4())

    async def __call__(
        self, status: int, body: dict[str, Any], headers: Iterable[tuple[bytes, bytes]] = ()
    ) -> None:
        took = round(time.perf_counter() - self.started, 3)
        payload = encode({**body, "took": took, "requestId": self.request_id})
        rid = (b"x-request-id", self.request_id.encode())
        await send_json(self.send, status, payload, (rid, *headers))

    async def error(self, status: int, message: str, code: int | None = None, **extra: Any) -> None:
        headers = ((b"retry-after", b"1"),) if status in (429, 503) else ()
        await self(status, {"code": code or status, "message": message, **extra}, headers)

    async def invalid(self, problem: og.Invalid) -> None:
        if problem.syntax:
            await self.error(400, problem.message)
        else:
            await self.error(422, problem.message, errors=problem.errors)


def opsgenie_routes(runtime: Runtime) -> dict[str, Handler]:
    """``/v2/alerts`` (create) and ``/v2/alerts/*`` (actions, request status)."""
    resolver, counters = KeyResolver(runtime), Counters(runtime)
    clock, writer, keys, engine = runtime.clock, runtime.writer, runtime.keys, runtime.engine
    latency = runtime.metrics.ingest_latency.labels("opsgenie")

    async def authenticate(scope: Scope, answer: _Answer) -> tuple[str, KeyInfo, Route] | None:
        scheme, _, key = (header(scope, b"authorization") or b"").decode("latin-1").partition(" ")
        key = key.strip()
        info = await resolver.resolve(key) if scheme.lower() == "geniekey" and key else None
        if info is None:
            counters.inc("opsgenie", "unknown_key")
            await answer.error(401, _UNAUTHENTICATED)
            return None
        if info.route is None or info.route.integration_type != "opsgenie":
            # Opsgenie's answer to a valid key that cannot do this (an account key).
            counters.inc("opsgenie", "unknown_key")
            await answer.error(403, _WRONG_KEY, 40301)
            return None
        return key, info, info.route

    async def submit(answer: _Answer, key: str, info: KeyInfo, work: Work) -> None:
        if not keys.allow(key, info):
            counters.inc("opsgenie", "rate_limited")
            await answer.error(429, _THROTTLED)
            return
        try:
            outcomes = await writer.run(work)
        except StorageError:
            await answer.error(503, _STORAGE)
            return
        for outcome in [o.value for o in outcomes] or ["recorded"]:
            counters.inc("opsgenie", outcome)
        await answer(202, _ACCEPTED)
        latency.observe(time.perf_counter() - answer.started)

    async def read_body(scope: Scope, receive: Receive, answer: _Answer) -> bytes | None:
        try:
            return await read_json_body(scope, receive, og.MAX_BODY)
        except BodyError as exc:
            counters.inc("opsgenie", "rejected")
            await answer.error(exc.status, exc.message)
            return None

    async def create(scope: Scope, receive: Receive, send: Send) -> None:
        answer = _Answer(send)
        if scope["method"] != "POST":
            message = f"Request method '{scope['method']}' not supported: {_SUPPORTED}"
            await answer.error(405, f"{message} (read alerts with GET /api/v1/alerts)")
            return
        auth = await authenticate(scope, answer)
        body = await read_body(scope, receive, answer) if auth else None
        if auth is None or body is None:
            return
        client = scope.get("client")
        parsed = og.parse_create(body, client[0] if client else og.DEFAULT_SOURCE)
        if isinstance(parsed, og.Invalid):
            counters.inc("opsgenie", "rejected")
            await answer.invalid(parsed)
            return
        now, route = clock.now(), auth[2]
        raw = _raw(answer.request_id, og.Operation.CREATE, {"body": parsed.body})
        event = parsed.to_event(route, now, raw)
        row = _row(answer.request_id, route, og.Operation.CREATE, parsed.alias, now)
        await submit(answer, auth[0], auth[1], _insert_then(row, [event]))

    async def alert_path(scope: Scope, receive: Receive, send: Send) -> None:
        answer = _Answer(send)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        parts = [unquote(p.decode("latin-1")) for p in raw_path[len(_PREFIX) :].split(b"/")]
        auth = await authenticate(scope, answer)
        if auth is None:
            return
        if scope["method"] == "GET" and len(parts) == 2 and parts[0] == "requests":
            found = await asyncio.to_thread(_request_status, engine, parts[1], auth[2])
            if found is None:
                await answer.error(404, _NOT_FOUND)
            else:
                await answer(200, {"data": found})
            return
        operation = og.ACTION_PATHS.get(parts[-1]) if len(parts) == 2 else None
        if scope["method"] != "POST" or operation is None:
            await answer.error(404, f"{scope['method']} {scope['path']}: {_SUPPORTED}")
            return
        body = await read_body(scope, receive, answer)
        if body is None:
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        kind = query.get("identifierType", [None])[-1]
        parsed = og.parse_action(operation, parts[0], kind, body)
        if isinstance(parsed, og.Invalid):
            counters.inc("opsgenie", "rejected")
            await answer.invalid(parsed)
            return
        now, route = clock.now(), auth[2]
        details = {"identifier": parsed.identifier, "identifierType": parsed.identifier_type}
        raw = _raw(answer.request_id, operation, {**details, "body": parsed.body})
        row = _row(answer.request_id, route, operation, None, now)
        await submit(answer, auth[0], auth[1], _action_work(parsed, route, row, raw))

    return {"/v2/alerts": create, "/v2/alerts/*": alert_path}


def _raw(request_id: str, operation: og.Operation, fields: dict[str, Any]) -> str:
    """What the alert's event log keeps of the request."""
    return encode({"requestId": request_id, "action": operation, **fields}).decode()


def _row(
    request_id: str, route: Route, operation: og.Operation, alias: str | None, now: datetime
) -> dict[str, Any]:
    """A request's ``opsgenie_requests`` row, its outcome left to the alert event."""
    return {
        "request_id": request_id,
        "integration_id": route.integration_id,
        "action": operation.value,
        "alias": alias,
        "alert_id": None,
        "status": None,
        "success": None,
        "processed_at": now,
        "created_at": now,
        "payload": None,
    }


def _insert_then(row: dict[str, Any], events: list[AlertEvent]) -> Work:
    """Work: record the request, then let the writer store ``events`` with it."""

    def work(store: IngestStore, cur: Any) -> list[AlertEvent]:
        values = [row[c] for c in _COLUMNS]
        cur.execute(
            _INSERT.format(p=store.mark),
            [store.db_time(v) if isinstance(v, datetime) else v for v in values],
        )
        return events

    return work


def _action_work(parsed: og.ParsedAction, route: Route, row: dict[str, Any], raw: str) -> Work:
    """Work for an alert action: find the alert if need be, record, maybe emit its event.

    Acknowledge and close by alias go straight to the writer (it ignores them when no open
    alert of this integration has the alias); by id, and for actions Tocsin only records,
    the alert is looked up first, within the same transaction.
    """
    action = og.APPLIED.get(parsed.operation)
    by_id = parsed.identifier_type is og.IdentifierType.ID

    def work(store: IngestStore, cur: Any) -> Sequence[AlertEvent]:
        found = None
        if by_id or action is None:
            column = "id" if by_id else "dedup_key"
            value = parsed.identifier if by_id else og.dedup_key_for(parsed.identifier)
            cur.execute(
                f"SELECT id, dedup_key, status FROM alerts WHERE {column} = {store.mark} "
                f"AND integration_id = {store.mark} ORDER BY created_at DESC LIMIT 1",
                (value, route.integration_id),
            )
            found = cur.fetchone()
        alias = (found[1] if found else None) if by_id else parsed.identifier
        mine = {**row, "alias": alias, "alert_id": found[0] if found else None}
        if (by_id or action is None) and found is None:
            mine.update(status="Alert does not exist", success=False)
        elif action is None:
            mine.update(status=og.NOT_APPLIED[parsed.operation], success=False, payload=raw)
        elif found is not None and found[2] == "resolved":
            mine.update(status="Alert is already closed", success=False)
        if action is None or mine["status"] is not None or alias is None:
            return _insert_then(mine, [])(store, cur)
        event = AlertEvent(route, action, og.dedup_key_for(alias), row["created_at"], raw)
        return _insert_then(mine, [event])(store, cur)

    return work


def _request_status(engine: Engine, request_id: str, route: Route) -> dict[str, Any] | None:
    """``data`` for GET /v2/alerts/requests/{id}, for this integration's requests only."""
    if "\x00" in request_id:  # never a request id (PostgreSQL cannot even compare it)
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(opsgenie_requests).where(
                opsgenie_requests.c.request_id == request_id[:36],
                opsgenie_requests.c.integration_id == route.integration_id,
            )
        ).first()
        if row is None:
            return None
        r = row._mapping
        alert_id, status = r["alert_id"], og.RequestStatus(bool(r["success"]), r["status"] or "")
        if r["status"] is None:
            event = _event_of(conn, r)
            alert_id = event[0] if event else None
            status = og.applied_status(event[1] if event else None)
    return og.request_data(
        operation=r["action"],
        processed_at=r["processed_at"],
        integration_id=r["integration_id"],
        status=status,
        alert_id=alert_id,
        alias=r["alias"],
    )


def _event_of(conn: Any, r: Any) -> tuple[str | None, str] | None:
    """The (alert id, outcome) of the alert event a request became."""
    action = og.APPLIED.get(og.Operation(r["action"]), Action.TRIGGER)
    service = select(integrations.c.service_id).where(integrations.c.id == r["integration_id"])
    found = conn.execute(
        select(alert_events.c.alert_id, alert_events.c.outcome)
        .where(
            alert_events.c.service_id == service.scalar_subquery(),
            alert_events.c.dedup_key == og.dedup_key_for(r["alias"] or ""),
            alert_events.c.integration_id == r["integration_id"],
            alert_events.c.action == action.value,
            alert_events.c.received_at == r["created_at"],
        )
        .order_by(alert_events.c.id.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])
