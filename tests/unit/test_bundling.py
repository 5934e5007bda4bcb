"""Bundling and rate limits as pure rules: what goes out now, what waits, and until when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tocsin.notify.bundling import Limits, Sent, bundle_key, bundle_message, plan

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
LIMITS = Limits(bundle_window=timedelta(seconds=30), max_messages=3, per=timedelta(minutes=10))


@dataclass(frozen=True)
class P:
    id: str
    user: str = "alice"
    method_type: str = "webhook"
    address: str = "https://a.example/hook"
    key: str = ""
    message: Mapping[str, Any] = field(default_factory=lambda: {"type": "tocsin.page"})


def ids(groups: list[list[Any]]) -> list[list[str]]:
    return [[p.id for p in g] for g in groups]


def test_a_quiet_destination_gets_everything_due_at_once_as_one_message() -> None:
    planned = plan([P("1"), P("2"), P("3", user="bob")], [], NOW, LIMITS)
    assert ids(planned.sends) == [["1", "2"], ["3"]]
    assert planned.waits == []


def test_a_destination_paged_inside_the_window_waits_for_its_end() -> None:
    alice = ("alice", "webhook", "https://a.example/hook")
    recent = [Sent(alice, NOW - timedelta(seconds=10))]
    planned = plan([P("1"), P("2")], recent, NOW, LIMITS)
    assert planned.sends == []
    assert {(p.id, until) for p, until, _ in planned.waits} == {
        ("1", NOW + timedelta(seconds=20)), ("2", NOW + timedelta(seconds=20)),
    }  # fmt: skip
    assert planned.waits[0][2].startswith("bundled: ")


def test_another_contact_method_of_the_same_user_is_not_held_by_bundling() -> None:
    alice = ("alice", "webhook", "https://a.example/hook")
    planned = plan(
        [P("1", method_type="email", address="a@example.com")],
        [Sent(alice, NOW - timedelta(seconds=10))],
        NOW,
        LIMITS,
    )
    assert ids(planned.sends) == [["1"]]


def test_a_user_over_the_rate_limit_waits_until_the_oldest_message_leaves_the_window() -> None:
    other = ("alice", "email", "a@example.com")
    recent = [Sent(other, NOW - timedelta(minutes=m)) for m in (9, 5, 1)]
    planned = plan([P("1")], recent, NOW, LIMITS)
    assert planned.sends == []
    [(_, until, why)] = planned.waits
    assert until == NOW + timedelta(minutes=1)  # the message of 9 minutes ago leaves
    assert why.startswith("rate limit: 3 messages")


def test_what_a_plan_sends_counts_against_the_limit_at_once() -> None:
    recent = [Sent(("alice", "email", "a@example.com"), NOW - timedelta(minutes=1))] * 2
    claimed = [P("1"), P("2", method_type="sms", address="+49")]
    planned = plan(claimed, recent, NOW, LIMITS)
    assert ids(planned.sends) == [["1"]]
    assert [p.id for p, _, _ in planned.waits] == ["2"]


def test_notices_and_test_pages_are_never_bundled_or_held() -> None:
    alice = ("alice", "webhook", "https://a.example/hook")
    notice = {"type": "tocsin.on_call"}
    planned = plan(
        [P("1", message=notice), P("2", message=notice)],
        [Sent(alice, NOW)] * 5,
        NOW,
        LIMITS,
    )
    assert ids(planned.sends) == [["1"], ["2"]]


def test_a_bundle_lists_each_page_with_its_key_and_links_and_its_key_is_stable() -> None:
    def page(title: str, severity: str) -> dict[str, Any]:
        return {
            "type": "tocsin.page",
            "urgency": "high" if severity == "critical" else "low",
            "incident": {"title": title, "service": "web", "severity": severity},
            "links": {"acknowledge": f"https://t.example/act/{title}"},
        }

    message = bundle_message([page("a", "warning"), page("b", "critical")], ["k1", "k2"])
    assert message["title"] == "2 pages: a (web) and 1 more"
    assert message["urgency"] == "high"
    assert [p["idempotency_key"] for p in message["pages"]] == ["k1", "k2"]
    assert "Acknowledge: https://t.example/act/b" in message["text"]
    assert bundle_key(["k2", "k1"]) == bundle_key(["k1", "k2"]) != bundle_key(["k1"])


@given(
    st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=30),
    st.lists(st.integers(min_value=1, max_value=900), max_size=30),
)
def test_no_user_is_ever_sent_more_than_the_limit(users: list[int], ages: list[int]) -> None:
    claimed = [P(str(i), user=f"u{u}", address=f"a{i % 2}") for i, u in enumerate(users)]
    recent = [Sent(("u0", "webhook", "old"), NOW - timedelta(seconds=a)) for a in ages]
    planned = plan(claimed, recent, NOW, LIMITS)
    in_window = sum(1 for a in ages if a < LIMITS.per.total_seconds())
    sent_to_u0 = sum(1 for g in planned.sends if g[0].user == "u0")
    assert in_window + sent_to_u0 <= max(LIMITS.max_messages, in_window)
    everyone = sorted(p.id for g in planned.sends for p in g) + [p.id for p, _, _ in planned.waits]
    assert sorted(everyone) == sorted(p.id for p in claimed)  # nothing dropped
    assert all(until > NOW for _, until, _ in planned.waits)


def test_without_a_window_every_page_is_its_own_message_and_still_rate_limited() -> None:
    limits = Limits(bundle_window=timedelta(0), max_messages=2, per=timedelta(minutes=10))
    planned = plan([P("1"), P("2"), P("3")], [], NOW, limits)
    assert ids(planned.sends) == [["1"], ["2"]]
    assert [p.id for p, _, _ in planned.waits] == ["3"]
