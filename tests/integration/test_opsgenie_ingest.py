"""The Opsgenie Alert API over HTTP against a real server, on SQLite and PostgreSQL.

Requests are shaped as the official Python client (opsgenie-sdk) sends them: JSON with
``Content-Type: application/json``, ``Authorization: GenieKey <key>``, no body for an
action without one, ``identifierType`` in the query; the last test runs the client itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

OG_KEY = "0e0e0e0e000000000000000000000001"
OG_OTHER_KEY = "0e0e0e0e000000000000000000000002"
OG_LIMITED_KEY = "0e0e0e0e000000000000000000000003"
PD_KEY = "0e0e0e0e000000000000000000000009"

WORLD = f"""
version: 1
services:
  - name: checkout
    integrations:
      - name: opsgenie
        type: opsgenie
        key: "{OG_KEY}"
      - name: opsgenie-eu
        type: opsgenie
        key: "{OG_OTHER_KEY}"
      - name: ci
        type: pagerduty
        key: "{PD_KEY}"
  - name: flaky
    integrations:
      - name: chatty
        type: opsgenie
        key: "{OG_LIMITED_KEY}"
        rate_limit_per_minute: 2
"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin with Opsgenie integrations, on SQLite, then on PostgreSQL."""
    tmp = tmp_path_factory.mktemp(f"opsgenie-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


def genie(key: str = OG_KEY) -> dict[str, str]:
    """The headers opsgenie-sdk sends."""
    return {
        "Authorization": f"GenieKey {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def og(
    tocsin: Tocsin,
    path: str,
    body: Any = None,
    *,
    key: str = OG_KEY,
    method: str = "POST",
    **params: str,
) -> httpx.Response:
    content = None if body is None else json.dumps(body)
    return httpx.request(
        method,
        f"{tocsin.url}{path}",
        content=content,
        params=params,
        headers=genie(key),
        timeout=30,
    )


def status_of(tocsin: Tocsin, response: httpx.Response, key: str = OG_KEY) -> dict[str, Any]:
    """GET /v2/alerts/requests/{requestId} for a 202."""
    assert response.status_code == 202, response.text
    found = og(tocsin, f"/v2/alerts/requests/{response.json()['requestId']}", key=key, method="GET")
    assert found.status_code == 200, found.text
    data: dict[str, Any] = found.json()["data"]
    return data


def alias() -> str:
    return f"db1-disk-{uuid.uuid4().hex[:8]}"


def alert(tocsin: Tocsin, alert_id: str) -> dict[str, Any]:
    with tocsin.api() as api:
        response = api.get(f"/api/v1/alerts/{alert_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_create_is_accepted_and_its_request_names_the_created_alert(tocsin: Tocsin) -> None:
    name = alias()
    response = og(
        tocsin,
        "/v2/alerts",
        {
            "message": "Disk full on db1",
            "alias": name,
            "description": "95% used on /var",
            "tags": ["db", "prod"],
            "details": {"host": "db1"},
            "entity": "db1",
            "priority": "P1",
            "responders": [{"type": "team", "name": "dba"}],
            "user": "monitoring",
        },
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"result", "took", "requestId"}
    assert body["result"] == "Request will be processed"
    assert isinstance(body["took"], float)
    assert (
        response.headers["x-request-id"] == body["requestId"] == str(uuid.UUID(body["requestId"]))
    )

    data = status_of(tocsin, response)
    assert data["success"] is data["isSuccess"] is True
    assert (data["action"], data["status"], data["alias"]) == ("Create", "Created alert", name)
    assert data["processedAt"].endswith("Z")
    stored = alert(tocsin, data["alertId"])
    assert data["integrationId"] == stored["integration_id"]
    assert (stored["summary"], stored["severity"], stored["status"]) == (
        "Disk full on db1",
        "critical",
        "triggered",
    )
    assert stored["dedup_key"] == name
    assert stored["source"] == "127.0.0.1"  # no source sent: the sender's address
    assert stored["labels"] == {
        "tag:db": "true",
        "tag:prod": "true",
        "priority": "P1",
        "source": "127.0.0.1",
        "entity": "db1",
    }
    assert stored["custom_details"]["details"] == {"host": "db1"}
    assert stored["custom_details"]["responders"] == [{"type": "team", "name": "dba"}]
    [event] = stored["events"]
    assert event["payload"]["requestId"] == body["requestId"]
    assert event["payload"]["body"]["message"] == "Disk full on db1"


def test_create_again_with_the_same_alias_appends_to_the_open_alert(tocsin: Tocsin) -> None:
    name = alias()
    first = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "Disk full", "alias": name}))
    again = og(tocsin, "/v2/alerts", {"message": "Disk still full", "alias": name})
    second = status_of(tocsin, again)
    assert second["alertId"] == first["alertId"]
    assert second["success"] is True
    assert second["status"] == "Alert with this alias is already open: its count increased"
    stored = alert(tocsin, first["alertId"])
    assert stored["occurrences"] == 2
    assert stored["summary"] == "Disk still full"


def test_a_silence_on_a_tag_label_holds_the_alert(tocsin: Tocsin) -> None:
    tag = f"maint-{uuid.uuid4().hex[:8]}"
    with tocsin.api() as api:
        silence = api.post(
            "/api/v1/silences",
            json={
                "matchers": [f"tag:{tag}=true", "priority=~P4|P5"],
                "duration": "1h",
                "created_by": "alice",
            },
        )
    assert silence.status_code == 201, silence.text
    body = {"message": "m", "alias": alias(), "tags": [tag], "priority": "P5"}
    held = alert(tocsin, status_of(tocsin, og(tocsin, "/v2/alerts", body))["alertId"])
    assert held["suppressed_by"] == f"silence:{silence.json()['id']}"
    paged = status_of(
        tocsin, og(tocsin, "/v2/alerts", {**body, "alias": alias(), "priority": "P1"})
    )
    assert alert(tocsin, paged["alertId"])["suppressed_by"] is None


def test_acknowledge_then_close_by_alias(tocsin: Tocsin) -> None:
    name = alias()
    created = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "m", "alias": name}))
    ack = og(tocsin, f"/v2/alerts/{name}/acknowledge", identifierType="alias")
    assert status_of(tocsin, ack)["status"] == "Acknowledged alert"
    assert alert(tocsin, created["alertId"])["status"] == "acknowledged"
    close = og(tocsin, f"/v2/alerts/{name}/close", {"user": "alice"}, identifierType="alias")
    closed = status_of(tocsin, close)
    assert (closed["action"], closed["status"]) == ("Close", "Closed alert")
    assert closed["alertId"] == created["alertId"]
    stored = alert(tocsin, created["alertId"])
    assert stored["status"] == "resolved"
    assert [e["outcome"] for e in stored["events"]] == ["created", "acknowledged", "resolved"]
    assert stored["events"][-1]["payload"]["body"] == {"user": "alice"}


def test_acknowledge_and_close_by_alert_id_the_default_identifier_type(tocsin: Tocsin) -> None:
    created = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "m", "alias": alias()}))
    alert_id = created["alertId"]
    acked = status_of(tocsin, og(tocsin, f"/v2/alerts/{alert_id}/acknowledge"))
    assert (acked["status"], acked["alertId"]) == ("Acknowledged alert", alert_id)
    closed = status_of(tocsin, og(tocsin, f"/v2/alerts/{alert_id}/close", identifierType="id"))
    assert closed["status"] == "Closed alert"
    assert alert(tocsin, alert_id)["status"] == "resolved"
    again = status_of(tocsin, og(tocsin, f"/v2/alerts/{alert_id}/close"))
    assert (again["success"], again["status"]) == (False, "Alert is already closed")


def test_an_alias_with_a_slash_is_found_when_encoded(tocsin: Tocsin) -> None:
    name = f"disk/{uuid.uuid4().hex[:8]}"
    created = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "m", "alias": name}))
    close = og(tocsin, f"/v2/alerts/{name.replace('/', '%2F')}/close", identifierType="alias")
    assert status_of(tocsin, close)["status"] == "Closed alert"
    assert alert(tocsin, created["alertId"])["status"] == "resolved"


def test_actions_on_alerts_that_do_not_exist_are_accepted_and_reported(tocsin: Tocsin) -> None:
    by_alias = og(tocsin, f"/v2/alerts/{alias()}/close", identifierType="alias")
    data = status_of(tocsin, by_alias)
    assert data["success"] is False
    assert data["status"].startswith("Alert does not exist")
    by_id = status_of(tocsin, og(tocsin, "/v2/alerts/06h20bkdvc2oXXXX/acknowledge"))
    assert (by_id["success"], by_id["status"], by_id["alertId"]) == (
        False,
        "Alert does not exist",
        "",
    )


def test_alert_opened_by_another_integration_is_not_closed_by_this_key(tocsin: Tocsin) -> None:
    name = alias()
    created = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "m", "alias": name}))
    close = og(tocsin, f"/v2/alerts/{name}/close", key=OG_OTHER_KEY, identifierType="alias")
    assert status_of(tocsin, close, key=OG_OTHER_KEY)["success"] is False
    assert alert(tocsin, created["alertId"])["status"] == "triggered"


@pytest.mark.parametrize(
    ("action", "body", "name", "status"),
    [
        ("unacknowledge", None, "Unacknowledge", "Tocsin cannot unacknowledge alerts yet"),
        ("snooze", {"endTime": "2030-01-01T00:00:00Z"}, "Snooze", "cannot snooze alerts yet"),
        ("notes", {"note": "looking", "user": "alice"}, "AddNote", "no alert notes yet"),
    ],
)
def test_actions_tocsin_cannot_apply_are_recorded_and_reported_not_applied(
    tocsin: Tocsin, action: str, body: Any, name: str, status: str
) -> None:
    created = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "m", "alias": alias()}))
    og(tocsin, f"/v2/alerts/{created['alertId']}/acknowledge")
    data = status_of(tocsin, og(tocsin, f"/v2/alerts/{created['alertId']}/{action}", body))
    assert (data["action"], data["success"], data["alertId"]) == (name, False, created["alertId"])
    assert data["status"].startswith("Not applied: ")
    assert status in data["status"]
    stored = alert(tocsin, created["alertId"])
    assert stored["status"] == "acknowledged"
    assert [e["outcome"] for e in stored["events"]] == ["created", "acknowledged"]


def test_without_alias_the_generated_alias_identifies_the_alert(tocsin: Tocsin) -> None:
    first = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "no alias"}))
    second = status_of(tocsin, og(tocsin, "/v2/alerts", {"message": "no alias"}))
    assert first["alias"] != second["alias"]
    assert first["alertId"] != second["alertId"]
    close = og(tocsin, f"/v2/alerts/{first['alias']}/close", identifierType="alias")
    assert status_of(tocsin, close)["alertId"] == first["alertId"]


def test_missing_or_unknown_key_is_401_and_a_key_of_another_type_403(tocsin: Tocsin) -> None:
    url = f"{tocsin.url}/v2/alerts"
    body = json.dumps({"message": "m"})
    answers = [
        httpx.post(url, content=body, headers={"Content-Type": "application/json"}),
        httpx.post(url, content=body, headers=genie("f" * 32)),
        httpx.post(url, content=body, headers={**genie(), "Authorization": f"Bearer {OG_KEY}"}),
        og(tocsin, "/v2/alerts/requests/x", key="f" * 32, method="GET"),
    ]
    for response in answers:
        assert response.status_code == 401, response.text
        assert response.json()["code"] == 401
        assert response.json()["message"] == "Could not authenticate"
        assert set(response.json()) == {"code", "message", "took", "requestId"}
    wrong = httpx.post(url, content=body, headers=genie(PD_KEY))
    assert wrong.status_code == 403
    assert wrong.json()["code"] == 40301
    assert "integration of type opsgenie" in wrong.json()["message"]


def test_a_request_is_visible_only_to_its_own_integration(tocsin: Tocsin) -> None:
    response = og(tocsin, "/v2/alerts", {"message": "m", "alias": alias()})
    request_id = response.json()["requestId"]
    other = og(tocsin, f"/v2/alerts/requests/{request_id}", key=OG_OTHER_KEY, method="GET")
    assert other.status_code == 404
    assert other.json()["message"] == "Request not found. It might not be processed, yet."
    assert og(tocsin, f"/v2/alerts/requests/{uuid.uuid4()}", method="GET").status_code == 404


def test_over_the_rate_limit_is_429_with_retry_after(tocsin: Tocsin) -> None:
    codes = [
        og(tocsin, "/v2/alerts", {"message": "m"}, key=OG_LIMITED_KEY).status_code for _ in range(3)
    ]
    assert codes == [202, 202, 429]
    limited = og(tocsin, "/v2/alerts", {"message": "m"}, key=OG_LIMITED_KEY)
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["code"] == 429


def bad(status: int, path: str, body: Any = None, errors: Any = None, **query: str) -> Any:
    """A bad request (POST unless ``method=``) and the status and ``errors`` it gets."""
    method = query.pop("method", "POST")
    where = f"{method} {path}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    case_id = f"{where} {str(body)[:30]} -> {status}"
    return pytest.param(method, path, body, query, status, errors, id=case_id)


CREATE, ACK, TOO_LONG = "/v2/alerts", "/v2/alerts/x/acknowledge", "must be at most {} characters"
PS = "P1, P2, P3, P4, P5"
BAD_REQUESTS = [
    bad(400, CREATE, "{not json"),
    bad(400, CREATE),
    bad(400, CREATE, [{"message": "m"}]),
    bad(422, CREATE, {}, {"message": "is missing or blank"}),
    bad(422, CREATE, {"message": "x" * 131}, {"message": TOO_LONG.format(130)}),
    bad(422, CREATE, {"message": "m", "alias": "a" * 513}, {"alias": TOO_LONG.format(512)}),
    bad(422, CREATE, {"message": "m", "priority": "high"}, {"priority": f"must be one of {PS}"}),
    bad(422, CREATE, {"message": "m", "tags": ["t"] * 21}, {"tags": "may hold at most 20 items"}),
    bad(422, CREATE, {"message": "m", "details": {"n": 1}}, {"details.n": "must be a string"}),
    bad(422, ACK, identifierType="tiny"),
    bad(422, ACK, None, {"identifierType": "must be one of id, alias, tiny"}, identifierType="n"),
    bad(422, "/v2/alerts/x/snooze", {}, {"endTime": "is missing or blank"}, identifierType="alias"),
    bad(422, "/v2/alerts/x/notes", {"user": "a"}, {"note": "is missing or blank"}),
    bad(400, "/v2/alerts/x/close", "["),
    bad(404, "/v2/alerts/x/tags", {"tags": ["a"]}),
    bad(404, "/v2/alerts/x/close/y"),
    bad(404, "/v2/alerts/x", method="GET"),
    bad(404, "/v2/alerts/x", method="DELETE"),
    bad(405, CREATE, method="GET"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "query", "status", "errors"), BAD_REQUESTS)
def test_bad_requests_get_opsgenies_error_shape_never_a_500(
    tocsin: Tocsin,
    method: str,
    path: str,
    body: Any,
    query: dict[str, str],
    status: int,
    errors: dict[str, str] | None,
) -> None:
    content = body if isinstance(body, str) or body is None else json.dumps(body)
    response = httpx.request(
        method, f"{tocsin.url}{path}", content=content, params=query, headers=genie(), timeout=30
    )
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["code"] == status
    assert isinstance(answer["message"], str)
    assert answer["message"]
    assert isinstance(answer["took"], float)
    assert uuid.UUID(answer["requestId"])
    if status == 422:
        assert answer["message"] == "Request body is not processable. Please check the errors."
    if errors is not None:
        assert answer["errors"] == errors


def test_body_limits_and_content_type_are_checked(tocsin: Tocsin) -> None:
    url = f"{tocsin.url}/v2/alerts"
    form = httpx.post(url, data={"message": "m"}, headers={"Authorization": f"GenieKey {OG_KEY}"})
    assert form.status_code == 415
    assert form.json()["code"] == 415
    huge = json.dumps({"message": "m", "description": "x" * (600 * 1024)})
    too_large = httpx.post(url, content=huge, headers=genie())
    assert too_large.status_code == 413
    assert too_large.json()["code"] == 413


def test_openapi_describes_every_opsgenie_path(tocsin: Tocsin) -> None:
    paths = httpx.get(f"{tocsin.url}/openapi.json", timeout=10).json()["paths"]
    assert "post" in paths["/v2/alerts"]
    assert "get" in paths["/v2/alerts/requests/{requestId}"]
    for action in ("acknowledge", "close", "unacknowledge", "snooze", "notes"):
        assert "post" in paths[f"/v2/alerts/{{identifier}}/{action}"]


def test_the_official_python_client_creates_acknowledges_and_closes(tocsin: Tocsin) -> None:
    import opsgenie_sdk

    conf = opsgenie_sdk.configuration.Configuration()
    conf.host = tocsin.url
    conf.api_key["Authorization"] = OG_KEY
    conf.retry_enabled = False
    alerts = opsgenie_sdk.AlertApi(api_client=opsgenie_sdk.api_client.ApiClient(configuration=conf))
    name = alias()
    payload = opsgenie_sdk.CreateAlertPayload(
        message="Checkout latency", alias=name, tags=["checkout"], priority="P2"
    )
    created = alerts.create_alert(create_alert_payload=payload)
    assert created.result == "Request will be processed"
    status = alerts.get_request_status(request_id=created.request_id)
    assert status.data.is_success is True
    assert status.data.status == "Created alert"
    alert_id = status.data.alert_id
    ack = alerts.acknowledge_alert(identifier=name, identifier_type="alias")
    assert alerts.get_request_status(request_id=ack.request_id).data.status == "Acknowledged alert"
    close_payload = opsgenie_sdk.CloseAlertPayload(user="alice", note="fixed")
    closed = alerts.close_alert(identifier=alert_id, close_alert_payload=close_payload)
    assert alerts.get_request_status(request_id=closed.request_id).data.alert_id == alert_id
    stored = alert(tocsin, alert_id)
    assert (stored["status"], stored["severity"]) == ("resolved", "error")
    assert stored["labels"]["tag:checkout"] == "true"
