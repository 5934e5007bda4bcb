"""Bad input to the REST API gets a 4xx JSON error naming the field, never a 500.

Each table below is one family found by throwing edge values at every route: instants at
the ends of the representable range (with an offset their UTC conversion overflowed) and
without an offset, durations too long for a ``timedelta``, oversized strings. Tables that
store something are followed by a read that must keep working for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tocsin.ids import new_id, new_secret
from tocsin.store.db import create_db_engine
from tocsin.store.schema import schedules

WORLD = """
version: 1
teams:
  - name: payments
services:
  - name: checkout
    team: payments
users:
  - name: alice
    time_zone: Europe/Berlin
    contact_methods: [{type: email, address: a@example.com}]
  - {name: bob, time_zone: America/New_York}
schedules:
  - name: primary
    time_zone: Europe/Berlin
    team: payments
    layers:
      - name: weekly
        rotation:
          participants: [alice, bob]
          turn: 1w
          handoff: "09:00"
          start: "2026-01-05T09:00:00+01:00"
maintenance_windows:
  - {name: nightly, services: [checkout], time_zone: Europe/Berlin, at: "01:00", duration: 2h}
"""

RANGE = "must be between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z"
OFFSET = "needs a UTC offset"
# Instants at the edge of the representable range, and ones without an offset.
EDGES = [
    ("0001-01-01T00:00:00+05:00", RANGE),
    ("9999-12-31T23:59:59-05:00", RANGE),
    ("9999-12-31T23:59:59Z", RANGE),
    ("1969-12-31T23:59:59Z", RANGE),
    ("2026-01-01T00:00:00", OFFSET),
    ("2026-01-01", OFFSET),
]


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin with a service, two users, a schedule and a maintenance window."""
    tmp = tmp_path_factory.mktemp(f"api-bad-input-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


def refused(response: httpx.Response, field: str, problem: str, code: str) -> None:
    """A 4xx JSON error with ``code`` whose message names ``field`` and says ``problem``."""
    assert 400 <= response.status_code < 500, response.text
    body = response.json()
    assert body["code"] == code, body
    assert field in body["message"], body
    assert problem in body["message"], body


def still_reads(tocsin: Tocsin) -> None:
    """The reads every user depends on answer."""
    with tocsin.api() as api:
        for path in ("/api/v1/oncall", "/api/v1/schedules", "/api/v1/silences"):
            assert api.get(path).status_code == 200, path


QUERY_TIMES = [
    ("/api/v1/alerts", "since"),
    ("/api/v1/alerts", "until"),
    ("/api/v1/incidents", "since"),
    ("/api/v1/incidents", "until"),
    ("/api/v1/changes", "since"),
    ("/api/v1/changes", "until"),
    ("/api/v1/oncall", "at"),
    ("/api/v1/schedules/primary/oncall", "at"),
    ("/api/v1/maintenance-windows", "at"),
    ("/api/v1/schedules/primary/shifts", "from"),
    ("/api/v1/schedules/primary/shifts", "to"),
    ("/api/v1/schedules/primary/fairness", "from"),
    ("/api/v1/schedules/primary/fairness", "to"),
    ("/api/v1/schedules/primary/overrides", "from"),
    ("/api/v1/schedules/primary/overrides", "to"),
]
GOOD_RANGE = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-08T00:00:00Z"}


@pytest.mark.parametrize(("value", "problem"), EDGES, ids=[e[0] for e in EDGES])
@pytest.mark.parametrize(("path", "param"), QUERY_TIMES, ids=[f"{p}?{q}" for p, q in QUERY_TIMES])
def test_a_bad_time_parameter_is_refused_naming_it(
    tocsin: Tocsin, path: str, param: str, value: str, problem: str
) -> None:
    params = {**(GOOD_RANGE if "/schedules/primary/" in path else {}), param: value}
    with tocsin.api() as api:
        response = api.get(path, params=params)
    refused(response, f"query.{param}", problem, "invalid_request")


OVERRIDE = {"user": "alice", "start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"}
SWAP = {"from_user": "alice", "to_user": "bob", **{k: OVERRIDE[k] for k in ("start", "end")}}
SILENCE = {"matchers": ["env=prod"], "created_by": "me", "duration": "1h"}
BODY_TIMES = [
    ("/api/v1/silences", SILENCE, "starts_at"),
    ("/api/v1/silences", {**SILENCE, "duration": None}, "ends_at"),
    ("/api/v1/schedules/primary/overrides", OVERRIDE, "start"),
    ("/api/v1/schedules/primary/overrides", OVERRIDE, "end"),
    ("/api/v1/schedules/primary/swaps", SWAP, "start"),
    ("/api/v1/schedules/primary/swaps", SWAP, "end"),
]


@pytest.mark.parametrize(("value", "problem"), EDGES, ids=[e[0] for e in EDGES])
@pytest.mark.parametrize(
    ("path", "body", "field"), BODY_TIMES, ids=[f"{p} {f}" for p, _, f in BODY_TIMES]
)
def test_a_bad_time_in_a_body_is_refused_naming_it(
    tocsin: Tocsin, path: str, body: dict[str, Any], field: str, value: str, problem: str
) -> None:
    with tocsin.api() as api:
        response = api.post(path, json={**body, field: value})
    refused(response, f"body.{field}", problem, "invalid_request")
    still_reads(tocsin)


@pytest.mark.parametrize(
    ("changes", "field", "problem", "code"),
    [
        ({"duration": "99999999999w"}, "duration", "too long a duration", "invalid_request"),
        ({"duration": "9" * 5000 + "s"}, "duration", "at most 100 characters", "invalid_request"),
        ({"duration": "5000w"}, "duration", "must be at most 3650d", "invalid_request"),
        (
            {"duration": "30d", "starts_at": "8999-12-31T00:00:00Z"},
            "ends_at",
            RANGE,
            "invalid_silence",
        ),
        ({"created_by": "x" * 201}, "created_by", "at most 200 characters", "invalid_request"),
        ({"comment": "x" * 10_001}, "comment", "at most 10000 characters", "invalid_request"),
        (
            {"matchers": ["a=~" + "(" * 990]},
            "matchers",
            "regex for a is too complex to compile",
            "invalid_silence",
        ),
        (
            {"matchers": ["a=" + "x" * 1000]},
            "matchers.0",
            "at most 1000 characters",
            "invalid_request",
        ),
    ],
)
def test_a_silence_that_cannot_be_stored_is_refused_naming_the_field(
    tocsin: Tocsin, changes: dict[str, Any], field: str, problem: str, code: str
) -> None:
    with tocsin.api() as api:
        refused(api.post("/api/v1/silences", json={**SILENCE, **changes}), field, problem, code)
    still_reads(tocsin)


ROTATION = {"participants": ["alice", "bob"], "turn": "1w", "start": "2026-01-05T09:00:00+01:00"}
LAYER = {"name": "weekly", "rotation": ROTATION}
DEFINITION = {"time_zone": "Europe/Berlin", "layers": [LAYER]}
BAD_ZONES = ["x" * 10_000, "../../etc/passwd", "Europe", "UTC\x00", "Europe/Berlin ", ""]


def with_rotation(**changes: Any) -> dict[str, Any]:
    return {**DEFINITION, "layers": [{**LAYER, "rotation": {**ROTATION, **changes}}]}


def edge_times(where: str, make: Any) -> list[tuple[str, dict[str, Any], str, str]]:
    return [(f"{where}={value}", make(value), where, problem) for value, problem in EDGES]


SPAN = {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"}
BAD_DEFINITIONS = [
    *edge_times("layers.0.rotation.start", lambda t: with_rotation(start=t)),
    *edge_times("layers.0.rotation.end", lambda t: with_rotation(end=t)),
    *edge_times(
        "layers.0.revisions.0.effective_from",
        lambda t: {
            **DEFINITION,
            "layers": [{**LAYER, "revisions": [{"effective_from": t, "rotation": ROTATION}]}],
        },
    ),
    *edge_times(
        "overrides.0.start",
        lambda t: {**DEFINITION, "overrides": [{"user": "bob", **SPAN, "start": t}]},
    ),
    *edge_times(
        "shadows.0.end", lambda t: {**DEFINITION, "shadows": [{"user": "bob", **SPAN, "end": t}]}
    ),
    (
        "51 layers",
        {**DEFINITION, "layers": [{**LAYER, "name": f"l{i}"} for i in range(51)]},
        "layers",
        "at most 50 items",
    ),
    (
        "501 participants",
        with_rotation(participants=["alice", "bob"] * 250 + ["alice"]),
        "layers.0.rotation.participants",
        "at most 500 items",
    ),
    (
        "turn 99999999999w",
        with_rotation(turn="99999999999w"),
        "layers.0.rotation.turn",
        "at most 3650 days",
    ),
    ("turn 522w", with_rotation(turn="522w"), "layers.0.rotation.turn", "at most 3650 days"),
    (
        "turn 10**12 weeks",
        with_rotation(turn={"count": 10**12, "unit": "weeks"}),
        "layers.0.rotation.turn",
        "at most 3650 days",
    ),
    *(
        (f"time_zone {zone[:20]!r}", {**DEFINITION, "time_zone": zone}, "time_zone", "time zone")
        for zone in BAD_ZONES
    ),
    *(
        (
            f"restrictions.time_zone {zone[:20]!r}",
            with_rotation(
                restrictions={"time_zone": zone, "windows": [{"start": "09:00", "end": "17:00"}]}
            ),
            "layers.0.rotation.restrictions.time_zone",
            "time zone",
        )
        for zone in BAD_ZONES
    ),
]


@pytest.mark.parametrize(
    ("definition", "field", "problem"),
    [case[1:] for case in BAD_DEFINITIONS],
    ids=[case[0] for case in BAD_DEFINITIONS],
)
def test_a_schedule_that_could_not_be_computed_is_refused_on_every_write(
    tocsin: Tocsin, definition: dict[str, Any], field: str, problem: str
) -> None:
    with tocsin.api() as api:
        created = api.post("/api/v1/schedules", json={"name": "edge", **definition})
        replaced = api.put("/api/v1/schedules/primary", json=definition)
        # Only a bad layer is tried as a layer: a good one would be added to "primary"
        # and change what every later test of this module's server sees.
        layer_field = field.startswith("layers.0.")
        if layer_field:
            layer = {**definition["layers"][0], "name": "edge"}
            added = api.post("/api/v1/schedules/primary/layers", json=layer)
        assert api.get("/api/v1/schedules/edge").status_code == 404
    refused(created, f"body.{field}", problem, "invalid_request")
    refused(replaced, f"body.{field}", problem, "invalid_request")
    if layer_field:
        refused(added, f"body.{field.removeprefix('layers.0.')}", problem, "invalid_request")
    still_reads(tocsin)
    with tocsin.api() as api:
        [primary] = api.get("/api/v1/oncall", params={"at": "2026-03-02T10:00:00Z"}).json()
    assert primary["users"] == ["alice"]


def test_a_stored_schedule_that_cannot_be_computed_does_not_break_the_others(
    tocsin: Tocsin,
) -> None:
    """A rotation starting in year 1, as an earlier release stored it from the API, and
    layer names from before the name rule (SQLite even kept a NUL)."""
    legacy = with_rotation(start="0001-01-01T00:00:00+05:00")
    old_layers = [{**LAYER, "name": "Weekly primary"}, {**LAYER, "name": "a\x00b"}]
    old_names = {**DEFINITION, "layers": old_layers}
    engine = create_db_engine(tocsin.database_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for name, definition in (("legacy", legacy), ("old-names", old_names)):
            conn.execute(
                insert(schedules).values(
                    id=new_id(now),
                    name=name,
                    definition=definition,
                    feed_token=new_secret(),
                    created_at=now,
                    updated_at=now,
                )
            )
    engine.dispose()
    with tocsin.api() as api:
        everyone = api.get("/api/v1/oncall", params={"at": "2026-03-02T10:00:00Z"})
        one = api.get("/api/v1/schedules/legacy/oncall")
        shifts = api.get("/api/v1/schedules/legacy/shifts", params=GOOD_RANGE)
        feed = httpx.get(tocsin.url + api.get("/api/v1/users/alice").json()["ical_path"])
        fixed = api.put("/api/v1/schedules/legacy", json=DEFINITION)
        after = api.get("/api/v1/schedules/legacy/oncall")
        deleted = api.delete("/api/v1/schedules/legacy")
        layers = api.get("/api/v1/schedules/old-names/layers")
        api.delete("/api/v1/schedules/old-names")
    assert everyone.status_code == 200
    answers = {a["schedule"]: a for a in everyone.json()}
    assert answers["primary"]["users"] == ["alice"]
    assert answers["primary"]["error"] is None
    assert (answers["old-names"]["users"], answers["old-names"]["error"]) == (["alice"], None)
    assert layers.status_code == 200, layers.text
    assert [layer["name"] for layer in layers.json()] == ["Weekly primary", "a\x00b"]
    assert answers["legacy"]["users"] == []
    assert "cannot be computed" in answers["legacy"]["error"]
    for broken in (one, shifts):
        assert broken.status_code == 409
        assert broken.json()["code"] == "schedule_not_computable"
        assert "PUT /api/v1/schedules/legacy" in broken.json()["message"]
    assert feed.status_code == 200
    assert fixed.status_code == 200
    assert after.status_code == 200
    assert deleted.status_code == 204


NAME_RULE = "may hold only letters, digits and . _ : @ - (starting with a letter or digit)"
BAD_NAMES = ["a/b", "..", "why?", "#1", "100%", "a b", " ", "tab\there", "é", "\u202e", "-x"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_could_not_be_read_back_by_url_is_refused(tocsin: Tocsin, name: str) -> None:
    layer = {**LAYER, "name": name}
    with tocsin.api() as api:
        schedule = api.post("/api/v1/schedules", json={**DEFINITION, "name": name})
        inner = api.post("/api/v1/schedules", json={**DEFINITION, "name": "x", "layers": [layer]})
        added = api.post("/api/v1/schedules/primary/layers", json=layer)
        renamed = api.put("/api/v1/schedules/primary/layers/weekly", json={"name": name})
        listed = api.get("/api/v1/schedules").json()
    problem = "must not start or end with spaces" if name.strip() != name else NAME_RULE
    refused(schedule, "body.name", problem, "invalid_request")
    refused(inner, "body.layers.0.name", problem, "invalid_request")
    refused(added, "body.name", problem, "invalid_request")
    refused(renamed, "body.name", problem, "invalid_request")
    assert [s["name"] for s in listed] == ["primary"]
    assert [s["layers"] for s in listed] == [["weekly"]]


def test_a_name_in_the_rule_is_read_and_deleted_by_its_url(tocsin: Tocsin) -> None:
    name = "ops:edge.v2@example.com"
    layer = {**LAYER, "name": "l_1"}
    with tocsin.api() as api:
        created = api.post(
            "/api/v1/schedules", json={**DEFINITION, "name": name, "layers": [layer]}
        )
        read = api.get(f"/api/v1/schedules/{name}")
        layers = api.get(f"/api/v1/schedules/{name}/layers")
        deleted = api.delete(f"/api/v1/schedules/{name}")
    assert created.status_code == 201, created.text
    assert read.json()["name"] == name
    assert [layer["name"] for layer in layers.json()] == ["l_1"]
    assert deleted.status_code == 204


# PostgreSQL cannot compare or store text holding a NUL: these were 500s there only.
NUL_IN_PATHS = [
    ("GET", "/api/v1/alerts/%00", "path.alert_id"),
    ("GET", "/api/v1/incidents/a%00b", "path.incident_id"),
    ("GET", "/api/v1/schedules/%00", "path.name"),
    ("GET", "/api/v1/schedules/%00/oncall", "path.name"),
    ("GET", "/api/v1/schedules/%00/layers", "path.name"),
    ("GET", "/api/v1/users/%00", "path.name"),
    ("DELETE", "/api/v1/silences/%00", "path.silence_id"),
    ("DELETE", "/api/v1/schedules/primary/overrides/%00", "path.override_id"),
    ("GET", "/ical/schedules/%00.ics", "path.token"),
    ("GET", "/ical/users/%00.ics", "path.token"),
    *(("GET", f"/api/v1/alerts?{p}=%00", f"query.{p}") for p in ("service", "dedup_key", "cursor")),
    ("GET", "/api/v1/alerts?incident_id=a%00", "query.incident_id"),
    ("GET", "/api/v1/incidents?service=%00", "query.service"),
    ("GET", "/api/v1/incidents?cursor=%00", "query.cursor"),
    ("GET", "/api/v1/changes?service=%00", "query.service"),
    ("GET", "/api/v1/changes?cursor=%00", "query.cursor"),
]


@pytest.mark.parametrize(
    ("method", "path", "field"), NUL_IN_PATHS, ids=[p[1] for p in NUL_IN_PATHS]
)
def test_a_nul_in_a_path_or_query_parameter_is_refused_naming_it(
    tocsin: Tocsin, method: str, path: str, field: str
) -> None:
    with tocsin.api() as api:
        response = api.request(method, path)
    refused(response, field, "must not contain the NUL character", "invalid_request")


NUL_IN_BODIES = [
    ("/api/v1/silences", {**SILENCE, "created_by": "a\x00b"}, "body.created_by"),
    ("/api/v1/silences", {**SILENCE, "comment": "\x00"}, "body.comment"),
    ("/api/v1/silences", {**SILENCE, "services": ["check\x00out"]}, "body.services"),
    ("/api/v1/silences", {**SILENCE, "matchers": ["env=\x00"]}, "body.matchers"),
    ("/api/v1/schedules/primary/overrides", {**OVERRIDE, "user": "a\x00"}, "body.user"),
    ("/api/v1/schedules/primary/overrides", {**OVERRIDE, "created_by": "\x00"}, "body.created_by"),
    ("/api/v1/schedules/primary/overrides", {**OVERRIDE, "replaces": "b\x00"}, "body.replaces"),
    ("/api/v1/schedules/primary/swaps", {**SWAP, "to_user": "\x00"}, "body.to_user"),
    ("/api/v1/schedules/primary/swaps", {**SWAP, "comment": "\x00"}, "body.comment"),
    ("/api/v1/schedules", {**DEFINITION, "name": "x", "team": "pay\x00"}, "body.team"),
    (
        "/api/v1/schedules",
        {**with_rotation(participants=["alice\x00"]), "name": "x"},
        "body.layers.0.rotation.participants",
    ),
    ("/api/v1/schedules/primary/swaps/x/accept", {"decided_by": "\x00"}, "body.decided_by"),
    ("/api/v1/users/alice/contact-methods/0/verify", {"code": "12\x0034"}, "body.code"),
]


@pytest.mark.parametrize(
    ("path", "body", "field"), NUL_IN_BODIES, ids=[b[2] for b in NUL_IN_BODIES]
)
def test_a_nul_in_a_body_string_is_refused_naming_the_field(
    tocsin: Tocsin, path: str, body: dict[str, Any], field: str
) -> None:
    with tocsin.api() as api:
        response = api.post(path, json=body)
    refused(response, field, "must not contain the NUL character", "invalid_request")
    still_reads(tocsin)


def test_a_swap_over_centuries_is_refused_before_it_is_computed(tocsin: Tocsin) -> None:
    """Checking who is on call is computed shift by shift: 7,000 years of hourly turns
    held a server thread for minutes."""
    span = {"start": "1970-01-01T00:00:00Z", "end": "8999-01-01T00:00:00Z"}
    with tocsin.api() as api:
        response = api.post("/api/v1/schedules/primary/swaps", json={**SWAP, **span})
    refused(response, "start to end", "at most 400 days", "range_too_long")
