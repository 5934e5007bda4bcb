"""How loudly and how long an incident pages: urgency from the service's mapping, low
urgency deferred to support hours, ack timeouts and snoozes that trigger it again, and
responders added by hand; each is recorded on the incident.

In-process on SQLite and PostgreSQL, on a ManualClock the test moves (nothing sleeps):
the real writer, timer engine and delivery worker, pages to a local HTTP receiver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from tests.integration.engine.test_escalation import T0, World, paged, run, world
from tests.support.sinks import WebhookSink
from tocsin.clock import ManualClock
from tocsin.core.events import Action, Severity
from tocsin.escalation.policy import Target, TargetKind
from tocsin.escalation.responders import RespondersResult, add_responders
from tocsin.incidents.actions import (
    ActResult,
    EscalateResult,
    SnoozeResult,
    act_on_incident,
    escalate_now,
    snooze,
)
from tocsin.incidents.service import get_incident
from tocsin.store.schema import deliveries, escalations, incidents
from tocsin.world import apply_world, load_world_text

# T0 is Thursday 3 December 2026, 03:00 UTC: outside 09:00-18:00 support hours.
SUPPORT_HOURS = """\
    support_hours:
      time_zone: UTC
      windows: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}]
"""


def service_with(url: str, extra: str) -> str:
    """The paging world of test_escalation, its service given ``extra`` lines."""
    return world(url).replace(
        "    escalation_policy: web-critical\n", "    escalation_policy: web-critical\n" + extra
    )


def incident_id(engine: Engine) -> str:
    with engine.connect() as conn:
        found: str = conn.execute(select(incidents.c.id)).scalar_one()
    return found


def events(engine: Engine) -> list[tuple[str, dict[str, object]]]:
    with engine.connect() as conn:
        incident = get_incident(conn, incident_id(engine))
    assert incident is not None
    return [(e.kind, e.detail) for e in incident.events]


def escalation_shown(engine: Engine) -> tuple[str, datetime | None]:
    """The escalation's state and next firing, as the incident shows them."""
    with engine.connect() as conn:
        incident = get_incident(conn, incident_id(engine))
    assert incident is not None
    assert incident.escalation is not None
    return incident.escalation.state, incident.escalation.next_at


def kinds(engine: Engine) -> list[str]:
    return [kind for kind, _ in events(engine)]


async def act(w: World, engine: Engine, action: Action, minutes: float) -> None:
    w.clock.set(T0 + timedelta(minutes=minutes))
    work = act_on_incident(
        incident_id(engine), action, by="alice", via="test", now=w.clock.now(), result=ActResult()
    )
    await w.writer.run(work)


async def snooze_at(w: World, engine: Engine, minutes: float, until: datetime) -> SnoozeResult:
    """Snooze the incident at T0 + ``minutes`` until ``until``, as alice."""
    w.clock.set(T0 + timedelta(minutes=minutes))
    result = SnoozeResult()
    work = snooze(
        incident_id(engine), until, by="alice", via="test", now=w.clock.now(), result=result
    )
    await w.writer.run(work)
    return result


def test_the_services_mapping_decides_the_urgency(engine: Engine, sink: WebhookSink) -> None:
    apply_world(
        engine, load_world_text(service_with(sink.url, "    urgency: {warning: high}\n")), T0
    )
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER, key="warn", severity=Severity.WARNING)
        await w.send(Action.TRIGGER, key="info", severity=Severity.INFO)
        await w.at(0)

    run(engine, clock, body)
    # Both alerts join one incident, whose severity is its first alert's: warning -> high.
    assert [b["urgency"] for _, b in sink.received] == ["high"]


def test_low_urgency_waits_for_support_hours_and_high_urgency_does_not(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, SUPPORT_HOURS)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER, severity=Severity.WARNING)
        await w.at(0)
        await w.at(5 * 60 + 59)  # 08:59: still outside
        assert sink.received == []
        await w.at(6 * 60)  # 09:00: support hours start
        assert paged(sink) == [("alice", 1)]
        await w.at(6 * 60 + 5)  # the next level is timed from then
        assert paged(sink) == [("alice", 1), ("bob", 2)]

    run(engine, clock, body)
    assert kinds(engine)[:2] == ["deferred", "paged"]
    assert events(engine)[0][1]["until"] == "2026-12-03T09:00:00+00:00"


def test_a_critical_alert_pages_at_once_outside_support_hours(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, SUPPORT_HOURS)), T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER, severity=Severity.CRITICAL)
        await w.at(0)

    run(engine, ManualClock(T0), body)
    assert paged(sink) == [("alice", 1)]


def test_escalate_now_starts_a_deferred_escalation(engine: Engine, sink: WebhookSink) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, SUPPORT_HOURS)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER, severity=Severity.WARNING)
        await w.at(0)
        clock.set(T0 + timedelta(minutes=10))
        result = EscalateResult()
        await w.writer.run(escalate_now(incident_id(engine), now=clock.now(), result=result))
        assert result.outcome == "escalated"
        await w.at(10)
        assert paged(sink) == [("alice", 1)]
        await w.at(15)
        assert paged(sink) == [("alice", 1), ("bob", 2)]

    run(engine, clock, body)
    assert kinds(engine) == [
        "deferred",
        "escalated_by_hand",
        "paged",
        "paged",
        "escalation_exhausted",
    ]


def test_an_ack_timeout_triggers_the_incident_again_and_pages_from_level_one(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, "    ack_timeout: 30m\n")), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await act(w, engine, Action.ACKNOWLEDGE, 2)
        assert escalation_shown(engine) == ("held", T0 + timedelta(minutes=32))
        await w.at(5)  # level 2 would be due: the acknowledgement holds it
        await w.at(31.9)
        assert paged(sink) == [("alice", 1)]
        await w.at(32)  # 30 minutes after the acknowledgement
        assert paged(sink) == [("alice", 1), ("alice", 1)]
        await w.at(37)
        assert paged(sink) == [("alice", 1), ("alice", 1), ("bob", 2)]

    run(engine, clock, body)
    keys = [b["idempotency_key"] for _, b in sink.received]
    assert keys[1].split("/")[0].endswith(".1")  # a new round: new keys
    assert [b["round"] for _, b in sink.received] == [0, 1, 1]
    with engine.connect() as conn:
        status = conn.execute(select(incidents.c.status)).scalar_one()
    assert status == "triggered"
    assert "retriggered" in kinds(engine)
    assert dict(events(engine))["retriggered"] == {"reason": "ack_timeout"}


def test_a_resolution_before_the_ack_timeout_ends_it(engine: Engine, sink: WebhookSink) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, "    ack_timeout: 30m\n")), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await act(w, engine, Action.ACKNOWLEDGE, 2)
        await act(w, engine, Action.RESOLVE, 20)
        assert escalation_shown(engine) == ("stopped", None)
        await w.at(32)
        await w.at(90)

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1)]
    stops = [detail for kind, detail in events(engine) if kind == "escalation_stopped"]
    # No firing fell while it was acknowledged (the timer waited for the ack timeout).
    assert stops == [{"reason": "resolved"}]
    with engine.connect() as conn:
        assert conn.execute(select(escalations.c.state)).scalar_one() == "stopped"


def test_a_snooze_holds_the_escalation_then_starts_it_over(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        until = T0 + timedelta(hours=1)
        result = await snooze_at(w, engine, 1, until)
        assert (result.outcome, result.alerts) == ("snoozed", 1)
        with engine.connect() as conn:
            detail = get_incident(conn, incident_id(engine))
        assert detail is not None
        assert detail.status == "acknowledged"
        assert detail.escalation is not None
        assert detail.escalation.state == "held"
        assert detail.escalation.next_at == until
        await w.at(5)
        await w.at(59)
        assert paged(sink) == [("alice", 1)]
        await w.at(60)
        assert paged(sink) == [("alice", 1), ("alice", 1)]

    run(engine, clock, body)
    assert dict(events(engine))["retriggered"] == {"reason": "snooze_ended"}
    assert "snoozed" in kinds(engine)


def test_a_snoozed_incident_acknowledged_again_stays_snoozed_until_then(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(service_with(sink.url, "    ack_timeout: 10m\n")), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await snooze_at(w, engine, 1, T0 + timedelta(hours=2))
        await w.at(11)  # the ack timeout would have run out: the snooze decides
        await w.at(119)
        assert paged(sink) == [("alice", 1)]
        await w.at(120)
        assert paged(sink) == [("alice", 1), ("alice", 1)]

    run(engine, clock, body)


def test_responders_added_by_hand_are_paged_even_when_acknowledged(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await act(w, engine, Action.ACKNOWLEDGE, 1)
        result = RespondersResult()
        work = add_responders(
            incident_id(engine), [Target(TargetKind.USER, "bob")], note="need a DBA",
            by="alice", now=clock.now(), result=result,
        )  # fmt: skip
        await w.writer.run(work)
        assert (result.outcome, result.users, result.pages) == ("paged", ["bob"], 1)
        await w.delivery.deliver_due()
        # The same request replayed pages nobody twice; a second request pages again.
        await w.writer.run(work)
        await w.delivery.deliver_due()

    run(engine, clock, body)
    [escalation, added, again] = [b for _, b in sink.received]
    assert escalation["reason"] == "escalation"
    assert (added["reason"], added["note"], added["requested_by"]) == (
        "responders_added", "need a DBA", "alice",
    )  # fmt: skip
    assert added["idempotency_key"] != again["idempotency_key"]
    assert kinds(engine).count("responders_added") == 2


def test_a_responders_page_is_cancelled_once_the_incident_resolves(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        work = add_responders(
            incident_id(engine), [Target(TargetKind.TEAM, "nobody-team")], note="",
            by="alice", now=clock.now(), result=(unknown := RespondersResult()),
        )  # fmt: skip
        await w.writer.run(work)
        assert (unknown.outcome, unknown.unknown) == ("unknown", ["team nobody-team"])
        work = add_responders(
            incident_id(engine), [Target(TargetKind.USER, "bob")], note="",
            by="alice", now=clock.now(), result=RespondersResult(),
        )  # fmt: skip
        await w.writer.run(work)
        await act(w, engine, Action.RESOLVE, 0)
        await w.delivery.deliver_due()
        result = RespondersResult()
        work = add_responders(
            incident_id(engine), [Target(TargetKind.USER, "bob")], note="",
            by="alice", now=clock.now(), result=result,
        )  # fmt: skip
        await w.writer.run(work)
        assert result.outcome == "resolved"

    run(engine, clock, body)
    assert paged(sink) == [("alice", 1)]
    with engine.connect() as conn:
        states = conn.execute(select(deliveries.c.state).order_by(deliveries.c.id)).scalars()
        assert list(states) == ["sent", "cancelled"]


def test_a_coverage_gap_is_recorded_on_the_incident(engine: Engine, sink: WebhookSink) -> None:
    text = (
        world(sink.url)
        .replace(
            f'  - name: bob\n    contact_methods: [{{type: webhook, address: "{sink.url}/bob"}}]\n',
            "  - name: bob\n",
        )
        .replace("    repeat: 0\n", "    repeat: 0\n    fallback: [{user: alice}]\n")
    )
    apply_world(engine, load_world_text(text), T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await w.at(5)

    run(engine, ManualClock(T0), body)
    gap = dict(events(engine))["coverage_gap"]
    assert gap == {
        "level": 2, "repeat": 0, "policy": "web-critical",
        "reached": ["bob"], "fallback": ["alice"],
    }  # fmt: skip


def test_a_page_left_from_before_an_ack_timeout_is_not_sent_with_the_new_round(
    engine: Engine, sink: WebhookSink
) -> None:
    # alice's second rule step (after 15 minutes) is still waiting when her acknowledgement
    # runs out at 11 minutes: round 1 pages her again, and the old step is dropped.
    text = service_with(sink.url, "    ack_timeout: 10m\n").replace(
        f'  - name: alice\n    contact_methods: [{{type: webhook, address: "{sink.url}/alice"}}]\n',
        f'  - name: alice\n    contact_methods: [{{type: webhook, address: "{sink.url}/alice"}}]\n'
        "    notification_rules:\n"
        "      high: [{after: 0s, via: webhook}, {after: 15m, via: webhook}]\n",
    )
    assert "notification_rules" in text
    apply_world(engine, load_world_text(text), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await act(w, engine, Action.ACKNOWLEDGE, 1)
        await w.at(11)  # the acknowledgement ran out: round 1, level 1
        await w.at(15)  # round 0's 15-minute step comes due: not sent

    run(engine, clock, body)
    rounds = [(b["round"], b["idempotency_key"].split("/")[4]) for _, b in sink.received]
    assert rounds == [(0, "0"), (1, "0")]
    with engine.connect() as conn:
        states = conn.execute(
            select(deliveries.c.idempotency_key, deliveries.c.state).where(
                deliveries.c.state == "cancelled"
            )
        ).all()
    assert [k.split("/")[4] for k, _ in states] == ["1"]  # the old round's second step


def test_a_snooze_that_did_not_take_still_pages_when_it_ends(
    engine: Engine, sink: WebhookSink
) -> None:
    # A new alert joined the incident in the commit that snoozed it: the incident stayed
    # triggered while its escalation was held. It must page again, not go quiet.
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)
        await snooze_at(w, engine, 1, T0 + timedelta(minutes=30))
        await w.send(Action.TRIGGER, key="joined-the-same-commit")
        with engine.begin() as conn:  # as that commit leaves it
            conn.execute(incidents.update().values(status="triggered"))
        await w.at(30)
        assert paged(sink) == [("alice", 1), ("alice", 1)]

    run(engine, clock, body)
    assert escalation_shown(engine)[0] == "active"
