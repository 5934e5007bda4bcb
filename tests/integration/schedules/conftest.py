"""A running Tocsin per database backend with the schedules test world applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Tocsin
from tests.support.databases import BACKENDS, database_url
from tests.support.server import run_cli, start_server

WORLD = Path(__file__).parent / "world.yaml"


@pytest.fixture(scope="module", params=BACKENDS)
def oncall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin serving on SQLite, then on PostgreSQL, with users and two schedules."""
    tmp = tmp_path_factory.mktemp(request.param)
    with database_url(request.param, tmp) as url:
        run_cli(url, "db", "upgrade")
        run_cli(url, "apply", "-f", str(WORLD))
        token = run_cli(url, "token", "create", "--name", "tests").stdout.strip().splitlines()[-1]
        server = start_server(url, tmp / "server.log")
        try:
            yield Tocsin(server, token, request.param)
        finally:
            server.stop()
