"""A database with one service and its PagerDuty integration, for in-process writer tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.support.databases import database_url
from tocsin.core.events import Route
from tocsin.ingest.routing import KeyDirectory
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade
from tocsin.world import apply_world, load_world_text


def one_service_world(key: str) -> str:
    """A world file: service "web" with a PagerDuty integration whose key is ``key``."""
    return (
        "version: 1\nservices:\n  - name: web\n"
        f'    integrations: [{{name: pd, type: pagerduty, key: "{key}"}}]\n'
    )


def route_of(engine: Engine, key: str) -> Route:
    """Where events sent with integration key ``key`` go."""
    keys = KeyDirectory(engine)
    keys.reload()
    info = keys.lookup(key)
    assert info is not None
    assert info.route is not None
    return info.route


@contextmanager
def writer_world(backend: str, tmp_path: Path, key: str, at: datetime) -> Iterator[Engine]:
    """A migrated database of ``backend`` holding ``one_service_world(key)``, applied at ``at``."""
    with database_url(backend, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            upgrade(engine)
            apply_world(engine, load_world_text(one_service_world(key)), at)
            yield engine
        finally:
            engine.dispose()
