"""The real Prometheus Alertmanager (Debian's prometheus-alertmanager) posting to Tocsin.

Alerts are posted to Alertmanager's own API as Prometheus would (firing with a far
``endsAt``, then again with ``endsAt`` = now once resolved); Alertmanager groups them and
delivers its webhook to ``/v1/alertmanager/KEY``; the test polls Tocsin's API (bounded)
until the alert appears, then until it resolves. docs/ingest-alertmanager.md shows this
configuration (the timings are short so that a test takes seconds).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.fixtures.alertmanager.world import AM_KEY, alerts_by_key, tocsin_fixture
from tests.integration.conftest import Tocsin
from tests.support.databases import skip_or_fail
from tests.support.server import free_port

BINARY = "prometheus-alertmanager"
POLL_SECONDS = 20.0
POLL_INTERVAL = 0.1

CONFIG = """\
global:
  resolve_timeout: 5s
route:
  receiver: tocsin
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: tocsin
    webhook_configs:
      - url: {url}
        send_resolved: true
        max_alerts: 1000
"""

T = TypeVar("T")


@dataclass
class Alertmanager:
    """A running Alertmanager and its log."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


tocsin = tocsin_fixture()


@pytest.fixture(scope="module")
def alertmanager_binary() -> str:
    """The installed Alertmanager (checked before any server is started)."""
    binary = shutil.which(BINARY)
    if binary is None:
        skip_or_fail("apt-get install prometheus-alertmanager")
        raise AssertionError("unreachable")
    return binary


@pytest.fixture(scope="module")
def alertmanager(
    alertmanager_binary: str, tocsin: Tocsin, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Alertmanager]:
    """Alertmanager on free loopback ports, its one receiver being Tocsin's webhook."""
    binary = alertmanager_binary
    tmp = tmp_path_factory.mktemp("alertmanager")
    config = tmp / "am.yml"
    config.write_text(CONFIG.format(url=f"{tocsin.url}/v1/alertmanager/{AM_KEY}"))
    port = free_port()
    log_path = tmp / "alertmanager.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                f"--storage.path={tmp}",
                f"--config.file={config}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    am = Alertmanager(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        poll(lambda: _ready(am), "Alertmanager to be ready", am)
        yield am
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ready(am: Alertmanager) -> bool | None:
    if am.proc.poll() is not None:
        raise RuntimeError(f"Alertmanager exited:\n{am.log()}")
    try:
        return httpx.get(f"{am.url}/-/ready", timeout=1).status_code == 200 or None
    except httpx.HTTPError:
        return None


def poll(check: Callable[[], T | None], what: str, am: Alertmanager) -> T:
    """Wait (bounded) for an external process: ``check()`` until it returns a value."""
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(POLL_INTERVAL)
    raise AssertionError(f"gave up waiting for {what}; Alertmanager log:\n{am.log()}")


def post_alert(am: Alertmanager, labels: dict[str, str], starts: datetime, ends: datetime) -> None:
    alert = {
        "labels": labels,
        "annotations": {
            "summary": "Disk almost full on db-1",
            "runbook_url": "https://runbooks.example.invalid/DiskFull",
        },
        "startsAt": starts.isoformat(),
        "endsAt": ends.isoformat(),
        "generatorURL": "http://prometheus.example.invalid/graph?g0.expr=disk",
    }
    response = httpx.post(f"{am.url}/api/v2/alerts", json=[alert], timeout=10)
    assert response.status_code == 200, response.text


def fingerprint_in_alertmanager(am: Alertmanager, run: str) -> str | None:
    response = httpx.get(f"{am.url}/api/v2/alerts", params={"filter": f'run="{run}"'}, timeout=5)
    found = response.json()
    return str(found[0]["fingerprint"]) if found else None


def alert_in_tocsin(tocsin: Tocsin, key: str, status: str) -> dict[str, Any] | None:
    stored = alerts_by_key(tocsin, key)[key]
    return stored[0] if stored and stored[0]["status"] == status else None


def test_real_alertmanager_fires_then_resolves_an_alert_in_tocsin(
    alertmanager: Alertmanager, tocsin: Tocsin
) -> None:
    run = uuid.uuid4().hex[:10]
    labels = {"alertname": "DiskFull", "instance": "db-1:9100", "severity": "warning", "run": run}
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    post_alert(alertmanager, labels, starts, starts + timedelta(hours=1))
    key = poll(lambda: fingerprint_in_alertmanager(alertmanager, run), "the alert", alertmanager)

    fired = poll(lambda: alert_in_tocsin(tocsin, key, "triggered"), "the trigger", alertmanager)
    assert fired["labels"] == labels
    assert fired["severity"] == "warning"
    assert fired["summary"] == "Disk almost full on db-1"
    assert fired["source"] == "db-1:9100"
    assert datetime.fromisoformat(fired["occurred_at"]) == starts
    assert {"href": "https://runbooks.example.invalid/DiskFull", "text": "Runbook"} in (
        fired["links"]
    )

    # As Prometheus does when the rule stops firing: the same alert, ended now.
    post_alert(alertmanager, labels, starts, datetime.now(UTC))
    resolved = poll(lambda: alert_in_tocsin(tocsin, key, "resolved"), "the resolve", alertmanager)
    assert resolved["id"] == fired["id"]
    with tocsin.api() as api:
        events = api.get(f"/api/v1/alerts/{fired['id']}").json()["events"]
    assert events[0]["payload"]["receiver"] == "tocsin"
    assert events[-1]["outcome"] == "resolved"
