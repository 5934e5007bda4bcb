"""Every list route whose body is a bare JSON list pages, over HTTP on SQLite and PostgreSQL.

The body stays a list; ``limit`` (default 100, at most 500) and ``cursor`` choose the page,
and while more follow the answer carries ``Link: <...>; rel="next"`` and ``X-Next-Cursor``.
Walking the links yields every item exactly once, in the list's own order.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

USERS = [f"u{i:03d}" for i in range(101)]  # one more than a default page
SERVICES = [f"svc-{i}" for i in range(5)]


def world() -> str:
    """Five of most things, 101 users, and two schedules with several layers, overrides
    and (seeded over HTTP below) API overrides and swap requests."""
    lines = ["version: 1", "services:"]
    for name in SERVICES:
        lines += [f"  - name: {name}", "    integrations:"]
        lines += [f"      - {{name: {kind}, type: {kind}}}" for kind in ("pagerduty", "grafana")]
    lines.append("heartbeats:")
    lines += [f"  - {{name: hb-{i}, service: svc-0, interval: 1h}}" for i in range(5)]
    lines.append("maintenance_windows:")
    lines += [
        f"  - {{name: mw-{i}, services: [svc-0], start: '2030-01-0{i + 1}T00:00:00Z', "
        f"end: '2030-01-0{i + 1}T01:00:00Z'}}"
        for i in range(5)
    ]
    lines.append("users:")
    lines += [f"  - name: {name}" for name in USERS]
    lines += [
        "schedules:",
        "  - name: rota",
        "    time_zone: UTC",
        "    layers:",
        "      - name: daily",
        "        rotation: {participants: [u000, u001, u002, u003, u004], turn: 1d,",
        "                   start: '2026-01-05T00:00:00Z'}",
        "    overrides:",
        *[
            f"      - {{user: u010, start: '2026-02-0{d}T00:00:00Z', "
            f"end: '2026-02-0{d}T01:00:00Z'}}"
            for d in (1, 2, 3)
        ],
        "  - name: layered",
        "    time_zone: UTC",
        "    layers:",
        *[
            f"      - {{name: l{i}, rotation: {{participants: [u00{i}], turn: 1d, "
            f"start: '2026-01-05T00:00:00Z'}}}}"
            for i in range(5)
        ],
    ]
    lines += [
        f"  - {{name: s-{i}, time_zone: UTC, layers: [{{name: one, rotation: "
        f"{{participants: [u020], turn: 1w, start: '2026-01-05T00:00:00Z'}}}}]}}"
        for i in range(5)
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"paging-{request.param}")
    with serving(request.param, tmp, world()) as served, served.api() as api:
        for service in SERVICES:
            made = api.post(
                "/api/v1/silences",
                json={"matchers": ["env=test"], "services": [service], "duration": "1h",
                      "created_by": "tests"},
            )  # fmt: skip
            assert made.status_code == 201, made.text
        for day in (10, 11, 12, 13):
            made = api.post(
                "/api/v1/schedules/rota/overrides",
                json={"user": "u011", "start": f"2026-02-{day}T00:00:00Z",
                      "end": f"2026-02-{day}T01:00:00Z"},
            )  # fmt: skip
            assert made.status_code == 201, made.text
        for hour in range(5):  # u000 is on call all of 5 January
            made = api.post(
                "/api/v1/schedules/rota/swaps",
                json={"from_user": "u000", "to_user": "u001",
                      "start": f"2026-01-05T0{hour}:00:00Z", "end": f"2026-01-05T0{hour}:30:00Z"},
            )  # fmt: skip
            assert made.status_code == 201, made.text
        yield served


def by_name(item: dict[str, Any]) -> Any:
    return item["name"]


def by_id(item: dict[str, Any]) -> Any:
    return item["id"]


# path, query, what identifies an item, its expected sort key, whether descending, how many
Route = tuple[str, dict[str, str], Callable[[dict[str, Any]], Any], bool, int]
ROUTES: dict[str, Route] = {
    "integrations": (
        "/api/v1/integrations", {}, lambda i: (i["service"], i["name"]), False, 10,
    ),
    "heartbeats": ("/api/v1/heartbeats", {}, by_name, False, 5),
    "maintenance-windows": ("/api/v1/maintenance-windows", {}, by_name, False, 5),
    "silences": ("/api/v1/silences", {}, by_id, True, 5),
    "users": ("/api/v1/users", {}, by_name, False, 101),
    "schedules": ("/api/v1/schedules", {}, by_name, False, 7),
    "oncall": ("/api/v1/oncall", {"at": "2026-01-06T12:00:00Z"}, lambda o: o["schedule"],
               False, 7),
    "layers": ("/api/v1/schedules/layered/layers", {}, lambda layer: layer["position"], False, 5),
    "fairness": (
        "/api/v1/schedules/rota/fairness",
        {"from": "2026-01-05T00:00:00Z", "to": "2026-01-10T00:00:00Z"},
        lambda f: f["user"], False, 5,
    ),
    "swaps": ("/api/v1/schedules/rota/swaps", {}, lambda s: s["start"], False, 5),
}  # fmt: skip


def walk(api: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a list route, following ``Link: rel="next"`` from the first page."""
    limit = params.get("limit", 100)
    response = api.get(path, params=params)
    items: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list)
        items += page
        link = response.links.get("next")
        if link is None:
            assert "x-next-cursor" not in response.headers
            assert len(page) <= limit
            return items
        assert len(page) == limit
        assert response.headers["x-next-cursor"] in link["url"]
        response = api.get(link["url"])


@pytest.mark.parametrize("route", ROUTES)
def test_walking_the_next_links_yields_every_item_once_in_order(tocsin: Tocsin, route: str) -> None:
    path, query, identity, descending, count = ROUTES[route]
    with tocsin.api() as api:
        whole = api.get(path, params={**query, "limit": 500})
        assert whole.status_code == 200, whole.text
        assert "link" not in whole.headers  # all of it fits in one page
        every = whole.json()
        walked = walk(api, path, {**query, "limit": 2})
    assert len(every) == count
    keys = [identity(item) for item in walked]
    assert keys == sorted(keys, reverse=descending)
    assert len(set(map(str, keys))) == count
    assert walked == every


def test_overrides_page_across_the_definition_and_the_api_at_every_page_size(
    tocsin: Tocsin,
) -> None:
    path = "/api/v1/schedules/rota/overrides"
    with tocsin.api() as api:
        every = api.get(path).json()
        assert [o["source"] for o in every] == ["definition"] * 3 + ["api"] * 4
        assert [o["start"][:10] for o in every] == [
            "2026-02-01", "2026-02-02", "2026-02-03",
            "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13",
        ]  # fmt: skip
        for limit in range(1, 9):
            assert walk(api, path, {"limit": limit}) == every, f"limit={limit}"
        late = {"from": "2026-02-02T00:30:00Z", "to": "2026-02-12T00:30:00Z"}
        assert walk(api, path, {**late, "limit": 2}) == every[1:6]


def test_a_client_that_sends_nothing_gets_100_and_a_link_to_the_rest(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        first = api.get("/api/v1/users")
        assert first.status_code == 200
        assert [u["name"] for u in first.json()] == USERS[:100]
        link = first.headers["link"]
        assert link.startswith(f"<{tocsin.url}/api/v1/users?cursor=")
        assert link.endswith('>; rel="next"')
        rest = api.get(first.links["next"]["url"])
        assert [u["name"] for u in rest.json()] == USERS[100:]
        assert "link" not in rest.headers


def test_the_next_link_keeps_the_filters(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        first = api.get("/api/v1/schedules/rota/swaps", params={"status": "requested", "limit": 3})
        assert "status=requested" in first.links["next"]["url"]
        assert "limit=3" in first.links["next"]["url"]
        declined = api.get("/api/v1/schedules/rota/swaps", params={"status": "declined"})
        assert declined.json() == []
        assert "link" not in declined.headers


def _cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_LIMITS = ["0", "501", "ten", "-1"]
BAD_CURSORS = ["not-a-cursor", _cursor_of("[1, 2, 3]"), _cursor_of('{"name": "x"}'), ""]
PATHS = [(path, query) for path, query, *_ in ROUTES.values()] + [
    ("/api/v1/schedules/rota/overrides", {})
]


@pytest.mark.parametrize(("path", "query"), PATHS)
def test_bad_limits_and_cursors_are_400_naming_the_field(
    tocsin: Tocsin, path: str, query: dict[str, str]
) -> None:
    bad = [("limit", value) for value in BAD_LIMITS] + [("cursor", c) for c in BAD_CURSORS]
    with tocsin.api() as api:
        for field, value in bad:
            answer = api.get(path, params={**query, field: value})
            assert answer.status_code == 400, (field, value, answer.text)
            body = answer.json()
            assert body["code"] == "invalid_request"
            assert field in body["message"]
            assert [e["field"] for e in body["errors"]] == [f"query.{field}"]
