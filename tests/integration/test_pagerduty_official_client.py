"""The official PagerDuty Python client talks to Tocsin with only its base URL changed.

The client insists on https, so the server runs with a certificate from a local test CA
(trustme) and the client trusts that CA.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pagerduty
import pytest
import trustme

from tests.support.databases import BACKENDS, database_url
from tests.support.server import ServerProcess, run_cli, start_server
from tests.support.worlds import CHECKOUT_KEY, write_world


@pytest.fixture(scope="module", params=BACKENDS)
def tls_tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ssl.SSLContext, str]]:
    tmp: Path = tmp_path_factory.mktemp(f"tls-{request.param}")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp / "server.pem", tmp / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with database_url(request.param, tmp) as url:
        run_cli(url, "apply", "-f", str(write_world(tmp)))
        token = run_cli(url, "token", "create", "--name", "pd").stdout.strip().splitlines()[-1]
        server = start_server(
            url,
            tmp / "server.log",
            "--ssl-certfile",
            str(cert_file),
            "--ssl-keyfile",
            str(key_file),
            ready_context=client_ctx,
        )
        try:
            yield server, client_ctx, token
        finally:
            server.stop()


def _alert(server: ServerProcess, ctx: ssl.SSLContext, token: str, key: str) -> dict[str, object]:
    response = httpx.get(
        f"{server.url}/api/v1/alerts",
        params={"dedup_key": key},
        headers={"Authorization": f"Bearer {token}"},
        verify=ctx,
    )
    [alert] = response.json()["alerts"]
    return dict(alert)


def test_official_client_triggers_acknowledges_and_resolves(
    tls_tocsin: tuple[ServerProcess, ssl.SSLContext, str],
) -> None:
    server, ctx, token = tls_tocsin
    client = pagerduty.EventsApiV2Client(CHECKOUT_KEY, base_url=server.url, verify=ctx)
    key = client.trigger(
        "Checkout 5xx above 5%",
        "checkout-7f9c",
        severity="error",
        custom_details={"ratio": 0.12},
        links=[{"href": "https://grafana.example.com/d/checkout", "text": "Dashboard"}],
    )
    alert = _alert(server, ctx, token, key)
    assert alert["status"] == "triggered"
    assert alert["severity"] == "error"
    assert alert["custom_details"] == {"ratio": 0.12}
    assert client.acknowledge(key) == key
    assert _alert(server, ctx, token, key)["status"] == "acknowledged"
    assert client.resolve(key) == key
    assert _alert(server, ctx, token, key)["status"] == "resolved"


def test_official_client_sends_a_change_event(
    tls_tocsin: tuple[ServerProcess, ssl.SSLContext, str],
) -> None:
    server, ctx, token = tls_tocsin
    client = pagerduty.EventsApiV2Client(CHECKOUT_KEY, base_url=server.url, verify=ctx)
    # pagerduty 7.2's default timestamp raises AttributeError before sending (a client
    # bug), so pass one in the shape it means to send: isoformat() + "Z".
    client.submit(
        "Deployed checkout v43",
        source="argo",
        custom_details={"sha": "9f1c"},
        timestamp="2026-11-28T09:00:00+00:00Z",
    )
    changes = httpx.get(
        f"{server.url}/api/v1/changes",
        params={"service": "checkout"},
        headers={"Authorization": f"Bearer {token}"},
        verify=ctx,
    ).json()["changes"]
    [change] = [c for c in changes if c["summary"] == "Deployed checkout v43"]
    assert change["source"] == "argo"
    assert change["occurred_at"] == "2026-11-28T09:00:00Z"
    assert change["custom_details"] == {"sha": "9f1c"}
