"""Alert to page over real HTTP: a sender posts to ``tocsin serve``, the server's own
escalation timer and delivery worker page the on-call user's webhook, and the delivery
log shows it (API and CLI), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tests.support.sinks import WebhookSink, webhook_sink
from tests.support.worlds import EVERY_PAGE_AT_ONCE, paging_world
from tocsin.notify.links import ActionLink, sign
from tocsin.store.db import create_db_engine
from tocsin.store.schema import instance_secrets

KEY = "f" * 32


def world(url: str) -> str:
    # Every alert its own incident, so every trigger pages; and a service that pages nobody.
    quiet = (
        f'  - name: quiet\n    integrations: [{{name: pd, type: pagerduty, key: "{"0" * 32}"}}]\n'
    )
    return paging_world(url, KEY, "    incident_grouping: per_alert\n") + quiet


@pytest.fixture(scope="module")
def sink() -> Iterator[WebhookSink]:
    with webhook_sink() as found:
        yield found


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sink: WebhookSink
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"paging-{request.param}")
    with serving(request.param, tmp, world(sink.url), env=EVERY_PAGE_AT_ONCE) as served:
        yield served


def trigger(tocsin: Tocsin, key: str, summary: str) -> None:
    body = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": summary, "source": "db1", "severity": "critical"},
    }
    response = httpx.post(f"{tocsin.url}/v2/enqueue", json=body)
    assert response.status_code == 202, response.text


def paged_incident(tocsin: Tocsin, sink: WebhookSink, summary: str) -> str:
    """Trigger an alert and wait for its page; the incident's id."""
    before = len(sink.received)
    trigger(tocsin, KEY, summary)
    return str(sink.wait_for(before + 1)[before]["incident"]["id"])


def test_an_alert_pages_the_on_call_webhook_and_the_log_shows_it(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    before = len(sink.received)
    trigger(tocsin, KEY, f"Disk full on {tocsin.backend}")
    page = sink.wait_for(before + 1)[before]  # woken by the request: no sleeping
    assert page["incident"]["title"] == f"Disk full on {tocsin.backend}"
    assert (page["policy"], page["level"], page["incident"]["service"]) == (
        "page-alice", 1, "web",
    )  # fmt: skip
    incident_id = page["incident"]["id"]
    with tocsin.api() as api:
        log = api.get(f"/api/v1/incidents/{incident_id}/deliveries")
        assert log.status_code == 200, log.text
        [delivery] = log.json()["deliveries"]
        missing = api.get("/api/v1/incidents/nosuchincident/deliveries")
    assert (delivery["user"], delivery["method_type"]) == ("alice", "webhook")
    assert delivery["idempotency_key"] == page["idempotency_key"]
    # The worker records after sending: the log may lag the page by a moment.
    assert delivery["state"] in ("sent", "pending")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    shown = json.loads(tocsin.cli("incidents", "deliveries", incident_id, "--json"))
    assert shown["deliveries"][0]["idempotency_key"] == page["idempotency_key"]
    metrics = httpx.get(f"{tocsin.url}/metrics").text
    assert 'tocsin_delivery_attempt_seconds_count{channel="webhook",outcome="sent"}' in metrics


def test_a_service_without_a_policy_pages_nobody(tocsin: Tocsin, sink: WebhookSink) -> None:
    seen = len(sink.received)
    trigger(tocsin, "0" * 32, "nobody is paged for this")
    trigger(tocsin, KEY, "a marker after it")  # its page comes after any page of the first
    bodies = sink.wait_for(seen + 1)
    titles = [b["incident"]["title"] for b in bodies]
    assert "nobody is paged for this" not in titles


def test_the_page_s_link_acknowledges_once_and_says_so(tocsin: Tocsin, sink: WebhookSink) -> None:
    before = len(sink.received)
    trigger(tocsin, KEY, "Acknowledge me from the link")
    page = sink.wait_for(before + 1)[before]
    link = page["links"]["acknowledge"]
    assert link.startswith(f"{tocsin.url}/act/")
    shown = httpx.get(link)  # opening it (as a mail scanner would) changes nothing
    assert shown.status_code == 200
    assert "<form method=post>" in shown.text
    incident = f"/api/v1/incidents/{page['incident']['id']}"
    with tocsin.api() as api:
        assert api.get(incident).json()["status"] == "triggered"
        done = httpx.post(link)
        assert done.status_code == 200, done.text
        assert "Acknowledged by alice" in done.text
        assert api.get(incident).json()["status"] == "acknowledged"
        again = httpx.post(link)  # idempotent: says what it found
        assert again.status_code == 200
        assert "Already acknowledged" in again.text
        resolved = httpx.post(page["links"]["resolve"])
        assert "Resolved by alice" in resolved.text
        assert api.get(incident).json()["status"] == "resolved"


@pytest.mark.parametrize("change", ["tamper", "garbage"])
def test_a_tampered_link_is_refused(tocsin: Tocsin, sink: WebhookSink, change: str) -> None:
    before = len(sink.received)
    trigger(tocsin, KEY, f"A link to {change} with")
    link = sink.wait_for(before + 1)[before]["links"]["acknowledge"]
    token = link.rsplit("/", 1)[1]
    if change == "tamper":
        body, signature = token.split(".")
        bad = f"{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}"
    else:
        bad = "not-a-link"
    for method in (httpx.get, httpx.post):
        refused = method(f"{tocsin.url}/act/{bad}")
        assert refused.status_code == 403
        assert refused.json()["code"] == "bad_link"


def test_an_expired_link_is_refused(tocsin: Tocsin) -> None:
    engine = create_db_engine(tocsin.database_url)
    try:
        with engine.connect() as conn:
            key = bytes.fromhex(conn.execute(select(instance_secrets.c.value)).scalar_one())
    finally:
        engine.dispose()
    expired = ActionLink("any", "acknowledge", "alice", datetime.now(UTC) - timedelta(seconds=1))
    refused = httpx.post(f"{tocsin.url}/act/{sign(expired, key)}")
    assert refused.status_code == 403
    assert refused.json()["code"] == "link_expired"


def test_acknowledge_resolve_and_escalate_through_the_api_and_the_cli(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    incident_id = paged_incident(tocsin, sink, "Act on me through the API")
    base = f"/api/v1/incidents/{incident_id}"
    with tocsin.api() as api:
        exhausted = api.post(f"{base}/escalate")  # one level, already paged
        assert exhausted.status_code == 409
        assert exhausted.json()["code"] == "exhausted"
        acked = api.post(f"{base}/acknowledge")
        assert acked.status_code == 200, acked.text
        assert (acked.json()["status_before"], acked.json()["alerts"]) == ("triggered", 1)
        assert api.post(f"{base}/acknowledge").json()["alerts"] == 0  # already so
        assert api.post(f"{base}/resolve").json()["alerts"] == 1
        assert api.get(base).json()["status"] == "resolved"
        late = api.post(f"{base}/escalate")
        assert (late.status_code, late.json()["code"]) == (409, "not_triggered")
        missing = api.post("/api/v1/incidents/nosuchincident/acknowledge")
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
        assert httpx.post(f"{tocsin.url}{base}/acknowledge").status_code == 401

    incident_id = paged_incident(tocsin, sink, "Act on me from the command line")
    said = tocsin.cli("incidents", "ack", incident_id, "--by", "alice")
    assert "1 alert(s) acknowledged" in said
    assert "already acknowledged" in tocsin.cli("incidents", "ack", incident_id)
    with tocsin.api() as api:
        assert api.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "acknowledged"


def test_snooze_and_add_responders_through_the_api_and_the_cli(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    before = len(sink.received)
    incident_id = paged_incident(tocsin, sink, "Snooze me")
    base = f"/api/v1/incidents/{incident_id}"
    with tocsin.api() as api:
        snoozed = api.post(f"{base}/snooze", json={"duration": "2h"})
        assert snoozed.status_code == 200, snoozed.text
        assert (snoozed.json()["status_before"], snoozed.json()["alerts"]) == ("triggered", 1)
        detail = api.get(base).json()
        assert detail["status"] == "acknowledged"
        assert detail["snoozed_until"] == snoozed.json()["until"]
        assert detail["escalation"]["state"] == "held"
        assert [e["kind"] for e in detail["events"]][-1] == "snoozed"
        added = api.post(f"{base}/responders", json={"targets": [{"user": "alice"}], "note": "hi"})
        assert added.status_code == 200, added.text
        assert (added.json()["users"], added.json()["pages"]) == (["alice"], 1)
    page = sink.wait_for(before + 2)[before + 1]
    assert (page["reason"], page["note"]) == ("responders_added", "hi")
    assert page["incident"]["id"] == incident_id

    said = tocsin.cli("incidents", "snooze", incident_id, "--for", "30m", "--by", "alice")
    assert "snoozed until" in said
    said = tocsin.cli("incidents", "add-responders", incident_id, "--user", "alice")
    assert "paged alice (1 page(s))" in said
    from_cli = sink.wait_for(before + 3)[before + 2]
    assert from_cli["reason"] == "responders_added"
    assert "/act/" in from_cli["links"]["acknowledge"]  # the CLI's pages carry links too
    shown = tocsin.cli("incidents", "show", incident_id)
    assert "escalation page-alice: held" in shown
    assert "responders_added" in shown


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("snooze", {}, 400, "invalid_request"),
        ("snooze", {"duration": "1h", "until": "2030-01-01T00:00:00Z"}, 400, "invalid_request"),
        ("snooze", {"duration": "soon"}, 400, "invalid_request"),
        ("snooze", {"duration": "8d"}, 400, "invalid_request"),
        ("snooze", {"until": "2001-01-01T00:00:00Z"}, 400, "invalid_request"),
        ("snooze", {"until": "2030-01-01T00:00:00"}, 400, "invalid_request"),
        ("snooze", {"duration": 5}, 400, "invalid_request"),
        ("snooze", {"duration": "1h", "extra": 1}, 400, "invalid_request"),
        ("snooze", {"duration": "1h", "pad": "x" * (1 << 20)}, 413, "payload_too_large"),
        ("responders", {"targets": []}, 400, "invalid_request"),
        ("responders", {"targets": [{"user": "a", "team": "b"}]}, 400, "invalid_request"),
        ("responders", {"targets": [{"users": "a"}]}, 400, "invalid_request"),
        ("responders", {"targets": [{"user": "nobody-here"}]}, 422, "unknown_target"),
        (
            "responders",
            {"targets": [{"user": "alice"}], "note": "x" * 2001},
            400,
            "invalid_request",
        ),
        ("responders", {"targets": "alice"}, 400, "invalid_request"),
    ],
)
def test_snooze_and_responders_refuse_bad_input_by_name(
    tocsin: Tocsin, sink: WebhookSink, path: str, body: object, status: int, code: str
) -> None:
    incident_id = paged_incident(tocsin, sink, f"Bad {path} input")
    with tocsin.api() as api:
        refused = api.post(f"/api/v1/incidents/{incident_id}/{path}", json=body)
        assert refused.status_code == status, refused.text
        assert refused.json()["code"] == code
        assert refused.json()["message"]
        missing = api.post(f"/api/v1/incidents/nosuchincident/{path}", json={"duration": "1h"})
        assert missing.status_code in (400, 404)


def test_a_resolved_incident_cannot_be_snoozed_or_given_responders(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    incident_id = paged_incident(tocsin, sink, "Resolve me first")
    base = f"/api/v1/incidents/{incident_id}"
    with tocsin.api() as api:
        assert api.post(f"{base}/resolve").status_code == 200
        late = api.post(f"{base}/snooze", json={"duration": "1h"})
        assert (late.status_code, late.json()["code"]) == (409, "resolved")
        late = api.post(f"{base}/responders", json={"targets": [{"user": "alice"}]})
        assert (late.status_code, late.json()["code"]) == (409, "resolved")
        missing = api.post("/api/v1/incidents/nosuchincident/snooze", json={"duration": "1h"})
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_the_providers_breakers_are_listed_and_an_unknown_one_cannot_be_reset(
    tocsin: Tocsin,
) -> None:
    with tocsin.api() as api:
        listed = api.get("/api/v1/providers")
        unknown = api.post("/api/v1/providers/webhook:nowhere.example/reset")
    assert listed.status_code == 200, listed.text
    assert isinstance(listed.json(), list)  # the sink never failed: no breaker rows
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    assert json.loads(tocsin.cli("providers", "--json")) == listed.json()
