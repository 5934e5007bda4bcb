"""``tocsin schedule swap`` and ``tocsin schedule override``: the same swaps and overrides
as the API, seen through it."""

from __future__ import annotations

import json

from tests.integration.conftest import Tocsin
from tests.integration.schedules.editing import call, new_schedule, shifts
from tests.support.server import run_cli

START, END = "2026-01-13T00:00:00+01:00", "2026-01-14T00:00:00+01:00"  # bob's week
DAY = ("2026-01-12T23:00:00Z", "2026-01-13T23:00:00Z")


def test_a_swap_requested_and_accepted_on_the_command_line(oncall: Tocsin) -> None:
    new_schedule(oncall, "cli-swaps")
    made = json.loads(
        oncall.cli(
            "schedule",
            "swap",
            "request",
            "cli-swaps",
            "--from-user",
            "bob",
            "--to-user",
            "chandra",
            "--start",
            START,
            "--end",
            END,
            "--comment",
            "school run",
            "--json",
        )
    )
    assert (made["status"], made["comment"]) == ("requested", "school run")
    table = oncall.cli("schedule", "swap", "list", "cli-swaps", "--status", "requested")
    assert made["id"] in table
    assert "school run" in table

    accepted = json.loads(
        oncall.cli("schedule", "swap", "accept", "cli-swaps", made["id"], "--json")
    )

    assert accepted["status"] == "accepted"
    assert [user for user, _, _ in shifts(oncall, "cli-swaps", *DAY)] == ["chandra"]
    [over_http] = call(oncall, "GET", "/api/v1/schedules/cli-swaps/swaps")
    assert over_http["override_id"] == accepted["override_id"]
    again = run_cli(
        oncall.database_url, "schedule", "swap", "decline", "cli-swaps", made["id"], check=False
    )
    assert again.returncode == 1
    assert "already accepted" in again.stderr


def test_declining_and_listing_swaps(oncall: Tocsin) -> None:
    new_schedule(oncall, "cli-declines")
    request = ["schedule", "swap", "request", "cli-declines", "--from-user", "bob"]
    made = json.loads(
        oncall.cli(*request, "--to-user", "alice", "--start", START, "--end", END, "--json")
    )
    declined = json.loads(
        oncall.cli(
            "schedule", "swap", "decline", "cli-declines", made["id"], "--by", "alice", "--json"
        )
    )
    assert (declined["status"], declined["decided_by"]) == ("declined", "alice")
    listed = json.loads(oncall.cli("schedule", "swap", "list", "cli-declines", "--json"))
    assert [s["status"] for s in listed] == ["declined"]


def test_overrides_added_listed_and_removed_on_the_command_line(oncall: Tocsin) -> None:
    new_schedule(oncall, "cli-overrides")
    added = json.loads(
        oncall.cli(
            "schedule",
            "override",
            "add",
            "cli-overrides",
            "--user",
            "chandra",
            "--start",
            START,
            "--end",
            END,
            "--created-by",
            "ops",
            "--json",
        )
    )
    assert [user for user, _, _ in shifts(oncall, "cli-overrides", *DAY)] == ["chandra"]
    listed = json.loads(oncall.cli("schedule", "override", "list", "cli-overrides", "--json"))
    assert [(o["id"], o["source"], o["created_by"]) for o in listed] == [
        (added["id"], "api", "ops")
    ]
    assert added["id"] in oncall.cli("schedule", "override", "list", "cli-overrides")

    oncall.cli("schedule", "override", "remove", "cli-overrides", added["id"])

    assert [user for user, _, _ in shifts(oncall, "cli-overrides", *DAY)] == ["bob"]
    assert call(oncall, "GET", "/api/v1/schedules/cli-overrides/overrides") == []


def test_command_line_mistakes_exit_1_with_a_message(oncall: Tocsin) -> None:
    cases = [
        (
            [
                "schedule",
                "swap",
                "request",
                "primary",
                "--from-user",
                "bob",
                "--to-user",
                "zed",
                "--start",
                START,
                "--end",
                END,
            ],
            "no user named 'zed'",
        ),
        (
            [
                "schedule",
                "swap",
                "request",
                "primary",
                "--from-user",
                "bob",
                "--to-user",
                "alice",
                "--start",
                END,
                "--end",
                START,
            ],
            "after",
        ),
        (
            [
                "schedule",
                "swap",
                "request",
                "primary",
                "--from-user",
                "bob",
                "--to-user",
                "alice",
                "--start",
                "tomorrow",
                "--end",
                END,
            ],
            "--start",
        ),
        (["schedule", "swap", "accept", "primary", "nope"], "no swap 'nope'"),
        (["schedule", "swap", "list", "nope"], "no schedule named 'nope'"),
        (
            [
                "schedule",
                "override",
                "add",
                "primary",
                "--user",
                "alice",
                "--start",
                START,
                "--end",
                END,
                "--replaces",
                "zed",
            ],
            "no user named 'zed'",
        ),
        (["schedule", "override", "remove", "primary", "nope"], "no override 'nope'"),
        (["schedule", "override", "list", "primary", "--from", END, "--to", START], "after"),
    ]
    for args, message in cases:
        done = run_cli(oncall.database_url, *args, check=False)
        assert done.returncode == 1, args
        assert message in done.stderr, (args, done.stderr)
