"""Bad input gets the documented 4xx with a JSON body, never a 500, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS, database_url
from tests.support.server import run_cli, start_server
from tests.support.worlds import CHECKOUT_KEY, DEPLOYS_KEY, INGEST_WORLD, write_world
from tocsin.ids import new_id
from tocsin.store.db import create_db_engine
from tocsin.store.schema import change_source_services, change_sources, services

AM_KEY = "bad0000000000000000000000000a001"
GRAFANA_KEY = "bad0000000000000000000000000a002"
OG_KEY = "bad0000000000000000000000000a003"
WEBHOOK_KEY = "bad0000000000000000000000000a004"
# The ingest world, plus a service with an integration of every other format.
SERVICES, CHANGE_SOURCES = INGEST_WORLD.split("change_sources:")
WORLD = f"""{SERVICES}  - name: formats
    integrations:
      - {{name: am, type: alertmanager, key: {AM_KEY}}}
      - {{name: grafana, type: grafana, key: {GRAFANA_KEY}}}
      - {{name: og, type: opsgenie, key: {OG_KEY}}}
      - name: hook
        type: generic
        key: {WEBHOOK_KEY}
        mapping: {{summary: title, dedup_key: id, timestamp: at}}
change_sources:{CHANGE_SOURCES}"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin serving the ingest world plus an integration of every format."""
    tmp = tmp_path_factory.mktemp(f"bad-input-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


VALID = {
    "routing_key": CHECKOUT_KEY,
    "event_action": "trigger",
    "dedup_key": "bad-input-probe",
    "payload": {"summary": "s", "source": "s", "severity": "info"},
}
JSON = {"content-type": "application/json"}


def body(**changes: object) -> bytes:
    return json.dumps({**VALID, **changes}).encode()


CASES = [
    ("malformed JSON", b"{", JSON, 400, "invalid_event"),
    ("empty body", b"", JSON, 400, "invalid_event"),
    ("JSON array", b"[]", JSON, 400, "invalid_event"),
    ("JSON string", b'"trigger"', JSON, 400, "invalid_event"),
    ("invalid UTF-8", b'{"routing_key":"\xc3\x28"}', JSON, 400, "invalid_event"),
    ("lone surrogate escape", b'{"routing_key":"\\udc00"}', JSON, 400, "invalid_event"),
    ("deeply nested", b"[" * 100000 + b"]" * 100000, JSON, 400, "invalid_event"),
    ("wrong type for action", body(event_action=1), JSON, 400, "invalid_event"),
    ("wrong type for payload", body(payload=[]), JSON, 400, "invalid_event"),
    (
        "missing summary",
        body(payload={"source": "s", "severity": "info"}),
        JSON,
        400,
        "invalid_event",
    ),
    (
        "summary too long",
        body(payload={"summary": "é" * 1025, "source": "s", "severity": "info"}),
        JSON,
        400,
        "invalid_event",
    ),
    ("dedup key too long", body(dedup_key="k" * 256), JSON, 400, "invalid_event"),
    ("unknown routing key", body(routing_key="f" * 32), JSON, 400, "invalid_routing_key"),
    ("routing key too long", body(routing_key="f" * 500), JSON, 400, "invalid_event"),
    (
        "form encoded",
        b"routing_key=x",
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
    ),
    ("text/plain", body(), {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    ("oversize body", b'{"x":"' + b"a" * (600 * 1024) + b'"}', JSON, 413, "payload_too_large"),
]


@pytest.mark.parametrize(
    ("name", "raw", "headers", "status", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_enqueue_gets_documented_error(
    tocsin: Tocsin, name: str, raw: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = httpx.post(f"{tocsin.url}/v2/enqueue", content=raw, headers=headers, timeout=30)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["code"] == code
    assert answer["status"] == "invalid event"
    assert answer["message"]
    assert isinstance(answer["errors"], list)
    assert answer["errors"]


def test_unknown_key_answer_does_not_depend_on_which_keys_exist(tocsin: Tocsin) -> None:
    near = httpx.post(
        f"{tocsin.url}/v2/enqueue", content=body(routing_key=CHECKOUT_KEY[:-1] + "9"), headers=JSON
    )
    far = httpx.post(f"{tocsin.url}/v2/enqueue", content=body(routing_key="zz"), headers=JSON)
    assert near.status_code == far.status_code == 400
    assert near.json() == far.json()


def test_wrong_method_gets_405_json(tocsin: Tocsin) -> None:
    response = httpx.get(f"{tocsin.url}/v2/enqueue")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_bad_change_event_gets_documented_error(tocsin: Tocsin) -> None:
    response = httpx.post(
        f"{tocsin.url}/v2/change/enqueue", content=b'{"routing_key":"x"}', headers=JSON
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_event"


def test_rejected_events_store_nothing(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        found = api.get("/api/v1/alerts", params={"dedup_key": "bad-input-probe"}).json()["alerts"]
    assert found == []


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/api/v1/alerts", {"limit": "0"}, "invalid_request"),
        ("/api/v1/alerts", {"limit": "many"}, "invalid_request"),
        ("/api/v1/alerts", {"status": "exploded"}, "invalid_request"),
        ("/api/v1/alerts", {"since": "last tuesday"}, "invalid_request"),
        ("/api/v1/incidents", {"status": "?"}, "invalid_request"),
        ("/api/v1/alerts/does-not-exist", {}, "not_found"),
        ("/api/v1/incidents/does-not-exist", {}, "not_found"),
        ("/api/v1/nothing-here", {}, "not_found"),
    ],
)
def test_bad_api_requests_get_code_and_message(
    tocsin: Tocsin, path: str, params: dict[str, str], code: str
) -> None:
    with tocsin.api() as api:
        response = api.get(path, params=params)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert response.json()["message"]


# Instants at the edges of what a datetime can hold: converting them to UTC overflowed.
EDGES = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z"]


def alert_list(version: str, field: str, value: str) -> dict[str, Any]:
    alert = {"status": "firing", "labels": {"alertname": "Edge"}, field: value}
    return {"version": version, "alerts": [alert]}


def enqueue(value: str) -> dict[str, Any]:
    return {**VALID, "payload": {**VALID["payload"], "timestamp": value}}  # type: ignore[dict-item]


TIME_CASES = [
    ("PagerDuty", "/v2/enqueue", enqueue, 400, "invalid_event", "payload.timestamp"),
    (
        "PagerDuty change",
        "/v2/change/enqueue",
        lambda t: {"routing_key": DEPLOYS_KEY, "payload": {"summary": "v2", "timestamp": t}},
        400,
        "invalid_event",
        "payload.timestamp",
    ),
    (
        "Alertmanager",
        f"/v1/alertmanager/{AM_KEY}",
        lambda t: alert_list("4", "startsAt", t),
        400,
        "invalid_payload",
        "alerts[0].startsAt",
    ),
    (
        "Grafana",
        f"/v1/grafana/{GRAFANA_KEY}",
        lambda t: alert_list("1", "startsAt", t),
        400,
        "invalid_payload",
        "alerts[0].startsAt",
    ),
    (
        "generic webhook",
        f"/v1/webhook/{WEBHOOK_KEY}",
        lambda t: {"title": "edge", "id": "edge", "at": t},
        400,
        "invalid_payload",
        "mapping.timestamp",
    ),
    (
        "Opsgenie snooze",
        "/v2/alerts/edge/snooze?identifierType=alias",
        lambda t: {"endTime": t},
        422,
        422,  # Opsgenie's shape: its code is the status, its errors map fields to problems
        "endTime",
    ),
]


# Year 1 is Alertmanager's zero time, "not set": the next test.
OUT_OF_RANGE_CASES = [
    (*case, value)
    for case in TIME_CASES
    for value in [*EDGES, "1969-12-31T23:59:59Z"]
    if not (value.startswith("0001-") and "startsAt" in case[-1])
]


@pytest.mark.parametrize(
    ("fmt", "path", "make", "status", "code", "field", "value"),
    OUT_OF_RANGE_CASES,
    ids=[f"{c[0]}-{c[-1]}" for c in OUT_OF_RANGE_CASES],
)
def test_a_time_outside_the_range_is_refused_naming_the_field(
    tocsin: Tocsin,
    fmt: str,
    path: str,
    make: Any,
    status: int,
    code: str | int,
    field: str,
    value: str,
) -> None:
    response = httpx.post(
        f"{tocsin.url}{path}", json=make(value), headers={"Authorization": f"GenieKey {OG_KEY}"}
    )
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer.get("code") == code
    errors = answer["errors"]
    if isinstance(errors, dict):  # Opsgenie's shape
        errors = [f"'{name}' {problem}" for name, problem in errors.items()]
    assert any(
        field in error and "between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z" in error
        for error in errors
    ), errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(("endsAt", value) for value in EDGES),  # not read
        ("startsAt", "0001-01-01T00:00:00Z"),  # Alertmanager's zero time: not set
        ("startsAt", "0001-01-01T00:00:00+05:00"),
    ],
)
def test_alertmanager_times_it_does_not_read_never_refuse_the_alert(
    tocsin: Tocsin, field: str, value: str
) -> None:
    key = f"edge-{field}-{value}"
    alert = {"status": "firing", "labels": {"alertname": "Edge"}, "fingerprint": key}
    body = {"version": "4", "alerts": [{**alert, field: value}]}
    response = httpx.post(f"{tocsin.url}/v1/alertmanager/{AM_KEY}", json=body)
    assert response.status_code == 200, response.text
    with tocsin.api() as api:
        [stored] = api.get("/api/v1/alerts", params={"dedup_key": key}).json()["alerts"]
    assert stored["occurred_at"] is None


def test_a_pagerduty_timestamp_without_offset_is_utc(tocsin: Tocsin) -> None:
    event = {**enqueue("2026-01-01T09:30:00"), "dedup_key": "naive-timestamp"}
    assert httpx.post(f"{tocsin.url}/v2/enqueue", json=event).status_code == 202
    with tocsin.api() as api:
        [stored] = api.get("/api/v1/alerts", params={"dedup_key": "naive-timestamp"}).json()[
            "alerts"
        ]
    assert stored["occurred_at"] == "2026-01-01T09:30:00Z"


# PostgreSQL cannot compare text holding a NUL: these were 500s and 503s there.
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/heartbeats/%00/ping", 404),
        ("GET", "/v1/heartbeats/a%00b/ping", 404),
        ("GET", "/v2/heartbeats/%00/ping", 404),
        ("GET", "/v2/heartbeats/night%00ly/ping", 404),
        ("GET", "/v2/alerts/requests/%00", 404),
        ("POST", "/v2/alerts/%00/close?identifierType=alias", 202),
        ("POST", "/v2/alerts/a%00b/acknowledge?identifierType=id", 202),
    ],
)
def test_a_nul_in_an_ingest_path_is_an_ordinary_answer(
    tocsin: Tocsin, method: str, path: str, status: int
) -> None:
    headers = {"Authorization": f"GenieKey {OG_KEY}", **JSON}
    response = httpx.request(method, f"{tocsin.url}{path}", headers=headers, content=b"{}")
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["message"] if status == 404 else answer["result"] == "Request will be processed"


def test_an_opsgenie_alias_with_a_nul_closes_the_alert_it_created(tocsin: Tocsin) -> None:
    """The alias was stored with the NUL replaced; the close looks it up the same way."""
    headers = {"Authorization": f"GenieKey {OG_KEY}"}
    created = httpx.post(
        f"{tocsin.url}/v2/alerts", json={"message": "m", "alias": "nul\x00alias"}, headers=headers
    )
    closed = httpx.post(
        f"{tocsin.url}/v2/alerts/nul%00alias/close?identifierType=alias", json={}, headers=headers
    )
    status = httpx.get(
        f"{tocsin.url}/v2/alerts/requests/{closed.json()['requestId']}", headers=headers
    )
    assert (created.status_code, closed.status_code) == (202, 202)
    assert status.json()["data"]["status"] == "Closed alert"


@pytest.mark.parametrize("backend", BACKENDS)
def test_change_events_of_a_source_with_a_long_legacy_name_are_stored(
    backend: str, tmp_path: Path
) -> None:
    """Change events record ``change_source:NAME`` in a 64-character column: a name written
    before names were bounded to fit made PostgreSQL refuse every one of them (503)."""
    key = "1e9ac40000000000000000000000d001"
    with database_url(backend, tmp_path) as url:
        run_cli(url, "db", "upgrade")
        run_cli(
            url, "apply", "-f", str(write_world(tmp_path, "version: 1\nservices: [{name: web}]"))
        )
        engine = create_db_engine(url)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            service = conn.execute(select(services.c.id)).scalar_one()
            source = new_id(now)
            conn.execute(
                insert(change_sources).values(
                    id=source, name="deploys-" + "x" * 100, key=key, created_at=now, updated_at=now
                )
            )
            conn.execute(
                insert(change_source_services).values(change_source_id=source, service_id=service)
            )
        engine.dispose()
        server = start_server(url, tmp_path / "server.log")
        try:
            event = {"routing_key": key, "payload": {"summary": "deployed v2"}}
            response = httpx.post(f"{server.url}/v2/change/enqueue", json=event)
        finally:
            server.stop()
    assert response.status_code == 202, response.text


PAYLOAD = {"summary": "s", "source": "s", "severity": "info"}


def nested(body: dict[str, Any], depth: int) -> str:
    """``body`` as JSON, its "DEEP" value replaced by lists ``depth`` levels deep."""
    return json.dumps(body).replace('"DEEP"', "[" * depth + "]" * depth)


# Bodies the decoder could read but the API could not show again: its serializer stops
# about 250 levels down, so one stored alert with such details made GET /api/v1/alerts
# answer 500 for everyone.
DEEP_BODIES = [
    (
        "/v2/enqueue",
        nested({**VALID, "payload": {**PAYLOAD, "custom_details": "DEEP"}}, 300),
        400,
    ),
    (
        f"/v1/alertmanager/{AM_KEY}",
        nested({"version": "4", "receiver": "DEEP", "alerts": []}, 150),
        400,
    ),
    (f"/v1/webhook/{WEBHOOK_KEY}", nested({"title": "t", "id": "deep", "x": "DEEP"}, 101), 400),
    ("/v2/alerts", nested({"message": "m", "details": "DEEP"}, 500), 400),
]


@pytest.mark.parametrize(("path", "body", "status"), DEEP_BODIES, ids=[b[0] for b in DEEP_BODIES])
def test_a_body_nested_deeper_than_any_read_can_show_is_refused(
    tocsin: Tocsin, path: str, body: str, status: int
) -> None:
    response = httpx.post(
        f"{tocsin.url}{path}",
        content=body.encode(),
        headers={**JSON, "Authorization": f"GenieKey {OG_KEY}"},
    )
    assert response.status_code == status, response.text
    assert "nested more than 100 levels deep" in response.text
    with tocsin.api() as api:
        assert api.get("/api/v1/alerts", params={"limit": 500}).status_code == 200
