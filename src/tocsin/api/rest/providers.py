"""``/api/v1/providers``: the delivery providers' circuit breakers, and closing one."""

from __future__ import annotations

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.notify.providers.store import BreakerOut, list_breakers, reset

router = v1_router("operations")


@router.get("/providers", response_model=list[BreakerOut])
def get_providers(runtime: RuntimeDep) -> list[BreakerOut]:
    """Every provider that has failed at least once (webhook:host, smtp:host:port,
    apprise:scheme), with its breaker: closed, open (skipped until ``open_until``) or
    half_open (one probe under way), failures in a row and the last error."""
    with runtime.engine.connect() as conn:
        return list_breakers(conn)


@router.post("/providers/{name}/reset", response_model=BreakerOut)
def post_provider_reset(name: str, runtime: RuntimeDep) -> BreakerOut:
    """Close the provider's breaker now (its failure count starts over)."""
    # One path segment is enough: names come from a URL's scheme, host and port; one
    # named after an unreadable file: reference is never tried, so it has no breaker.
    with runtime.engine.begin() as conn:
        breaker = reset(conn, name, runtime.clock.now())
    if breaker is None:
        raise ApiError(404, "not_found", f"no breaker for provider {name!r}")
    return breaker
