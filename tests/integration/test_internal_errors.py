"""An unexpected failure answers 500 with the JSON error body, and the connection lives on.

The failure is a real one: the ``schedules`` table is renamed away under the running
server (as a botched manual migration would), so listing schedules fails inside the
database driver. Nothing in the product can be blamed on the client: a 500 is right. What
must not happen is the server closing the keep-alive connection, which the client would
see as a reset instead of the answer to its next request.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tests.support.worlds import write_world


@pytest.fixture(params=BACKENDS)
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tocsin]:
    """A server whose database lost its ``schedules`` table after the server started."""
    with serving(request.param, tmp_path, write_world(tmp_path)) as served:
        engine = create_engine(served.database_url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE schedules RENAME TO schedules_lost"))
        engine.dispose()
        yield served


def test_a_500_answers_json_and_keeps_the_connection_open(broken: Tocsin) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", broken.server.port, timeout=10)
    auth = {"Authorization": f"Bearer {broken.token}"}
    try:
        conn.request("GET", "/api/v1/schedules", headers=auth)
        failed = conn.getresponse()
        body = json.loads(failed.read())
        assert conn.sock is not None
        first_port = conn.sock.getsockname()[1]

        conn.request("GET", "/api/v1/alerts", headers=auth)
        after = conn.getresponse()
        after.read()
        assert conn.sock is not None
        same_connection = conn.sock.getsockname()[1] == first_port
    finally:
        conn.close()
    assert failed.status == 500
    assert failed.getheader("content-type") == "application/json"
    assert body == {"code": "internal_error", "message": "internal error; see the server log"}
    assert after.status == 200
    assert same_connection
    assert "unhandled error on GET /api/v1/schedules" in broken.server.log()
