"""Escalation policies through the API and the CLI: read, preview whom each level pages
at an instant (a schedule's on-call, a coverage gap), create, replace, delete; bad input
named; on SQLite and PostgreSQL against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

WORLD = """\
version: 1
users:
  - name: alice
  - name: bob
teams:
  - name: sre
team_members:
  - name: sre
    members: [{user: bob}]
schedules:
  - name: web-primary
    time_zone: UTC
    layers:
      - name: weekdays
        rotation:
          start: "2026-11-30T00:00:00+00:00"
          turn: 1w
          participants: [alice]
          restrictions: {windows: [{start_day: mon, start: "00:00", end_day: sat, end: "00:00"}]}
escalation_policies:
  - name: web-critical
    description: the web on-call, then the SRE team
    levels:
      - {targets: [{schedule: web-primary}], delay: 5m}
      - {targets: [{team: sre}], delay: 10m}
    fallback: [{user: bob}]
services:
  - name: web
    escalation_policy: web-critical
"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    with serving(request.param, tmp_path_factory.mktemp(f"policies-{request.param}"), WORLD) as t:
        yield t


def test_a_policy_reads_as_written_with_the_services_paging_it(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        [policy] = api.get("/api/v1/escalation-policies").json()
        one = api.get("/api/v1/escalation-policies/web-critical").json()
        missing = api.get("/api/v1/escalation-policies/nope")
    assert policy == one
    assert one["services"] == ["web"]
    assert one["definition"]["levels"][1] == {"targets": [{"team": "sre"}], "delay": "10m"}
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_the_preview_says_whom_each_level_pages_and_where_the_gaps_are(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        thursday = api.get(
            "/api/v1/escalation-policies/web-critical/preview",
            params={"at": "2026-12-03T12:00:00Z"},
        ).json()
        saturday = api.get(
            "/api/v1/escalation-policies/web-critical/preview",
            params={"at": "2026-12-05T12:00:00Z"},
        ).json()
        bad = api.get("/api/v1/escalation-policies/web-critical/preview", params={"at": "soon"})
    assert [lv["users"] for lv in thursday["levels"]] == [["alice"], ["bob"]]
    assert thursday["gaps"] == []
    assert saturday["levels"][0]["users"] == []  # the schedule has nobody at weekends
    assert (saturday["gaps"], saturday["fallback"]) == ([1], ["bob"])
    assert bad.status_code == 400
    shown = tocsin.cli("policy", "show", "web-critical", "--at", "2026-12-05T12:00:00+00:00")
    assert "nobody: coverage gap" in shown
    assert "fallback: bob" in shown
    listed = json.loads(tocsin.cli("policy", "list", "--json"))
    assert [p["name"] for p in listed] == ["web-critical"]


def test_create_replace_and_delete_a_policy(tocsin: Tocsin) -> None:
    body = {"name": "db", "levels": [{"targets": [{"user": "alice"}], "delay": "5m"}]}
    with tocsin.api() as api:
        made = api.post("/api/v1/escalation-policies", json=body)
        assert made.status_code == 201, made.text
        again = api.post("/api/v1/escalation-policies", json=body)
        assert (again.status_code, again.json()["code"]) == (409, "already_exists")
        changed = api.put(
            "/api/v1/escalation-policies/db",
            json={"levels": [{"targets": [{"user": "bob"}], "delay": "90s"}], "repeat": 1},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["definition"] == {
            "levels": [{"targets": [{"user": "bob"}], "delay": "1m30s"}], "repeat": 1,
        }  # fmt: skip
        assert api.delete("/api/v1/escalation-policies/db").status_code == 204
        gone = api.get("/api/v1/escalation-policies/db")
        assert gone.status_code == 404
        used = api.delete("/api/v1/escalation-policies/web-critical")
        assert (used.status_code, used.json()["code"]) == (409, "in_use")
        assert "web" in used.json()["message"]
    exported = tocsin.cli("export")
    assert "name: web-critical" in exported


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "x", "levels": []}, 400, "invalid_request"),
        ({"name": "x", "levels": [{"targets": [{"user": "alice"}], "delay": "30s"}]}, 400,
         "invalid_request"),
        ({"name": "x", "levels": [{"targets": [{"user": "zed"}], "delay": "5m"}]}, 422,
         "unknown_target"),
        ({"name": "x", "levels": [{"targets": [{"schedule": "nope"}], "delay": "5m"}]}, 422,
         "unknown_target"),
        ({"name": "x", "levels": [{"targets": [{"user": "a", "team": "b"}], "delay": "5m"}]},
         400, "invalid_request"),
        ({"name": "x", "levels": "all"}, 400, "invalid_request"),
        ({"levels": [{"targets": [{"user": "alice"}], "delay": "5m"}]}, 400, "invalid_request"),
        ({"name": "x", "levels": [{"targets": [{"user": "alice"}], "delay": "5m"}],
          "repeat": 99}, 400, "invalid_request"),
        ({"name": "x", "levels": [{"targets": [{"user": "alice"}], "delay": "5m"}],
          "description": "x" * 2001}, 400, "invalid_request"),
    ],
)  # fmt: skip
def test_bad_policies_are_refused_by_name(
    tocsin: Tocsin, body: dict[str, object], status: int, code: str
) -> None:
    with tocsin.api() as api:
        refused = api.post("/api/v1/escalation-policies", json=body)
    assert refused.status_code == status, refused.text
    assert refused.json()["code"] == code
    assert refused.json()["message"]


def test_odd_paths_answer_json_and_never_echo_a_long_name(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        slash = api.get("/api/v1/escalation-policies/")  # no redirect to follow
        long = api.get("/api/v1/escalation-policies/" + "x" * 5000)
        delete_slash = api.delete("/api/v1/escalation-policies/")
    assert (slash.status_code, slash.json()["code"]) == (404, "not_found")
    assert delete_slash.status_code in (404, 405)
    assert delete_slash.json()["code"]
    assert (long.status_code, long.json()["code"]) == (404, "not_found")
    assert len(long.json()["message"]) <= 300
