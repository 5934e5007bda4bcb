"""Bad input gets the documented 4xx with a JSON body, never a 500, and stores nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.conftest import Tocsin
from tests.support.worlds import CHECKOUT_KEY

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
