"""An incident pages its service's escalation policy, level by level, until acknowledged.

In-process on SQLite and PostgreSQL: alerts go through the real group-commit writer, the
escalation timer through the real timer engine on a ManualClock the test moves (nothing
sleeps), and the pages through the real delivery worker to a local HTTP receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support.process_world import ProcessWorld, run_in
from tests.support.sinks import WebhookSink
from tests.support.writer_world import route_of
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent, Severity
from tocsin.escalation import service as escalation
from tocsin.incidents.actions import ActResult, EscalateResult, act_on_incident, escalate_now
from tocsin.store.schema import deliveries, delivery_attempts, escalations
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # alice is on call (weekly, from Mon 30 Nov)
KEY = "e" * 32


@pytest.fixture(autouse=True, params=["batched", "one at a time"])
def firing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """This module's tests run both ways escalation timers can fire."""
    monkeypatch.setattr(World, "batched", request.param == "batched")
    return str(request.param)


def world(url: str, repeat: int = 0, alice: str = "webhook") -> str:
    return f"""\
version: 1
users:
  - name: alice
    contact_methods: [{{type: {alice}, address: "{url}/alice"}}]
  - name: bob
    contact_methods: [{{type: webhook, address: "{url}/bob"}}]
schedules:
  - name: web-primary
    time_zone: UTC
    layers:
      - name: weekly
        rotation: {{start: "2026-11-30T00:00:00+00:00", turn: 1w, participants: [alice, bob]}}
escalation_policies:
  - name: web-critical
    levels:
      - {{targets: [{{schedule: web-primary}}], delay: 5m}}
      - {{targets: [{{user: bob}}], delay: 5m}}
    repeat: {repeat}
services:
  - name: web
    escalation_policy: web-critical
    integrations: [{{name: pd, type: pagerduty, key: "{KEY}"}}]
"""


class World(ProcessWorld):
    """One process paging the escalation policies of the world at ``KEY``'s service; its
    escalation timers fire in batches as ``build_runtime`` has them, or (``batched``
    False) only ever one at a time."""

    batched = True

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        super().__init__(
            engine,
            clock,
            T0,
            {escalation.TIMER_KIND: escalation.on_escalation},
            {escalation.TIMER_KIND: escalation.lock_incidents},
            {escalation.TIMER_KIND: escalation.on_escalations} if self.batched else None,
        )
        self.route = route_of(engine, KEY)

    async def send(
        self, action: Action, key: str = "disk-full", severity: Severity = Severity.CRITICAL
    ) -> None:
        event = AlertEvent(
            self.route, action, key, self.clock.now(), "{}", "Disk full", "db1", severity
        )
        await self.writer.submit([event])


def run(engine: Engine, clock: ManualClock, body: Any) -> None:
    run_in(World(engine, clock), body)


def trigger_and_page(engine: Engine, text: str, severity: Severity = Severity.CRITICAL) -> None:
    """Apply ``text``, send one trigger at T0 and page its first step."""
    apply_world(engine, load_world_text(text), T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER, severity=severity)
        await w.at(0)

    run(engine, ManualClock(T0), body)


def paged(sink: WebhookSink) -> list[tuple[str, int]]:
    """(user, level) of every page the receiver got, in order."""
    return [(b["idempotency_key"].split("/")[3], b["level"]) for _, b in sink.received]


def test_level_two_is_paged_only_once_the_delay_has_passed(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        assert paged(sink) == [("alice", 1)]  # the schedule's on-call, at once
        await w.at(4.9)
        assert paged(sink) == [("alice", 1)]
        await w.at(5)
        assert paged(sink) == [("alice", 1), ("bob", 2)]
        await w.at(60)
        assert len(sink.received) == 2  # the policy is exhausted: nothing more

    run(engine, clock, body)
    headers, page = sink.received[0]
    assert headers["Idempotency-Key"] == page["idempotency_key"]
    assert page["incident"]["service"] == "web"
    assert page["incident"]["title"] == "Disk full"
    with engine.connect() as conn:
        assert conn.execute(select(escalations.c.state)).scalar_one() == "exhausted"
        states = conn.execute(select(deliveries.c.state)).scalars().all()
        outcomes = conn.execute(select(delivery_attempts.c.outcome)).scalars().all()
    assert states == ["sent", "sent"]
    assert outcomes == ["sent", "sent"]


def test_an_acknowledgement_at_four_minutes_means_level_two_is_never_paged(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        clock.set(T0 + timedelta(minutes=4))
        await w.send(Action.ACKNOWLEDGE)
        await w.at(5)
        await w.at(30)

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1)]
    with engine.connect() as conn:
        assert conn.execute(select(escalations.c.state)).scalar_one() == "stopped"


def test_repeats_start_over_and_a_late_firing_pages_once_where_it_is(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url, repeat=2)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await w.at(5)
        await w.at(10)  # the second pass: level 1 again
        # Tocsin was down from 10 to 27 minutes: 15 (bob) and 20 (alice) were missed.
        await w.at(27)

    run(engine, clock, body)
    # At 27 minutes the escalation is where it would be on time: the third pass's level 2
    # (paged at 25), paged once; the missed steps are not sent in a burst.
    assert paged(sink) == [("alice", 1), ("bob", 2), ("alice", 1), ("bob", 2)]
    assert [b["repeat"] for _, b in sink.received] == [0, 0, 1, 2]
    assert sink.received[-1][1]["skipped_steps"] == 2


def test_a_page_whose_incident_was_acknowledged_before_sending_is_not_sent(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.timers.fire_due()  # queued, not yet sent
        await w.send(Action.ACKNOWLEDGE)
        await w.delivery.deliver_due()

    run(engine, clock, body)
    assert sink.received == []
    with engine.connect() as conn:
        assert conn.execute(select(deliveries.c.state)).scalar_one() == "cancelled"


def test_a_failing_receiver_is_retried_with_backoff_and_the_key_stays(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)
    down = "http://127.0.0.1:9/alice"  # the discard port: nothing listens, refused

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.timers.fire_due()
        with engine.begin() as conn:  # alice's receiver is down
            conn.execute(deliveries.update().values(address=down))
        await w.delivery.deliver_due()
        with engine.connect() as conn:
            row = conn.execute(select(deliveries)).one()
        assert (row.state, row.attempts) == ("pending", 1)
        assert "did not answer" in row.last_error
        assert row.next_attempt_at > clock.now()
        await w.delivery.deliver_due()  # not due yet: not tried again
        with engine.begin() as conn:  # the receiver is back
            conn.execute(deliveries.update().values(address=f"{sink.url}/alice"))
        clock.set(row.next_attempt_at)
        await w.delivery.deliver_due()

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1)]
    with engine.connect() as conn:
        row = conn.execute(select(deliveries)).one()
        outcomes = conn.execute(select(delivery_attempts.c.outcome)).scalars().all()
    assert (row.state, row.attempts) == ("sent", 2)
    assert sorted(outcomes) == ["retry", "sent"]


def test_a_slack_contact_method_gets_a_block_kit_message(engine: Engine, sink: WebhookSink) -> None:
    trigger_and_page(engine, world(sink.url, alice="slack"))
    [(headers, message)] = sink.received
    assert message["text"] == ":red_circle: Disk full (web, critical)"
    header, fields, footer = message["blocks"]
    assert header["type"] == "header"
    assert "*Service*\nweb" in [f["text"] for f in fields["fields"]]
    assert footer["elements"][0]["text"].endswith(headers["Idempotency-Key"])


@pytest.mark.parametrize("scheme", ["json", "ntfy"])
def test_apprise_urls_reach_their_receivers(
    engine: Engine, sink: WebhookSink, scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The URL comes from the environment, as a token-bearing one should.
    host = sink.url.removeprefix("http://")
    monkeypatch.setenv("TOCSIN_TEST_APPRISE_URL", f"{scheme}://{host}/alice")
    text = world(sink.url, alice="apprise").replace(
        f'"{sink.url}/alice"', '"env:TOCSIN_TEST_APPRISE_URL"'
    )
    trigger_and_page(engine, text)
    [(_, received)] = sink.received
    said = json.dumps(received)
    assert "Disk full" in said
    assert "Key: " in said  # the idempotency key travels in the body
    with engine.connect() as conn:
        assert conn.execute(select(deliveries.c.state)).scalar_one() == "sent"


def verify_signature(secret: str, header: str, body: bytes, now: float) -> bool:
    """What a receiver does (the recipe of docs/notifications.md)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(now - timestamp) <= 300
    return fresh and hmac.compare_digest(expected.hexdigest(), fields["v1"])


def test_a_webhook_with_a_secret_is_signed_over_its_raw_body(
    engine: Engine, sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_TEST_HOOK_SECRET", "s3cr3t-for-alice")
    text = world(sink.url).replace(
        f'address: "{sink.url}/alice"}}',
        f'address: "{sink.url}/alice", secret: "env:TOCSIN_TEST_HOOK_SECRET"}}',
    )
    assert "secret:" in text
    trigger_and_page(engine, text)
    [(headers, _)] = sink.received
    raw = sink.raw_bodies[0]
    header = headers["X-Tocsin-Signature"]
    assert verify_signature("s3cr3t-for-alice", header, raw, time.time())
    assert not verify_signature("another secret", header, raw, time.time())
    assert not verify_signature("s3cr3t-for-alice", header, raw + b" ", time.time())
    assert not verify_signature("s3cr3t-for-alice", header, raw, time.time() + 3600)
    with engine.connect() as conn:
        stored = conn.execute(select(deliveries.c.secret_ref, deliveries.c.message)).one()
    assert stored.secret_ref == "env:TOCSIN_TEST_HOOK_SECRET"
    assert "s3cr3t" not in json.dumps(stored.message)


def test_a_missing_secret_fails_the_page_and_says_which(
    engine: Engine, sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOCSIN_TEST_UNSET_SECRET", raising=False)
    text = world(sink.url).replace(
        f'address: "{sink.url}/alice"}}',
        f'address: "{sink.url}/alice", secret: "env:TOCSIN_TEST_UNSET_SECRET"}}',
    )
    trigger_and_page(engine, text)
    assert sink.received == []  # never sent unsigned
    with engine.connect() as conn:
        row = conn.execute(select(deliveries.c.state, deliveries.c.last_error)).one()
    assert row.state == "failed"
    assert "TOCSIN_TEST_UNSET_SECRET" in row.last_error


RULES = """\
    contact_methods:
      - {type: webhook, address: "URL/alice-webhook"}
      - {type: slack, address: "URL/alice-slack"}
    notification_rules:
      high: [{after: 0m, via: webhook}, {after: 2m, via: slack}]
      low: [{via: slack}]
"""


def rules_world(url: str) -> str:
    text = world(url).replace(
        f'    contact_methods: [{{type: webhook, address: "{url}/alice"}}]\n',
        RULES.replace("URL", url),
        1,
    )
    assert "notification_rules" in text
    return text


def test_notification_rules_send_each_method_after_its_delay(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(rules_world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        assert [h["path"] for h, _ in sink.received] == ["/alice-webhook"]
        await w.at(1.9)
        assert len(sink.received) == 1
        await w.at(2)
        assert [h["path"] for h, _ in sink.received] == ["/alice-webhook", "/alice-slack"]

    run(engine, clock, body)


def test_an_acknowledgement_cancels_the_rule_steps_still_to_come(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(rules_world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        clock.set(T0 + timedelta(minutes=1))
        await w.send(Action.ACKNOWLEDGE)
        await w.at(2)

    run(engine, clock, body)
    assert [h["path"] for h, _ in sink.received] == ["/alice-webhook"]
    with engine.connect() as conn:
        states = sorted(conn.execute(select(deliveries.c.state)).scalars())
    assert states == ["cancelled", "sent"]


def test_low_urgency_alerts_use_the_low_rules(engine: Engine, sink: WebhookSink) -> None:
    trigger_and_page(engine, rules_world(sink.url), Severity.WARNING)
    [(headers, page)] = sink.received
    assert headers["path"] == "/alice-slack"
    assert "Disk full" in page["text"]  # Slack's rendering


def test_escalate_now_pages_the_next_level_at_once_and_times_the_rest_from_then(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url, repeat=1)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        clock.set(T0 + timedelta(minutes=1))
        [incident_id] = {b["incident"]["id"] for _, b in sink.received}
        result = EscalateResult()
        await w.writer.run(escalate_now(incident_id, now=clock.now(), result=result))
        assert result.outcome == "escalated"
        await w.at(1)
        assert paged(sink) == [("alice", 1), ("bob", 2)]  # bob at 1 minute, not 5
        await w.at(5.9)
        assert len(sink.received) == 2
        await w.at(6)  # the next step: 5 minutes after the escalation
        assert paged(sink) == [("alice", 1), ("bob", 2), ("alice", 1)]

    run(engine, clock, body)


def test_an_incident_whose_alerts_resolved_can_still_be_acknowledged_and_stops_paging(
    engine: Engine, sink: WebhookSink
) -> None:
    # A service that keeps incidents open when their alerts resolve: nothing is left for
    # an acknowledgement to apply to, yet the incident must still be stoppable.
    text = world(sink.url).replace(
        "    escalation_policy: web-critical\n",
        "    escalation_policy: web-critical\n    auto_resolve_incidents: false\n",
    )
    apply_world(engine, load_world_text(text), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        clock.set(T0 + timedelta(minutes=1))
        await w.send(Action.RESOLVE)  # the alert resolves; the incident stays triggered
        [incident_id] = {b["incident"]["id"] for _, b in sink.received}
        result = ActResult()
        work = act_on_incident(
            incident_id, Action.ACKNOWLEDGE, by="alice", via="test", now=clock.now(), result=result
        )
        await w.writer.run(work)
        assert (result.alerts, result.incident_only, result.changed) == (0, True, True)
        await w.at(5)

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1)]  # bob is never paged


def test_a_level_whose_users_cannot_be_reached_pages_the_fallback(
    engine: Engine, sink: WebhookSink
) -> None:
    text = (
        world(sink.url)
        .replace(
            f'  - name: bob\n    contact_methods: [{{type: webhook, address: "{sink.url}/bob"}}]\n',
            "  - name: bob\n",  # on the level, with no contact method
        )
        .replace("    repeat: 0\n", "    repeat: 0\n    fallback: [{user: alice}]\n")
    )
    assert "fallback" in text
    apply_world(engine, load_world_text(text), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await w.at(5)  # level 2 is bob, who has no way to be reached

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1), ("alice", 2)]
    assert [b["coverage_gap"] for _, b in sink.received] == [False, True]


def test_round_robin_gives_each_incident_the_next_target(engine: Engine, sink: WebhookSink) -> None:
    text = world(sink.url).replace(
        "      - {targets: [{schedule: web-primary}], delay: 5m}\n",
        "      - {targets: [{user: alice}, {user: bob}], delay: 5m, mode: round_robin}\n",
    )
    apply_world(engine, load_world_text(text), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        for key in ("first", "second", "third"):
            await w.send(Action.TRIGGER, key=key)
            await w.at(0)
            await w.send(Action.RESOLVE, key=key)  # so the next alert opens a new incident

    run(engine, clock, body)
    assert [user for user, _ in paged(sink)] == ["alice", "bob", "alice"]
