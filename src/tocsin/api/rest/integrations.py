"""Integrations and where their senders post: ``/api/v1/integrations``."""

from __future__ import annotations

from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.directory import services as catalog

router = v1_router("catalog")


@router.get(
    "/integrations",
    response_model=list[catalog.IntegrationOut],
    responses=LINKED_PAGE,
)
def get_integrations(runtime: RuntimeDep, paging: Paging) -> list[catalog.IntegrationOut]:
    """Integrations by service and name, with their ingest URL and key."""
    with runtime.engine.connect() as conn:
        page = catalog.list_integrations(
            conn, runtime.settings.base_url(), limit=paging.limit, cursor=paging.cursor
        )
    return paging.reply(page)
