"""Change records (deploys, config, flags): ``/api/v1/changes``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.api.paging import Limit
from tocsin.api.rest.deps import Cursor, RuntimeDep, Since, Until, v1_router
from tocsin.changes.service import ChangePage, list_changes

router = v1_router("changes")


@router.get("/changes", response_model=ChangePage)
def get_changes(
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(description="service name or id")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ChangePage:
    """Change records (deploys, config, flags), newest first."""
    with runtime.engine.connect() as conn:
        return list_changes(
            conn, service=service, since=since, until=until, limit=limit, cursor=cursor
        )
