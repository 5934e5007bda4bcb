"""Test pages over real HTTP, on SQLite and PostgreSQL: ``tocsin serve`` queues one
message per contact method, its own delivery worker sends them (a webhook to a local
receiver; email with no SMTP server configured fails), the confirm link records that a
message arrived, and the status endpoint, the users API and the CLI show it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tests.support.server import run_cli
from tests.support.sinks import WebhookSink, webhook_sink


def world(url: str) -> str:
    return f"""\
version: 1
users:
  - name: alice
    contact_methods:
      - {{type: webhook, address: "{url}/alice"}}
      - {{type: email, address: alice@example.com}}
  - name: bob
"""


@pytest.fixture(scope="module")
def sink() -> Iterator[WebhookSink]:
    with webhook_sink() as found:
        yield found


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sink: WebhookSink
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"test-pages-{request.param}")
    with serving(request.param, tmp, world(sink.url)) as served:
        yield served


def settled(tocsin: Tocsin, test_id: str) -> dict[str, Any]:
    """The test page once no message is queued any more (the worker records each outcome
    just after sending it; woken by each answer, bounded like ``WebhookSink.wait_for``)."""
    deadline = time.monotonic() + 15
    with tocsin.api() as api:
        while True:
            page = api.get(f"/api/v1/users/alice/test-pages/{test_id}").json()
            if all(m["state"] != "queued" and m["attempts"] for m in page["methods"]):
                return dict(page)
            assert time.monotonic() < deadline, page


def test_a_test_page_reaches_each_method_and_its_link_confirms_it(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    before = len(sink.received)
    with tocsin.api() as api:
        sent = api.post("/api/v1/users/alice/test-page")
    assert sent.status_code == 202, sent.text
    test_id = sent.json()["id"]
    assert [(m["index"], m["type"]) for m in sent.json()["methods"]] == [
        (0, "webhook"), (1, "email"),
    ]  # fmt: skip
    headers, message = sink.received[len(sink.wait_for(before + 1)) - 1]
    assert headers["Idempotency-Key"] == f"test/{test_id}/0"
    assert (message["type"], message["test_id"], message["user"]) == (
        "tocsin.test",
        test_id,
        "alice",
    )
    link = message["links"]["confirm"]
    assert link.startswith(f"{tocsin.url}/act/")

    page = settled(tocsin, test_id)
    webhook, email = page["methods"]
    assert (webhook["state"], webhook["error"]) == ("sent", None)
    assert webhook["sent_at"] is not None
    assert email["state"] == "failed"
    assert "the email channel is not configured" in email["error"]

    assert "Confirm the test page reached you?" in httpx.get(link).text  # shows, acts not
    assert settled(tocsin, test_id)["methods"][0]["confirmed_at"] is None
    confirmed = httpx.post(link)
    assert confirmed.status_code == 200
    assert "The test page reached alice through webhook contact method 0" in confirmed.text
    assert "Already confirmed" in httpx.post(link).text  # idempotent

    with tocsin.api() as api:
        page = api.get(f"/api/v1/users/alice/test-pages/{test_id}").json()
        user = api.get("/api/v1/users/alice").json()
        listed = api.get("/api/v1/users/alice/test-pages").json()
    assert page["methods"][0]["state"] == "confirmed"
    assert page["methods"][0]["sent_at"] is not None
    assert page["methods"][0]["confirmed_at"] is not None
    assert [m["test_confirmed"] for m in user["contact_methods"]] == [True, False]
    assert test_id in [p["id"] for p in listed]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/api/v1/users/nobody/test-page", 404, "not_found"),
        ("POST", "/api/v1/users/bob/test-page", 409, "no_contact_methods"),
        ("GET", "/api/v1/users/alice/test-pages/nosuchtest", 404, "not_found"),
        ("GET", "/api/v1/users/nobody/test-pages/nosuchtest", 404, "not_found"),
        ("GET", "/api/v1/users/nobody/test-pages", 404, "not_found"),
    ],
)
def test_bad_test_page_requests_answer_a_code(
    tocsin: Tocsin, method: str, path: str, status: int, code: str
) -> None:
    with tocsin.api() as api:
        answer = api.request(method, path)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["message"]


def test_a_tampered_confirm_link_is_refused(tocsin: Tocsin, sink: WebhookSink) -> None:
    before = len(sink.received)
    with tocsin.api() as api:
        assert api.post("/api/v1/users/alice/test-page").status_code == 202
    link = sink.wait_for(before + 1)[before]["links"]["confirm"]
    refused = httpx.post(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "bad_link"


def test_the_cli_sends_a_test_page_and_waits_for_its_outcome(
    tocsin: Tocsin, sink: WebhookSink
) -> None:
    before = len(sink.received)
    done = run_cli(
        tocsin.database_url,
        "notify", "test", "--user", "alice", "--wait", "--json",
        check=False,
        TOCSIN_PUBLIC_URL=tocsin.url,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the email method failed
    page = json.loads(done.stdout)
    assert [m["state"] for m in page["methods"]] == ["sent", "failed"]
    assert sink.wait_for(before + 1)[before]["links"]["confirm"].startswith(f"{tocsin.url}/act/")
    listed = run_cli(tocsin.database_url, "notify", "tests", "--user", "alice").stdout
    assert page["id"] in listed
    missing = run_cli(tocsin.database_url, "notify", "test", "--user", "bob", check=False)
    assert missing.returncode == 1
    assert "no_contact_methods" in missing.stderr
