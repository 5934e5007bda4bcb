"""Generic JSON webhooks over HTTP (SQLite and PostgreSQL), and `tocsin integrations test`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tests.support.server import run_cli

KEY = "9e000000000000000000000000000001"
WORLD = f"""
version: 1
services:
  - name: ci
    integrations:
      - name: jenkins
        type: generic
        key: "{KEY}"
        mapping:
          summary: "join(' ', [job.name, build.status])"
          dedup_key: "job.name"
          action: "build.status"
          actions: {{FAILURE: trigger, SUCCESS: resolve}}
          severity: "build.status"
          severities: {{FAILURE: critical, SUCCESS: info}}
          labels: "{{job: job.name}}"
"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"generic-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


def build(job: str, status: str) -> dict[str, object]:
    return {"job": {"name": job}, "build": {"status": status, "number": 7}}


def test_webhook_triggers_then_resolves_through_the_mapping(tocsin: Tocsin) -> None:
    job = f"deploy-{uuid.uuid4().hex[:8]}"
    url = f"{tocsin.url}/v1/webhook/{KEY}"
    assert httpx.post(url, json=build(job, "FAILURE")).json() == {"status": "success", "alerts": 1}
    with tocsin.api() as api:
        [alert] = api.get("/api/v1/alerts", params={"dedup_key": job}).json()["alerts"]
    assert (alert["summary"], alert["severity"], alert["status"]) == (
        f"{job} FAILURE",
        "critical",
        "triggered",
    )
    assert alert["labels"] == {"job": job}
    assert httpx.put(url, json=build(job, "SUCCESS")).status_code == 200
    with tocsin.api() as api:
        [alert] = api.get("/api/v1/alerts", params={"dedup_key": job}).json()["alerts"]
    assert alert["status"] == "resolved"


def test_payload_that_does_not_fit_gets_400_with_the_reason(tocsin: Tocsin) -> None:
    response = httpx.post(
        f"{tocsin.url}/v1/webhook/{KEY}",
        json={"job": {"name": "x"}, "build": {"status": "ABORTED"}},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    assert any("ABORTED" in e for e in response.json()["errors"])


def test_unknown_key_and_bad_json_are_4xx(tocsin: Tocsin) -> None:
    assert httpx.post(f"{tocsin.url}/v1/webhook/{'0' * 32}", json={}).status_code == 404
    bad = httpx.post(
        f"{tocsin.url}/v1/webhook/{KEY}", content=b"{", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400


def test_cli_shows_what_a_payload_would_become_without_storing_it(
    tocsin: Tocsin, tmp_path: Path
) -> None:
    job = f"preview-{uuid.uuid4().hex[:8]}"
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(build(job, "FAILURE")))
    shown = json.loads(tocsin.cli("integrations", "test", "ci/jenkins", "--payload", str(payload)))
    assert shown["alerts"][0]["summary"] == f"{job} FAILURE"
    with tocsin.api() as api:
        assert api.get("/api/v1/alerts", params={"dedup_key": job}).json()["alerts"] == []
    payload.write_text("{}")
    failed = run_cli(
        tocsin.database_url,
        "integrations",
        "test",
        "ci/jenkins",
        "--payload",
        str(payload),
        check=False,
    )
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errors"]
