"""A running Tocsin per database backend with the schedules test world applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

WORLD = Path(__file__).parent / "world.yaml"


@pytest.fixture(scope="module", params=BACKENDS)
def oncall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin serving on SQLite, then on PostgreSQL, with users and two schedules."""
    tmp = tmp_path_factory.mktemp(request.param)
    with serving(request.param, tmp, WORLD) as served:
        yield served
