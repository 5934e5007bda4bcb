"""A running Tocsin per database backend, shared by a test module, with a world applied."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.databases import BACKENDS, database_url
from tests.support.server import ServerProcess, run_cli, start_server
from tests.support.worlds import write_world


@dataclass
class Tocsin:
    """A server with an API token, as a user would have after `make demo`."""

    server: ServerProcess
    token: str
    backend: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def database_url(self) -> str:
        return self.server.database_url

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {self.token}"}
        )

    def cli(self, *args: str) -> str:
        return run_cli(self.database_url, *args).stdout


@contextmanager
def serving(
    backend: str, tmp: Path, world: Path | str, env: dict[str, str] | None = None
) -> Iterator[Tocsin]:
    """A new database of ``backend``, migrated, with ``world`` applied (a path, or the
    text of a world file) and an API token, and ``tocsin serve`` on it (``env``: more
    ``TOCSIN_*`` settings for the server)."""
    if isinstance(world, str):
        path = tmp / "world.yaml"
        path.write_text(world)
        world = path
    with database_url(backend, tmp) as url:
        run_cli(url, "db", "upgrade")
        run_cli(url, "apply", "-f", str(world))
        token = run_cli(url, "token", "create", "--name", "tests").stdout.strip().splitlines()[-1]
        server = start_server(url, tmp / "server.log", env=env)
        try:
            yield Tocsin(server, token, backend)
        finally:
            server.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin serving on SQLite, then on PostgreSQL, with the ingest test world."""
    tmp = tmp_path_factory.mktemp(request.param)
    with serving(request.param, tmp, write_world(tmp)) as served:
        yield served
