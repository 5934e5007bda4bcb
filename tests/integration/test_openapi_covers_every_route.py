"""``/openapi.json`` describes every route the server answers, and only those.

The routes really served are read from the application itself: the FastAPI routes (under
the Starlette mount) and the raw ingest routes of ``ingest_routes()``, whose ``/*`` prefix
routes are documented by at least one path under the prefix. A route added later without
a description fails here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from tests.integration.conftest import Tocsin
from tocsin.api.app import create_app
from tocsin.api.ingest.routes import ingest_routes
from tocsin.settings import Settings

# The documentation itself is not an operation of the API.
DOCUMENTATION = {"/openapi.json", "/docs", "/docs/oauth2-redirect"}
METHODS = {"get", "post", "put", "patch", "delete"}


def served_routes(tmp_path: Path) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """(method, path) of the framework routes; exact ingest paths; ingest prefixes."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    starlette = app.app
    framework = set()
    for mount in starlette.routes:  # type: ignore[attr-defined]
        assert isinstance(mount, Mount)
        assert isinstance(mount.app, FastAPI)
        for route in iter_route_contexts(mount.app.routes):
            path = route.path
            assert path is not None
            if path in DOCUMENTATION:
                continue
            for method in route.methods or ():
                if method != "HEAD":  # answered for every GET
                    framework.add((method.lower(), path))
    ingest = ingest_routes(starlette.state.runtime)  # type: ignore[attr-defined]
    exact = {p for p in ingest if not p.endswith("/*")}
    prefixes = {p[:-1] for p in ingest if p.endswith("/*")}
    return framework, exact, prefixes


def test_openapi_lists_every_route_served_and_nothing_else(tocsin: Tocsin, tmp_path: Path) -> None:
    framework, exact, prefixes = served_routes(tmp_path)
    schema = tocsin.server.client().get("/openapi.json").json()
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in METHODS
    }
    documented_paths = {path for _, path in documented}

    assert framework - documented == set(), "served by the API but not in /openapi.json"
    assert exact - documented_paths == set(), "ingest routes missing from /openapi.json"
    undocumented_prefixes = {
        prefix
        for prefix in prefixes
        if not any(p.startswith(prefix) and p not in exact for p in documented_paths)
    }
    assert undocumented_prefixes == set(), "ingest prefix routes with no path documented"

    def served(path: str) -> bool:
        return (
            any(path == p for _, p in framework)
            or path in exact
            or any(path.startswith(prefix) for prefix in prefixes)
        )

    assert {p for p in documented_paths if not served(p)} == set(), "documented, not served"
    assert {(m, p) for m, p in documented if p in {q for _, q in framework}} - framework == set()


def test_openapi_describes_the_generic_webhook_and_the_heartbeat_pings(tocsin: Tocsin) -> None:
    paths = tocsin.server.client().get("/openapi.json").json()["paths"]
    assert set(paths["/v1/webhook/{key}"]) == {"post", "put"}
    assert set(paths["/v1/webhook"]) == {"post", "put"}
    assert set(paths["/v1/heartbeats/{key}/ping"]) == {"get", "post", "put", "patch"}
    assert set(paths["/v2/heartbeats/{name}/ping"]) == {"get", "post", "put", "patch"}
    users = paths["/api/v1/users"]["get"]
    assert {p["name"] for p in users["parameters"]} >= {"limit", "cursor"}
    assert set(users["responses"]["200"]["headers"]) == {"Link", "X-Next-Cursor"}
