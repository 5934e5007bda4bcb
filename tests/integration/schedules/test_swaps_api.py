"""Swap requests over HTTP: requested, then accepted (an override in the same transaction),
declined or cancelled; and the overrides listing that shows where each override lives."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Tocsin
from tests.integration.schedules.editing import DAYTIME, WEEKLY, call, new_schedule, refused, shifts

# Tuesday 13 January 2026 in Berlin, in bob's week; chandra has the daytime layer 09-17.
TUESDAY = {"start": "2026-01-13T00:00:00+01:00", "end": "2026-01-14T00:00:00+01:00"}
DAY = ("2026-01-12T23:00:00Z", "2026-01-13T23:00:00Z")


def swaps_path(name: str) -> str:
    return f"/api/v1/schedules/{name}/swaps"


def ask(oncall: Tocsin, name: str, **body: Any) -> Any:
    request = {"from_user": "bob", "to_user": "alice", **TUESDAY, **body}
    return call(oncall, "POST", swaps_path(name), 201, json=request)


def test_accepted_swap_puts_to_user_where_from_user_was(oncall: Tocsin) -> None:
    new_schedule(oncall, "swapping", WEEKLY, DAYTIME)
    assert shifts(oncall, "swapping", *DAY) == [
        ("bob", "2026-01-12T23:00:00Z", "2026-01-13T08:00:00Z"),
        ("chandra", "2026-01-13T08:00:00Z", "2026-01-13T16:00:00Z"),
        ("bob", "2026-01-13T16:00:00Z", "2026-01-13T23:00:00Z"),
    ]
    swap = ask(oncall, "swapping", comment="dentist")
    assert swap["status"] == "requested"
    assert swap["requested_by"] == "bob"
    assert (swap["start"], swap["end"]) == DAY
    assert shifts(oncall, "swapping", *DAY)[0][0] == "bob"  # nothing changes until accepted

    accepted = call(oncall, "POST", f"{swaps_path('swapping')}/{swap['id']}/accept")

    assert accepted["status"] == "accepted"
    assert accepted["decided_by"] == "alice"
    assert accepted["decided_at"] is not None
    # Only bob's time moves: chandra's daytime layer is not bob's to give away.
    assert shifts(oncall, "swapping", *DAY) == [
        ("alice", "2026-01-12T23:00:00Z", "2026-01-13T08:00:00Z"),
        ("chandra", "2026-01-13T08:00:00Z", "2026-01-13T16:00:00Z"),
        ("alice", "2026-01-13T16:00:00Z", "2026-01-13T23:00:00Z"),
    ]
    overrides = call(oncall, "GET", "/api/v1/schedules/swapping/overrides")
    assert overrides == [
        {
            "source": "api",
            "id": accepted["override_id"],
            "user": "alice",
            "start": DAY[0],
            "end": DAY[1],
            "replaces": "bob",
            "created_by": "alice",
        }
    ]
    # Removing the swap's override gives bob his day back; the swap stays on record.
    call(oncall, "DELETE", f"/api/v1/schedules/swapping/overrides/{accepted['override_id']}", 204)
    assert shifts(oncall, "swapping", *DAY)[0][0] == "bob"
    [kept] = call(oncall, "GET", swaps_path("swapping"))
    assert (kept["status"], kept["override_id"]) == ("accepted", None)


def test_declined_and_cancelled_swaps_change_nothing(oncall: Tocsin) -> None:
    new_schedule(oncall, "unswapped")
    before = shifts(oncall, "unswapped", *DAY)
    declined = ask(oncall, "unswapped")
    cancelled = ask(oncall, "unswapped", to_user="chandra", requested_by="manager")
    path = swaps_path("unswapped")

    no = call(oncall, "POST", f"{path}/{declined['id']}/decline")
    withdrawn = call(oncall, "POST", f"{path}/{cancelled['id']}/cancel", json={"decided_by": "bob"})

    assert (no["status"], no["decided_by"], no["override_id"]) == ("declined", "alice", None)
    assert (withdrawn["status"], withdrawn["decided_by"]) == ("cancelled", "bob")
    assert shifts(oncall, "unswapped", *DAY) == before
    assert call(oncall, "GET", "/api/v1/schedules/unswapped/overrides") == []


def test_swaps_are_listed_oldest_first_and_filtered_by_status(oncall: Tocsin) -> None:
    new_schedule(oncall, "listed")
    first, second, third = (ask(oncall, "listed") for _ in range(3))
    path = swaps_path("listed")
    call(oncall, "POST", f"{path}/{second['id']}/accept", json={"decided_by": "lead"})
    call(oncall, "POST", f"{path}/{third['id']}/decline")

    def ids(**params: str) -> list[str]:
        return [s["id"] for s in call(oncall, "GET", path, params=params)]

    assert ids() == [first["id"], second["id"], third["id"]]
    assert ids(status="requested") == [first["id"]]
    assert ids(status="accepted") == [second["id"]]
    assert ids(status="cancelled") == []


def test_deciding_a_swap_that_is_not_pending_is_a_409(oncall: Tocsin) -> None:
    new_schedule(oncall, "decided")
    path = swaps_path("decided")
    # One day each (Tuesday to Thursday of bob's week): after the first is accepted, bob
    # has no time left on its day to swap.
    for day, first in zip((13, 14, 15), ("accept", "decline", "cancel"), strict=True):
        start, end = f"2026-01-{day}T00:00:00+01:00", f"2026-01-{day + 1}T00:00:00+01:00"
        swap = ask(oncall, "decided", start=start, end=end)
        call(oncall, "POST", f"{path}/{swap['id']}/{first}")
        for then in ("accept", "decline", "cancel"):
            assert refused(oncall, "POST", f"{path}/{swap['id']}/{then}") == (
                409,
                "swap_decided",
            ), (first, then)
    # Accepting twice never made a second override.
    assert len(call(oncall, "GET", "/api/v1/schedules/decided/overrides")) == 1


def test_bad_swap_requests_are_4xx_json(oncall: Tocsin) -> None:
    new_schedule(oncall, "guarded")
    path = swaps_path("guarded")
    good = {"from_user": "bob", "to_user": "alice", **TUESDAY}
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({**good, "from_user": "zed"}, (400, "unknown_user")),
        ({**good, "to_user": "alicia"}, (400, "unknown_user")),
        ({**good, "to_user": "bob"}, (400, "invalid_swap")),
        ({**good, "end": good["start"]}, (400, "invalid_swap")),
        ({**good, "start": good["end"], "end": good["start"]}, (400, "invalid_swap")),
        ({**good, "start": "2026-01-13T00:00:00"}, (400, "invalid_request")),
        ({**good, "start": "next tuesday"}, (400, "invalid_request")),
        ({**good, "from_user": 7}, (400, "invalid_request")),
        ({**good, "to_user": ""}, (400, "invalid_request")),
        ({**good, "comment": ["x"]}, (400, "invalid_request")),
        ({**good, "requested_by": "x" * 201}, (400, "invalid_request")),
        ({"from_user": "bob"}, (400, "invalid_request")),
    ]
    for body, expected in cases:
        assert refused(oncall, "POST", path, json=body) == expected, body
    assert refused(oncall, "POST", path, content=b"[1, 2") == (400, "invalid_request")
    assert refused(oncall, "POST", swaps_path("nope"), json=good) == (404, "not_found")
    assert refused(oncall, "GET", swaps_path("nope")) == (404, "not_found")
    assert refused(oncall, "GET", path, params={"status": "maybe"}) == (400, "invalid_request")
    for action in ("accept", "decline", "cancel"):
        assert refused(oncall, "POST", f"{path}/nope/{action}") == (404, "not_found")
        assert refused(oncall, "POST", f"{swaps_path('nope')}/nope/{action}") == (404, "not_found")
    swap = ask(oncall, "guarded")
    assert refused(oncall, "POST", f"{path}/{swap['id']}/accept", json={"decided_by": 3}) == (
        400,
        "invalid_request",
    )
    assert call(oncall, "GET", path, params={"status": "requested"})[0]["id"] == swap["id"]


def test_overrides_list_shows_the_definitions_and_the_apis_with_their_source(
    oncall: Tocsin,
) -> None:
    base = "/api/v1/schedules/primary/overrides"
    made = call(
        oncall,
        "POST",
        base,
        201,
        json={
            "user": "bob",
            "start": "2026-06-01T09:00:00+02:00",
            "end": "2026-06-02T09:00:00+02:00",
            "replaces": "alice",
        },
    )
    assert made["replaces"] == "alice"
    listed = call(oncall, "GET", base)
    assert [(o["source"], o["user"], o["id"]) for o in listed] == [
        ("definition", "chandra", None),
        ("api", "bob", made["id"]),
    ]
    march = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
    assert [o["source"] for o in call(oncall, "GET", base, params=march)] == ["definition"]
    june = {"from": "2026-06-02T06:00:00Z"}
    assert [o["id"] for o in call(oncall, "GET", base, params=june)] == [made["id"]]
    backwards = {"from": "2026-04-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    assert refused(oncall, "GET", base, params=backwards) == (400, "invalid_range")
    assert refused(oncall, "GET", base, params={"from": "2026-04-01"}) == (400, "invalid_request")
    assert refused(oncall, "GET", "/api/v1/schedules/nope/overrides") == (404, "not_found")
    for bad in ({"replaces": "zed"}, {"replaces": "bob"}):
        body = {"user": "bob", "start": "2026-06-01T09:00:00Z", "end": "2026-06-02T09:00:00Z"}
        code = "unknown_user" if bad["replaces"] == "zed" else "invalid_override"
        assert refused(oncall, "POST", base, json={**body, **bad}) == (400, code)
    call(oncall, "DELETE", f"{base}/{made['id']}", 204)


def test_a_swap_moves_only_time_its_from_user_is_on_call(oncall: Tocsin) -> None:
    new_schedule(oncall, "offcall", WEEKLY, DAYTIME)
    path = swaps_path("offcall")
    # alice is not on call on bob's Tuesday: there is nothing of hers to give away.
    assert refused(
        oncall, "POST", path, json={**TUESDAY, "from_user": "alice", "to_user": "bob"}
    ) == (
        409,
        "not_on_call",
    )
    # chandra is, for her daytime hours only: that is enough to ask.
    ask(oncall, "offcall", from_user="chandra", to_user="alice")
    # bob asks, then someone else takes his whole day before alice answers.
    swap = ask(oncall, "offcall")
    call(
        oncall,
        "POST",
        "/api/v1/schedules/offcall/overrides",
        201,
        json={"user": "chandra", "start": TUESDAY["start"], "end": TUESDAY["end"]},
    )
    assert refused(oncall, "POST", f"{path}/{swap['id']}/accept") == (409, "nothing_to_swap")
    # The request is still pending and can be declined; the schedule is as the override left it.
    assert call(oncall, "POST", f"{path}/{swap['id']}/decline")["status"] == "declined"
    assert {user for user, _, _ in shifts(oncall, "offcall", *DAY)} == {"chandra"}
