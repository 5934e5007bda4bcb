"""Nothing is cut off silently: an alert's event log and an incident's alerts page, over
HTTP on SQLite and PostgreSQL.

The detail routes keep their fields (the first 500 events, the first 1000 alerts) and say
where the rest is (``events_next_cursor``, ``alerts_next_cursor``); the sub-routes
``/alerts/{id}/events`` and ``/incidents/{id}/alerts`` walk the whole of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.alertmanager.samples import am_alert, am_notification
from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

CHATTY_KEY = "9a000000000000000000000000000001"
CROWD_KEY = "9a000000000000000000000000000002"
WORLD = f"""
version: 1
services:
  - name: chatty
    integrations:
      - {{name: am, type: alertmanager, key: "{CHATTY_KEY}"}}
  - name: crowd
    integrations:
      - {{name: am, type: alertmanager, key: "{CROWD_KEY}"}}
"""


def notify(tocsin: Tocsin, key: str, alerts: list[dict[str, Any]]) -> None:
    answer = httpx.post(
        f"{tocsin.url}/v1/alertmanager/{key}", json=am_notification(alerts), timeout=60
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """One alert with 600 events, and one incident of 1001 alerts."""
    tmp = tmp_path_factory.mktemp(f"details-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        for _ in range(6):
            notify(served, CHATTY_KEY, [am_alert("loud")] * 100)
        notify(served, CROWD_KEY, [am_alert(f"db{i:04}") for i in range(1000)])
        notify(served, CROWD_KEY, [am_alert("db1000")])
        yield served


def the_loud_alert(api: httpx.Client) -> dict[str, Any]:
    [found] = api.get("/api/v1/alerts", params={"dedup_key": "loud"}).json()["alerts"]
    return dict(found)


def the_crowded_incident(api: httpx.Client) -> dict[str, Any]:
    [found] = api.get("/api/v1/incidents", params={"service": "crowd"}).json()["incidents"]
    return dict(found)


def walk(api: httpx.Client, path: str, field: str, cursor: str | None, limit: int) -> list[Any]:
    """Every item of a body-paged sub-route from ``cursor`` on, following ``next_cursor``."""
    items: list[Any] = []
    while cursor is not None:
        answer = api.get(path, params={"cursor": cursor, "limit": limit})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page[field]) <= limit
        items += page[field]
        cursor = page["next_cursor"]
    return items


def test_an_alert_with_600_events_shows_500_and_pages_the_rest(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        alert = the_loud_alert(api)
        detail = api.get(f"/api/v1/alerts/{alert['id']}").json()
        assert len(detail["events"]) == 500
        assert detail["events_next_cursor"] is not None
        path = f"/api/v1/alerts/{alert['id']}/events"
        rest = walk(api, path, "events", detail["events_next_cursor"], 30)
        first = api.get(path).json()
        assert (len(first["events"]), first["events"]) == (100, detail["events"][:100])
        every = detail["events"] + rest
        walked = first["events"] + walk(api, path, "events", first["next_cursor"], 500)
    assert len(every) == 600 == alert["occurrences"]
    ids = [e["id"] for e in every]
    assert ids == sorted(set(ids))
    assert [e["outcome"] for e in every] == ["created"] + ["appended"] * 599
    assert walked == every


def test_an_incident_of_1001_alerts_shows_1000_and_pages_the_rest(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        incident = the_crowded_incident(api)
        assert incident["alert_count"] == 1001
        detail = api.get(f"/api/v1/incidents/{incident['id']}").json()
        assert len(detail["alerts"]) == 1000
        path = f"/api/v1/incidents/{incident['id']}/alerts"
        rest = walk(api, path, "alerts", detail["alerts_next_cursor"], 500)
        first = api.get(path, params={"limit": 500}).json()
        walked = first["alerts"] + walk(api, path, "alerts", first["next_cursor"], 7)
    every = detail["alerts"] + rest
    assert len(every) == 1001
    ids = [a["id"] for a in every]
    assert ids == sorted(set(ids))
    assert walked == every


def test_a_detail_that_fits_says_there_is_nothing_more(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        quiet = api.post(
            f"{tocsin.url}/v1/alertmanager/{CHATTY_KEY}",
            json=am_notification([am_alert("quiet")]),
        )
        assert quiet.status_code == 200
        [alert] = api.get("/api/v1/alerts", params={"dedup_key": "quiet"}).json()["alerts"]
        detail = api.get(f"/api/v1/alerts/{alert['id']}").json()
        page = api.get(f"/api/v1/alerts/{alert['id']}/events").json()
    assert (len(detail["events"]), detail["events_next_cursor"]) == (1, None)
    assert page == {"events": detail["events"], "next_cursor": None}


def test_the_cli_shows_the_whole_event_log(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        alert = the_loud_alert(api)
    shown = json.loads(tocsin.cli("alerts", "show", alert["id"], "--json"))
    assert len(shown["events"]) == 600
    assert shown["events_next_cursor"] is None


def test_unknown_parents_are_404_and_bad_pages_400_naming_the_field(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        alert = the_loud_alert(api)
        incident = the_crowded_incident(api)
        for path in (f"/api/v1/alerts/{alert['id']}/events",
                     f"/api/v1/incidents/{incident['id']}/alerts"):  # fmt: skip
            for limit in ("0", "501", "many"):
                answer = api.get(path, params={"limit": limit})
                assert answer.status_code == 400, answer.text
                assert answer.json()["errors"][0]["field"] == "query.limit"
            for cursor in ("not-a-cursor", "W3RydWVd"):  # W3RydWVd: [true], no id
                answer = api.get(path, params={"cursor": cursor})
                assert answer.status_code == 400, answer.text
                assert answer.json()["code"] == "invalid_request"
                assert answer.json()["errors"][0]["field"] == "query.cursor"
        for path in ("/api/v1/alerts/nosuchalert/events", "/api/v1/incidents/nosuch/alerts"):
            answer = api.get(path)
            assert answer.status_code == 404
            assert answer.json()["code"] == "not_found"


def test_the_cli_lists_say_where_the_next_page_starts(tocsin: Tocsin) -> None:
    for command, column in (("alerts", "dedup key"), ("incidents", "title")):
        first = tocsin.cli(command, "list", "--limit", "1")
        assert column in first
        more = first.strip().splitlines()[-1]
        assert more.startswith("more: --cursor ")
        cursor = more.removeprefix("more: --cursor ")
        listed = json.loads(tocsin.cli(command, "list", "--limit", "1", "--json"))
        assert listed["next_cursor"] == cursor
        second = json.loads(
            tocsin.cli(command, "list", "--limit", "1", "--cursor", cursor, "--json")
        )
        assert second[command][0]["id"] != listed[command][0]["id"]
