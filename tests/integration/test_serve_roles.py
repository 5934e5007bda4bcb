"""``tocsin serve --role``: API processes take the traffic, worker processes fire the
timers and send the pages, all on one PostgreSQL database; SQLite refuses the split."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.databases import postgres_database
from tests.support.server import run_cli, start_server
from tests.support.sinks import WebhookSink
from tests.support.worlds import paging_world

KEY = "r" * 32


def test_an_api_process_takes_the_alert_and_a_worker_process_pages(
    tmp_path: Path, sink: WebhookSink
) -> None:
    with postgres_database() as url:
        run_cli(url, "db", "upgrade")
        (tmp_path / "world.yaml").write_text(paging_world(sink.url, KEY))
        run_cli(url, "apply", "-f", str(tmp_path / "world.yaml"))
        api = start_server(url, tmp_path / "api.log", "--role", "api")
        worker = start_server(url, tmp_path / "worker.log", "--role", "worker")
        try:
            # The worker serves health and metrics only; the API serves the rest.
            assert httpx.get(f"{worker.url}/healthz").status_code == 200
            assert httpx.get(f"{worker.url}/metrics").status_code == 200
            assert httpx.post(f"{worker.url}/v2/enqueue", json={}).status_code == 404
            body = {
                "routing_key": KEY,
                "event_action": "trigger",
                "payload": {"summary": "Paged by the worker", "source": "db1", "severity": "error"},
            }
            assert httpx.post(f"{api.url}/v2/enqueue", json=body).status_code == 202
            [page] = sink.wait_for(1)
            assert page["incident"]["title"] == "Paged by the worker"
        finally:
            api.stop()
            worker.stop()
    assert "Tocsin listening" in api.log()


def test_sqlite_refuses_a_split_role(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tocsin.db'}"
    done = run_cli(url, "serve", "--role", "worker", "--port", "1", check=False)
    assert done.returncode != 0
    assert "needs PostgreSQL" in done.stderr


def test_an_unknown_role_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tocsin.db'}"
    done = run_cli(url, "serve", "--role", "boss", check=False)
    assert done.returncode != 0
    assert "--role must be all, api or worker" in done.stderr
